// Layer: client (command-line tool). See http_call.hpp. The only file of the
// CLI that includes Beast.
#include "http_call.hpp"

#include "commands.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>

namespace maptable::cli {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Exports of a room with years of history are large; the limit only guards
// against a runaway answer.
constexpr std::uint64_t max_answer_bytes = 1ull << 30;

template <class Stream>
http_answer exchange(Stream& stream, http::request<http::string_body>& request)
{
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_answer_bytes);
    http::read(stream, buffer, parser);
    http_answer answer;
    answer.status = static_cast<int>(parser.get().result_int());
    answer.body = std::move(parser.get().body());
    answer.content_type = std::string(parser.get()[http::field::content_type]);
    return answer;
}

} // namespace

http_answer http_call(const std::string& method, const std::string& url, const std::string& bearer,
                      const std::string& json_body)
{
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https"))
        throw usage_error("'" + url + "' is not an http:// or https:// URL");
    const bool secure = parsed->scheme() == "https";
    const std::string host(parsed->host());
    const std::string port = parsed->has_port() ? std::string(parsed->port()) : (secure ? "443" : "80");
    std::string target(parsed->encoded_path());
    if (target.empty())
        target = "/";
    if (parsed->has_query())
        target += "?" + std::string(parsed->encoded_query());

    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, host + ":" + port);
    request.set(http::field::user_agent, "maptable-cli");
    if (!bearer.empty())
        request.set(http::field::authorization, "Bearer " + bearer);
    if (!json_body.empty()) {
        request.set(http::field::content_type, "application/json");
        request.body() = json_body;
    }
    request.prepare_payload();

    try {
        asio::io_context io;
        tcp::resolver resolver(io);
        const auto endpoints = resolver.resolve(host, port);
        if (!secure) {
            beast::tcp_stream stream(io);
            stream.expires_after(answer_timeout);
            stream.connect(endpoints);
            auto answer = exchange(stream, request);
            beast::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            return answer;
        }
        ssl::context tls(ssl::context::tls_client);
        tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        tls.set_default_verify_paths();
        tls.set_verify_mode(ssl::verify_peer);
        beast::ssl_stream<beast::tcp_stream> stream(io, tls);
        SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
        stream.set_verify_callback(ssl::host_name_verification(host));
        beast::get_lowest_layer(stream).expires_after(answer_timeout);
        beast::get_lowest_layer(stream).connect(endpoints);
        stream.handshake(ssl::stream_base::client);
        auto answer = exchange(stream, request);
        beast::error_code ignored;
        stream.shutdown(ignored);
        return answer;
    } catch (const boost::system::system_error& e) {
        throw refused(pb::ERROR_CODE_UNSPECIFIED, "cannot reach " + host + ":" + port + ": " + e.code().message());
    }
}

} // namespace maptable::cli
