#include "net/http_session.hpp"

#include "net/websocket_session.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <optional>

namespace maptable::net {
namespace {

constexpr std::string_view websocket_path = "/v1/ws";

class http_session : public std::enable_shared_from_this<http_session> {
public:
    http_session(boost::asio::ip::tcp::socket socket, session::server_context& context)
        : stream_(std::move(socket))
        , context_(context)
        , connection_id_(context.next_connection_id++)
    {
        boost::system::error_code ec;
        auto peer = stream_.socket().remote_endpoint(ec);
        if (!ec)
            remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
    }

    void run() { do_read(); }

private:
    void do_read()
    {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(context_.limits.http_header_limit));
        parser_->body_limit(context_.limits.http_body_limit);
        // The whole request, headers and body, must arrive within the deadline.
        stream_.expires_after(context_.limits.http_request_timeout);
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t)
    {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == boost::asio::error::connection_reset)
            return shutdown();
        if (ec) {
            spdlog::info("conn={} bad HTTP request: {}", connection_id_, ec.message());
            return respond(error_response(http::status::bad_request, "bad request: " + ec.message() + "\n"), false);
        }
        auto req = parser_->release();
        const auto target = std::string_view(req.target());
        const auto path = target.substr(0, target.find('?'));

        if (websocket::is_upgrade(req)) {
            if (path != websocket_path)
                return respond(error_response(http::status::not_found, "no WebSocket endpoint here; use /v1/ws\n"), false);
            auto ws = std::make_shared<websocket_session>(std::move(stream_), context_, connection_id_, remote_);
            ws->run(std::move(req));
            return;
        }
        if (path == "/healthz" && (req.method() == http::verb::get || req.method() == http::verb::head)) {
            http::response<http::string_body> res{http::status::ok, req.version()};
            res.set(http::field::content_type, "text/plain; charset=utf-8");
            res.set(http::field::cache_control, "no-store");
            res.body() = "ok\n";
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            return respond(std::move(res), req.keep_alive());
        }
        return respond(error_response(http::status::not_found, "not found\n"), req.keep_alive());
    }

    static http::response<http::string_body> error_response(http::status status, std::string body)
    {
        http::response<http::string_body> res{status, 11};
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.body() = std::move(body);
        res.prepare_payload();
        return res;
    }

    void respond(http::response<http::string_body> res, bool keep_alive)
    {
        res.set(http::field::server, "maptable/" MAPTABLE_VERSION);
        res.keep_alive(keep_alive);
        response_ = std::move(res);
        http::async_write(stream_, *response_,
                          [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                              if (ec || !keep_alive)
                                  return self->shutdown();
                              self->do_read();
                          });
    }

    void shutdown()
    {
        beast::error_code ignored;
        stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::string_body>> response_;
    session::server_context& context_;
    std::uint64_t connection_id_;
    std::string remote_;
};

} // namespace

void start_http_session(boost::asio::ip::tcp::socket socket, session::server_context& context)
{
    std::make_shared<http_session>(std::move(socket), context)->run();
}

} // namespace maptable::net
