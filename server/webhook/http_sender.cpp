// Layer: webhook (network). One POST per connection, with Beast.
#include "webhook/http_sender.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <openssl/ssl.h>

#include <stdexcept>
#include <type_traits>

namespace maptable::webhook {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using plain_stream = beast::tcp_stream;
using tls_stream = ssl::stream<beast::tcp_stream>;

// One request from resolve to the status line. Owned by its pending
// operations (shared_from_this); runs on the sender's io_context.
template <class Stream>
class post_operation : public std::enable_shared_from_this<post_operation<Stream>> {
    static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

public:
    template <class... StreamArgs>
    post_operation(asio::io_context& io, outgoing_request request, std::chrono::milliseconds timeout,
                   std::function<void(send_outcome)> done, StreamArgs&&... stream_args)
        : resolver_(io)
        , stream_(io, std::forward<StreamArgs>(stream_args)...)
        , deadline_(io)
        , timeout_(timeout)
        , request_(std::move(request))
        , done_(std::move(done))
    {
    }

    void run()
    {
        deadline_.expires_after(timeout_);
        deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (ec || self->finished_)
                return;
            // Everything still pending completes with operation_aborted.
            self->timed_out_ = true;
            self->resolver_.cancel();
            beast::error_code ignored;
            beast::get_lowest_layer(self->stream_).socket().close(ignored);
        });
        if constexpr (is_tls) {
            // SNI (for a name: RFC 6066 has no place for an address), and
            // the name or address the certificate must be valid for.
            beast::error_code not_address;
            asio::ip::make_address(request_.url.host, not_address);
            if (not_address && !SSL_set_tlsext_host_name(stream_.native_handle(), request_.url.host.c_str()))
                return fail("cannot set the TLS server name");
            stream_.set_verify_mode(ssl::verify_peer);
            stream_.set_verify_callback(ssl::host_name_verification(request_.url.host));
        }
        resolver_.async_resolve(request_.url.host, request_.url.port,
                                beast::bind_front_handler(&post_operation::on_resolve, this->shared_from_this()));
    }

private:
    void on_resolve(beast::error_code ec, tcp::resolver::results_type results)
    {
        if (ec)
            return fail("cannot resolve " + request_.url.host + ": " + ec.message());
        beast::get_lowest_layer(stream_).async_connect(
            results, beast::bind_front_handler(&post_operation::on_connect, this->shared_from_this()));
    }

    void on_connect(beast::error_code ec, const tcp::endpoint&)
    {
        if (ec)
            return fail("cannot connect to " + request_.url.host_header + ": " + ec.message());
        if constexpr (is_tls)
            stream_.async_handshake(ssl::stream_base::client,
                                    beast::bind_front_handler(&post_operation::on_handshake, this->shared_from_this()));
        else
            do_write();
    }

    void on_handshake(beast::error_code ec)
    {
        if (ec)
            return fail("TLS handshake with " + request_.url.host_header + " failed: " + ec.message());
        do_write();
    }

    void do_write()
    {
        message_.method(http::verb::post);
        message_.target(request_.url.target);
        message_.version(11);
        message_.set(http::field::host, request_.url.host_header);
        message_.set(http::field::user_agent, "maptable-webhooks/1");
        message_.set(http::field::content_type, "application/json");
        message_.set(http::field::connection, "close");
        for (const auto& [name, value] : request_.headers)
            message_.set(name, value);
        message_.body() = std::move(request_.body);
        message_.prepare_payload();
        http::async_write(stream_, message_,
                          beast::bind_front_handler(&post_operation::on_write, this->shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        if (ec)
            return fail("cannot send the request: " + ec.message());
        // Only the status matters: the body is not read, so a large one
        // costs nothing.
        parser_.header_limit(16 * 1024);
        http::async_read_header(stream_, buffer_, parser_,
                                beast::bind_front_handler(&post_operation::on_read, this->shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t)
    {
        if (ec)
            return fail("no answer: " + ec.message());
        const int status = static_cast<int>(parser_.get().result_int());
        send_outcome outcome;
        outcome.status = status;
        outcome.ok = status >= 200 && status < 300;
        if (!outcome.ok)
            outcome.error = "the receiver answered " + std::to_string(status);
        finish(std::move(outcome));
    }

    void fail(std::string why)
    {
        send_outcome outcome;
        outcome.error = timed_out_ ? "no answer within " + std::to_string(timeout_.count()) + " ms" : std::move(why);
        finish(std::move(outcome));
    }

    void finish(send_outcome outcome)
    {
        if (finished_)
            return;
        finished_ = true;
        deadline_.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(stream_).socket().close(ignored);
        auto done = std::move(done_);
        done(std::move(outcome));
    }

    tcp::resolver resolver_;
    Stream stream_;
    asio::steady_timer deadline_;
    std::chrono::milliseconds timeout_;
    outgoing_request request_;
    std::function<void(send_outcome)> done_;
    http::request<http::string_body> message_;
    beast::flat_buffer buffer_;
    http::response_parser<http::empty_body> parser_;
    bool timed_out_ = false;
    bool finished_ = false;
};

} // namespace

http_sender::http_sender(asio::io_context& io, const std::string& ca_file)
    : io_(io), tls_(std::make_shared<ssl::context>(ssl::context::tls_client))
{
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls_->set_default_verify_paths();
    if (!ca_file.empty()) {
        beast::error_code ec;
        tls_->load_verify_file(ca_file, ec);
        if (ec)
            throw std::runtime_error("--webhook-ca-file " + ca_file + ": " + ec.message());
    }
}

http_sender::~http_sender() = default;

void http_sender::send(outgoing_request request, std::chrono::milliseconds timeout,
                       std::function<void(send_outcome)> done)
{
    if (request.url.tls)
        std::make_shared<post_operation<tls_stream>>(io_, std::move(request), timeout, std::move(done), *tls_)->run();
    else
        std::make_shared<post_operation<plain_stream>>(io_, std::move(request), timeout, std::move(done))->run();
}

} // namespace maptable::webhook
