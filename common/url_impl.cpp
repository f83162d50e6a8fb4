// The one translation unit that compiles Boost.URL (header-only in Debian's 1.81).
#include <boost/url/src.hpp>
