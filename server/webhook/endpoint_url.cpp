// Layer: webhook (pure). Receiver URLs, parsed with Boost.URL.
#include "webhook/endpoint_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace maptable::webhook {
namespace {

bool loopback(std::string_view host)
{
    return host == "localhost" || host == "::1" || host.starts_with("127.");
}

} // namespace

std::variant<endpoint_url, std::string> parse_endpoint_url(std::string_view text)
{
    constexpr std::size_t max_url_bytes = 2048;
    if (text.empty())
        return std::string("\"url\" is empty");
    if (text.size() > max_url_bytes)
        return "\"url\" is longer than " + std::to_string(max_url_bytes) + " bytes";
    const auto parsed = boost::urls::parse_uri(text);
    if (!parsed)
        return "\"url\" is not an absolute URL (https://host[:port]/path)";
    const auto& url = *parsed;
    endpoint_url out;
    const auto scheme = std::string(url.scheme());
    if (scheme == "https")
        out.tls = true;
    else if (scheme == "http")
        out.tls = false;
    else
        return "\"url\" must be https:// (or http:// to a loopback address); the scheme " + scheme +
            " is not supported";
    if (url.has_userinfo())
        return std::string("\"url\" must not carry a user name or password");
    if (url.has_fragment())
        return std::string("\"url\" must not have a #fragment");
    switch (url.host_type()) {
    case boost::urls::host_type::name:
    case boost::urls::host_type::ipv4: out.host = std::string(url.encoded_host()); break;
    case boost::urls::host_type::ipv6: out.host = std::string(url.encoded_host_address()); break;
    default: return std::string("\"url\" has no host name or address");
    }
    if (out.host.empty())
        return std::string("\"url\" has no host name or address");
    for (auto& c : out.host)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!out.tls && !loopback(out.host))
        return std::string("\"url\" must be https://; http:// is accepted for a loopback address only "
                           "(127.0.0.1, ::1, localhost)");
    if (url.has_port()) {
        if (url.port_number() == 0)
            return std::string("\"url\" has a port out of range (1-65535)");
        out.port = std::to_string(url.port_number());
    } else {
        out.port = out.tls ? "443" : "80";
    }
    out.target = std::string(url.encoded_path());
    if (out.target.empty())
        out.target = "/";
    if (url.has_query())
        out.target += "?" + std::string(url.encoded_query());
    out.host_header = std::string(url.encoded_host_and_port());
    return out;
}

} // namespace maptable::webhook
