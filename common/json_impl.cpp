// The one translation unit that compiles Boost.JSON (header-only in Debian's 1.81).
#include <boost/json/src.hpp>
