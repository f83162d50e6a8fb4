#include "http_probe.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <sys/socket.h>

namespace maptable::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

bool same_name(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// Big enough for an export of a busy room; Beast's default is 8 MiB.
constexpr std::uint64_t reply_body_limit = 16u << 20;

template <class Stream>
http_reply read_reply(Stream& stream)
{
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(reply_body_limit);
    parser.skip(false);
    http::read_header(stream, buffer, parser);
    // A 101 has no body, and the connection is the WebSocket's from here on.
    if (parser.get().result() != http::status::switching_protocols)
        http::read(stream, buffer, parser);
    const auto& res = parser.get();
    http_reply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.body = res.body();
    for (const auto& field : res)
        reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    return reply;
}

template <class Stream>
http_reply exchange(Stream& stream, unsigned short port, http::request<http::string_body>& req)
{
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    http::write(stream, req);
    return read_reply(stream);
}

tcp::endpoint loopback(unsigned short port)
{
    return tcp::endpoint(asio::ip::make_address("127.0.0.1"), port);
}

// One exchange on a fresh plain connection, closed after the reply.
http_reply exchange_plain(unsigned short port, http::request<http::string_body>& req)
{
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(loopback(port));
    auto reply = exchange(stream, port, req);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return reply;
}

} // namespace

std::string http_reply::header(std::string_view name) const
{
    for (const auto& [n, v] : headers)
        if (same_name(n, name))
            return v;
    return {};
}

http_reply http_request(unsigned short port, const std::string& target, const header_list& headers,
                        const tls_trust* tls)
{
    http::request<http::string_body> req{http::verb::get, target, 11};
    for (const auto& [name, value] : headers)
        req.insert(name, value);
    if (!tls)
        return exchange_plain(port, req);
    asio::io_context io;
    ssl::context context(ssl::context::tls_client);
    context.load_verify_file(tls->ca_file);
    context.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    SSL_set_tlsext_host_name(stream.native_handle(), tls->host_name.c_str());
    stream.set_verify_callback(ssl::host_name_verification(tls->host_name));
    beast::get_lowest_layer(stream).connect(loopback(port));
    stream.handshake(ssl::stream_base::client);
    auto reply = exchange(stream, port, req);
    beast::error_code ignored;
    stream.shutdown(ignored);
    return reply;
}

http_reply upgrade_request(unsigned short port, const header_list& headers, const tls_trust* tls)
{
    header_list all = {{"Upgrade", "websocket"},
                       {"Connection", "Upgrade"},
                       {"Sec-WebSocket-Version", "13"},
                       {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
    all.insert(all.end(), headers.begin(), headers.end());
    return http_request(port, "/v1/ws", all, tls);
}

http_reply call_api(unsigned short port, const api_call& call)
{
    http::request<http::string_body> req;
    req.method_string(call.method);
    req.target(call.target);
    req.version(11);
    if (!call.bearer.empty())
        req.set(http::field::authorization, "Bearer " + call.bearer);
    if (!call.body.empty()) {
        req.set(http::field::content_type, call.content_type);
        req.body() = call.body;
    }
    req.prepare_payload();
    return exchange_plain(port, req);
}

struct pending_call::impl {
    asio::io_context io;
    beast::tcp_stream stream{io};
};

pending_call::pending_call(unsigned short port, const api_call& call) : impl_(std::make_unique<impl>())
{
    http::request<http::string_body> req;
    req.method_string(call.method);
    req.target(call.target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    if (!call.bearer.empty())
        req.set(http::field::authorization, "Bearer " + call.bearer);
    if (!call.body.empty()) {
        req.set(http::field::content_type, call.content_type);
        req.body() = call.body;
    }
    req.prepare_payload();
    impl_->stream.connect(loopback(port));
    http::write(impl_->stream, req);
}

pending_call::~pending_call()
{
    beast::error_code ignored;
    impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

bool pending_call::reply_started()
{
    char byte = 0;
    const auto n = ::recv(impl_->stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0;
}

http_reply pending_call::finish()
{
    return read_reply(impl_->stream);
}

boost::json::value json_body(const http_reply& reply)
{
    boost::system::error_code ec;
    auto v = boost::json::parse(reply.body, ec);
    return ec ? boost::json::value() : v;
}

http_reply raw_request(unsigned short port, const std::string& request)
{
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(loopback(port));
    asio::write(stream.socket(), asio::buffer(request));
    auto reply = read_reply(stream);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return reply;
}

void write_self_signed_certificate(const std::filesystem::path& cert_file, const std::filesystem::path& key_file)
{
    const auto check = [](bool ok, const char* what) {
        if (!ok)
            throw std::runtime_error(std::string("self-signed certificate: ") + what);
    };
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    check(key != nullptr, "EC key generation");
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    auto* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                                     std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        check(ext != nullptr, "extension");
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing");
    std::unique_ptr<FILE, decltype(&std::fclose)> c(std::fopen(cert_file.c_str(), "w"), std::fclose);
    std::unique_ptr<FILE, decltype(&std::fclose)> k(std::fopen(key_file.c_str(), "w"), std::fclose);
    check(c && k, "cannot open the output files");
    check(PEM_write_X509(c.get(), cert.get()) == 1, "writing the certificate");
    check(PEM_write_PrivateKey(k.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1, "writing the key");
}

} // namespace maptable::test
