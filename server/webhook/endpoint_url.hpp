// Layer: webhook (pure). A receiver's URL, checked when it is registered and
// split for the HTTP client.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace maptable::webhook {

struct endpoint_url {
    bool tls = true;         // https
    std::string host;        // a name, an IPv4 address, or an IPv6 address without brackets
    std::string port;        // "443" / "80" when the URL gives none
    std::string target;      // path and query, "/" at least
    std::string host_header; // as the Host header carries it
};

// Parses an absolute https:// URL, or an http:// URL whose host is a
// loopback address (127.0.0.0/8, ::1, localhost): plain HTTP would show
// every event to the network, so it is for a receiver on the same machine
// (tests, a local relay) only. No user info, no fragment, at most 2,048
// bytes. Returns the URL's parts or the reason it is refused (for a 400).
std::variant<endpoint_url, std::string> parse_endpoint_url(std::string_view url);

} // namespace maptable::webhook
