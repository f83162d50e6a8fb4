#include "webhook/endpoint_url.hpp"

#include <doctest/doctest.h>

using namespace maptable::webhook;

namespace {

endpoint_url parsed(std::string_view text)
{
    auto r = parse_endpoint_url(text);
    REQUIRE_MESSAGE(std::holds_alternative<endpoint_url>(r), std::get<std::string>(r));
    return std::get<endpoint_url>(r);
}

std::string refused(std::string_view text)
{
    auto r = parse_endpoint_url(text);
    REQUIRE_MESSAGE(std::holds_alternative<std::string>(r), "accepted: " << text);
    return std::get<std::string>(r);
}

} // namespace

TEST_CASE("an https URL is split into host, port and target")
{
    const auto u = parsed("https://Hooks.Example.org/maptable/in?key=1");
    CHECK(u.tls);
    CHECK(u.host == "hooks.example.org");
    CHECK(u.port == "443");
    CHECK(u.target == "/maptable/in?key=1");
    const auto v = parsed("https://hooks.example.org:8443");
    CHECK(v.port == "8443");
    CHECK(v.target == "/");
    CHECK(v.host_header == "hooks.example.org:8443");
    const auto w = parsed("https://[2001:db8::1]:9000/h");
    CHECK(w.host == "2001:db8::1");
    CHECK(w.host_header == "[2001:db8::1]:9000");
}

TEST_CASE("plain http is for a loopback receiver only")
{
    CHECK(parsed("http://127.0.0.1:8080/hook").port == "8080");
    CHECK_FALSE(parsed("http://localhost/hook").tls);
    CHECK(parsed("http://[::1]:81/").host == "::1");
    CHECK(refused("http://example.org/hook").find("loopback") != std::string::npos);
    CHECK(refused("http://10.0.0.1/hook").find("loopback") != std::string::npos);
}

TEST_CASE("what is not an https URL to a host is refused with the reason")
{
    CHECK(refused("").find("empty") != std::string::npos);
    CHECK(refused("hooks.example.org/x").find("absolute") != std::string::npos);
    CHECK(refused("/relative").find("absolute") != std::string::npos);
    CHECK(refused("ftp://example.org/").find("scheme ftp") != std::string::npos);
    CHECK(refused("file:///etc/passwd").find("scheme file") != std::string::npos);
    CHECK(refused("https://user:pw@example.org/").find("user name") != std::string::npos);
    CHECK(refused("https://example.org/#top").find("fragment") != std::string::npos);
    CHECK(refused("https://example.org:0/").find("port") != std::string::npos);
    CHECK(refused("https:///path").find("host") != std::string::npos);
    CHECK(refused("https://example.org/" + std::string(3000, 'a')).find("longer") != std::string::npos);
}
