// The one translation unit that compiles Boost.Asio (and its OpenSSL glue).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
