#include "net/http_connection.hpp"

#include "net/admin_routes.hpp"
#include "net/attachment_routes.hpp"
#include "net/breakout_routes.hpp"
#include "net/export_routes.hpp"
#include "net/harvest_routes.hpp"
#include "net/layer_routes.hpp"
#include "net/network_routes.hpp"
#include "net/static_files.hpp"
#include "net/webhook_routes.hpp"
#include "net/websocket_connection.hpp"

#include "metrics/metrics.hpp"
#include "model/room_state.hpp"
#include "store/clock.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iterator>
#include <optional>
#include <type_traits>
#include <utility>

namespace maptable::net {
namespace {

namespace asio = boost::asio;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

constexpr std::string_view websocket_path = "/v1/ws";
constexpr std::string_view token_subprotocol_prefix = "maptable.v1.token.";

// A connection refused for the connection limits gets this long for its TLS
// handshake and request, then it is closed: a real client sends at once, and
// a refused connection must not hold its socket for the full request timeout.
constexpr auto refusal_timeout = std::chrono::seconds(2);

// Boost.Algorithm's, spelt for header values: ASCII case, and HTTP's
// optional whitespace (space and tab) only.
std::string lower(std::string_view s)
{
    return boost::algorithm::to_lower_copy(std::string(s), std::locale::classic());
}

std::string_view trim(std::string_view s)
{
    return boost::algorithm::trim_copy_if(s, boost::algorithm::is_any_of(" \t"));
}

// RFC 6455 section 4.1: the key is the base64 encoding of 16 bytes: 22
// characters of the alphabet, then "==". The 22nd character carries only two
// bits of the 16th byte, so its other four are zero (A, Q, g or w); any
// encoder produces exactly this form. Beast checks only the length.
bool valid_websocket_key(std::string_view key)
{
    const auto base64 = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    };
    if (key.size() != 24 || key[22] != '=' || key[23] != '=')
        return false;
    for (std::size_t i = 0; i < 22; ++i)
        if (!base64(key[i]))
            return false;
    return key[21] == 'A' || key[21] == 'Q' || key[21] == 'g' || key[21] == 'w';
}

// Why the upgrade's Sec-WebSocket-Key is refused, or "" when it is sound.
std::string websocket_key_problem(const request& req)
{
    const auto [first, last] = req.equal_range(http::field::sec_websocket_key);
    if (first == last)
        return "the upgrade has no Sec-WebSocket-Key header";
    if (std::next(first) != last)
        return "the upgrade has more than one Sec-WebSocket-Key header";
    if (!valid_websocket_key(trim(first->value())))
        return "Sec-WebSocket-Key must be the base64 encoding of 16 bytes (RFC 6455, section 4.1)";
    return {};
}

// The name of a ClientMessage body field, for the commands counter.
const char* metric_command_name(int field_number)
{
    return model::command_name(static_cast<maptable::v1::ClientMessage::BodyCase>(field_number));
}

// Cross-Site WebSocket Hijacking: a browser sends Origin, and a page from any
// site could otherwise open a WebSocket here with the user's network access.
// Allowed: no Origin (not a browser: native apps, the SDK); an Origin on the
// configured list; with no list, the origin of the request's own Host, by
// http or https (a TLS-terminating proxy in front changes the scheme only).
bool origin_allowed(const request& req, const session::server_context& context)
{
    const auto it = req.find(http::field::origin);
    if (it == req.end())
        return true;
    auto origin = lower(trim(it->value()));
    while (!origin.empty() && origin.back() == '/')
        origin.pop_back();
    if (!context.allowed_origins.empty()) {
        for (const auto& allowed : context.allowed_origins)
            if (origin == allowed)
                return true;
        return false;
    }
    const auto host = lower(trim(req[http::field::host]));
    if (host.empty())
        return false;
    return origin == "http://" + host || origin == "https://" + host;
}

// A join token offered in the upgrade request itself: "Authorization: Bearer
// <jwt>" and/or a Sec-WebSocket-Protocol value "maptable.v1.token.<jwt>" (the
// one header a browser's WebSocket API lets a page set).
struct offered_credentials {
    std::vector<std::pair<std::string_view, std::string>> tokens; // (where, token)
    bool malformed_authorization = false;
    bool offers_subprotocol = false; // "maptable.v1" among the subprotocols
};

offered_credentials read_credentials(const request& req)
{
    offered_credentials c;
    if (const auto it = req.find(http::field::authorization); it != req.end()) {
        const auto value = trim(it->value());
        const auto space = value.find(' ');
        if (space == std::string_view::npos || lower(value.substr(0, space)) != "bearer" ||
            trim(value.substr(space + 1)).empty())
            c.malformed_authorization = true;
        else
            c.tokens.emplace_back("the Authorization header", std::string(trim(value.substr(space + 1))));
    }
    const auto [first, last] = req.equal_range(http::field::sec_websocket_protocol);
    for (auto field = first; field != last; ++field) {
        std::string_view list = field->value();
        while (!list.empty()) {
            const auto comma = list.find(',');
            const auto item = trim(list.substr(0, comma));
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            if (item == maptable_subprotocol)
                c.offers_subprotocol = true;
            else if (item.substr(0, token_subprotocol_prefix.size()) == token_subprotocol_prefix)
                c.tokens.emplace_back("Sec-WebSocket-Protocol",
                                      std::string(item.substr(token_subprotocol_prefix.size())));
        }
    }
    return c;
}

response text_response(http::status status, std::string body)
{
    response res{status, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

template <class Stream>
class http_connection : public std::enable_shared_from_this<http_connection<Stream>> {
    static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

public:
    http_connection(Stream stream, session::server_context& context, std::uint64_t connection_id, std::string address,
                    unsigned short port, session::connection_table::admission admission)
        : stream_(std::move(stream))
        , context_(context)
        , connection_id_(connection_id)
        , remote_(address + ":" + std::to_string(port))
        , admission_(admission)
    {
        if (admission == session::connection_table::admission::admitted)
            slot_ = connection_slot(context.connections, connection_id);
    }

    void run()
    {
        if (slot_)
            context_.connections->set_closer(connection_id_,
                                             [weak = this->weak_from_this(), ex = stream_.get_executor()] {
                asio::post(ex, [weak] {
                    if (auto self = weak.lock())
                        self->close_now();
                });
            });
        if constexpr (is_tls)
            do_handshake();
        else
            do_read();
    }

private:
    bool refused() const { return admission_ != session::connection_table::admission::admitted; }

    std::chrono::steady_clock::duration request_timeout() const
    {
        if (refused())
            return std::min<std::chrono::steady_clock::duration>(refusal_timeout, context_.limits.http_request_timeout);
        return context_.limits.http_request_timeout;
    }

    void do_handshake()
    {
        // The handshake gets the same deadline as a request: a client that
        // opens TCP and sends nothing holds nothing for long.
        beast::get_lowest_layer(stream_).expires_after(request_timeout());
        stream_.async_handshake(asio::ssl::stream_base::server,
                                beast::bind_front_handler(&http_connection::on_handshake, this->shared_from_this()));
    }

    void on_handshake(beast::error_code ec)
    {
        guarded("on_handshake", [&] {
            if (ec) {
                // Wrong protocol version, plain HTTP on the TLS port, an untrusted
                // certificate on the client's side...: the client's problem, not ours.
                spdlog::info("conn={} TLS handshake failed remote={}: {}", connection_id_, remote_, ec.message());
                return close_now();
            }
            do_read();
        });
    }

    // Runs one handler's work; what it throws ends this connection only.
    template <class Step>
    void guarded(const char* where, Step&& step)
    {
        try {
            step();
        } catch (const std::exception& e) {
            on_exception(where, e.what());
        } catch (...) {
            on_exception(where, "an exception that is not a std::exception");
        }
    }

    void on_exception(const char* where, const char* what)
    {
        spdlog::error("conn={} {} threw: {}; closing this connection", connection_id_, where, what);
        metrics::global().handler_exceptions.add();
        // With no response on its way, the client is told that the server
        // failed; otherwise the connection just ends. Either way no later
        // response (a route's completion still pending) is written.
        const bool can_answer = !failed_ && !writing_ && !handed_off_;
        failed_ = true;
        if (can_answer) {
            try {
                return write_response(
                    text_response(http::status::internal_server_error, "internal server error; try again\n"), false);
            } catch (...) {
                spdlog::error("conn={} answering 500 threw too: closing", connection_id_);
            }
        }
        close_now();
    }

    void do_read()
    {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(context_.limits.http_header_limit));
        // Beast checks a Content-Length against the limit while it parses the
        // header, before the route is known: the largest any route takes
        // here, the route's own once the header is in (on_header).
        const auto attachments = attachments_of(context_);
        const auto upload = attachments ? attachments->limits.max_upload_bytes : 0;
        parser_->body_limit(std::max({context_.limits.http_body_limit, upload, layer_upload_limit(context_)}));
        // The whole request, headers and body, must arrive within the deadline.
        beast::get_lowest_layer(stream_).expires_after(request_timeout());
        http::async_read_header(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&http_connection::on_header, this->shared_from_this()));
    }

    // The header is in: an attachment upload may send a larger body, for
    // longer, or is refused before its body is read; every other request
    // keeps the usual limit and deadline.
    void on_header(beast::error_code ec, std::size_t)
    {
        guarded("on_header", [&] {
            if (ec)
                return on_read(ec, 0);
            // A connection over the limits is refused in on_read, as any other.
            auto verdict = refused() ? upload_header_verdict{} : check_upload_header(context_, parser_->get());
            if (!refused() && std::holds_alternative<std::monostate>(verdict))
                verdict = check_layer_upload_header(context_, parser_->get());
            if (auto* refused = std::get_if<admin_response>(&verdict))
                return respond(std::move(*refused), false);
            const auto* upload = std::get_if<upload_allowance>(&verdict);
            const auto limit = upload ? upload->body_limit : context_.limits.http_body_limit;
            if (parser_->content_length() && *parser_->content_length() > limit)
                return on_read(http::error::body_limit, 0);
            parser_->body_limit(limit);
            if (upload)
                beast::get_lowest_layer(stream_).expires_after(upload->timeout);
            http::async_read(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&http_connection::on_read, this->shared_from_this()));
        });
    }

    void on_read(beast::error_code ec, std::size_t)
    {
        guarded("on_read", [&] {
            if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
                ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
                ec == asio::ssl::error::stream_truncated)
                return shutdown();
            if (ec == http::error::body_limit && !refused()) {
                const auto target = std::string_view(parser_->get().target());
                if (is_admin_path(target.substr(0, target.find('?'))))
                    return respond(admin_body_too_large(context_, parser_->get().version()), false);
                if (is_attachment_path(target.substr(0, target.find('?')))) {
                    spdlog::info("conn={} attachment upload refused (413): its body is over the limit", connection_id_);
                    return respond(attachment_too_large(context_, parser_->get().version()), false);
                }
                if (is_layer_path(target.substr(0, target.find('?')))) {
                    spdlog::info("conn={} layer upload refused (413): its body is over the limit", connection_id_);
                    return respond(layer_too_large(context_, parser_->get().version()), false);
                }
            }
            if (ec) {
                spdlog::info("conn={} bad HTTP request: {}", connection_id_, ec.message());
                return respond(text_response(http::status::bad_request, "bad request: " + ec.message() + "\n"), false);
            }
            auto req = parser_->release();
            head_request_ = req.method() == http::verb::head;
            if (refused())
                return refuse(req);
            const auto target = std::string_view(req.target());
            const auto path = target.substr(0, target.find('?'));

            if (websocket::is_upgrade(req)) {
                if (path != websocket_path)
                    return respond(text_response(http::status::not_found, "no WebSocket endpoint here; use /v1/ws\n"),
                                   false);
                return upgrade(std::move(req));
            }
            if (is_webhook_path(path)) {
                const bool keep_alive = req.keep_alive();
                return handle_webhook_request(req, context_, stream_.get_executor(), connection_id_,
                                              [self = this->shared_from_this(), keep_alive](response res) {
                    self->respond(std::move(res), keep_alive);
                });
            }
            // Routes of one part each, before the families they sit in
            // (/v1/admin/networks under /v1/admin, the room's layers and
            // breakouts under /v1/rooms).
            using part_handler = void (*)(admin_request, session::server_context&, asio::any_io_executor, std::uint64_t,
                                          std::function<void(admin_response)>);
            for (const auto& [is_part, handle_part] :
                 {std::pair<bool (*)(std::string_view), part_handler>{is_harvest_path, handle_harvest_request},
                  {is_network_path, handle_network_request},
                  {is_layer_path, handle_layer_request},
                  {is_breakout_path, handle_breakout_request}}) {
                if (!is_part(path))
                    continue;
                const bool keep_alive = req.keep_alive();
                return handle_part(std::move(req), context_, stream_.get_executor(), connection_id_,
                                   [self = this->shared_from_this(), keep_alive](response res) {
                    self->respond(std::move(res), keep_alive);
                });
            }
            if (is_admin_path(path)) {
                const bool keep_alive = req.keep_alive();
                return handle_admin_request(req, context_, stream_.get_executor(), connection_id_,
                                            [self = this->shared_from_this(), keep_alive](response res) {
                    self->respond(std::move(res), keep_alive);
                });
            }
            if (is_attachment_path(path)) {
                const bool keep_alive = req.keep_alive();
                return handle_attachment_request(std::move(req), context_, stream_.get_executor(), connection_id_,
                                                 [self = this->shared_from_this(), keep_alive](response res) {
                    self->respond(std::move(res), keep_alive);
                });
            }
            if (is_room_path(path)) {
                const bool keep_alive = req.keep_alive();
                return handle_room_request(req, context_, stream_.get_executor(), connection_id_,
                                           [self = this->shared_from_this(), keep_alive](response res) {
                    self->respond(std::move(res), keep_alive);
                });
            }
            if (path == "/metrics" && (req.method() == http::verb::get || req.method() == http::verb::head)) {
                // Counts only, no room content: open like /healthz; keep it off
                // the public internet with the proxy in front (docs/PERFORMANCE.md).
                response res{http::status::ok, req.version()};
                res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
                res.set(http::field::cache_control, "no-store");
                res.body() = metrics::render(metrics::global(), metric_command_name) + webhook_metrics();
                res.prepare_payload();
                return respond(std::move(res), req.keep_alive());
            }
            if (path == "/healthz" && (req.method() == http::verb::get || req.method() == http::verb::head)) {
                response res{http::status::ok, req.version()};
                res.set(http::field::content_type, "text/plain; charset=utf-8");
                res.set(http::field::cache_control, "no-store");
                // Unhealthy while the store refuses writes (its file was lost or
                // replaced): a load balancer moves new clients elsewhere.
                if (metrics::global().store_writable.value() == 0) {
                    res.result(http::status::service_unavailable);
                    res.body() = "store not writable\n";
                } else {
                    res.body() = "ok\n";
                }
                res.prepare_payload();
                return respond(std::move(res), req.keep_alive());
            }
            // Everything else is the browser app's (its files, /config.json) or 404.
            return respond(serve_web_app(req), req.keep_alive());
        });
    }

    // Over a connection limit: the client learns why, and to come back later.
    void refuse(const request& req)
    {
        using admission = session::connection_table::admission;
        std::string body;
        switch (admission_) {
        case admission::server_full:
            body = "server busy: it has " + std::to_string(context_.limits.max_connections) +
                " connections, its limit; try again later\n";
            break;
        case admission::address_full:
            body = "too many connections from your address (the limit is " +
                std::to_string(context_.limits.max_connections_per_ip) + "); close some and try again\n";
            break;
        default: body = "the server is shutting down; try again shortly\n"; break;
        }
        auto res = text_response(http::status::service_unavailable, std::move(body));
        res.set(http::field::retry_after, "5");
        respond(std::move(res), false);
    }

    // The gate in front of the upgrade: Origin, then a token offered in the
    // request. Only then is the WebSocket accepted.
    void upgrade(request req)
    {
        // A malformed handshake is refused before anything else is looked at.
        if (const auto problem = websocket_key_problem(req); !problem.empty()) {
            spdlog::warn("conn={} upgrade refused (400): {} remote={}", connection_id_, problem, remote_);
            return respond(text_response(http::status::bad_request, "bad request: " + problem + "\n"), false);
        }
        if (!origin_allowed(req, context_)) {
            // The Origin is not a secret; cut it short for the log.
            const auto origin = std::string(req[http::field::origin]).substr(0, 120);
            spdlog::warn("conn={} upgrade refused (403): Origin '{}' is not allowed remote={}", connection_id_, origin,
                         remote_);
            return respond(text_response(http::status::forbidden,
                                         "forbidden: this Origin may not open a WebSocket here (cross-site request); "
                                         "the server's --allowed-origins lists the ones that may\n"),
                           false);
        }
        const auto credentials = read_credentials(req);
        if (credentials.malformed_authorization) {
            spdlog::warn("conn={} upgrade refused (401): Authorization is not 'Bearer <token>' remote={}",
                         connection_id_, remote_);
            return unauthorized("the Authorization header must be 'Bearer <join token>'", "invalid_request");
        }
        // No token here is fine: it may come in the Join message. A token
        // offered here must be valid (the room is checked at Join).
        for (const auto& [where, token] : credentials.tokens) {
            const auto verdict = auth::verify_join_token(token, context_.verifier, clock::now_seconds());
            if (const auto* refusal = std::get_if<auth::token_error>(&verdict)) {
                // Never log the token itself; the refusal's message never contains it.
                spdlog::warn("conn={} upgrade refused (401): the token in {} was refused: {} ({}) remote={}",
                             connection_id_, where, refusal->message, maptable::v1::ErrorCode_Name(refusal->code),
                             remote_);
                return unauthorized("join token refused: " + refusal->message, "invalid_token");
            }
            const auto& claims = std::get<auth::join_claims>(verdict);
            if (context_.revocations->is_revoked(claims.token_id)) {
                spdlog::warn("conn={} upgrade refused (401): the token in {} was revoked (jti '{}') remote={}",
                             connection_id_, where, claims.token_id, remote_);
                return unauthorized("join token refused: the token was revoked", "invalid_token");
            }
        }
        beast::get_lowest_layer(stream_).expires_never();
        handed_off_ = true;
        auto ws = [&] {
            if constexpr (is_tls)
                return std::make_shared<websocket_connection<Stream>>(std::move(stream_), context_, connection_id_,
                                                                      remote_, std::move(slot_));
            else
                return std::make_shared<websocket_connection<plain_ws_stream>>(
                    stream_.release_socket(), context_, connection_id_, remote_, std::move(slot_));
        }();
        ws->run(std::move(req), credentials.offers_subprotocol);
    }

    void unauthorized(std::string text, std::string_view oauth_error)
    {
        auto res = text_response(http::status::unauthorized, "unauthorized: " + text + "\n");
        res.set(http::field::www_authenticate, "Bearer error=\"" + std::string(oauth_error) + "\"");
        respond(std::move(res), false);
    }

    void respond(response res, bool keep_alive)
    {
        // After a handler threw, the connection has answered 500 or is gone.
        if (failed_)
            return;
        write_response(std::move(res), keep_alive);
    }

    void write_response(response res, bool keep_alive)
    {
        res.set(http::field::server, "maptable/" MAPTABLE_VERSION);
        res.keep_alive(keep_alive);
        // A HEAD answer says how long the body would be and sends none: a
        // body here would be read as the start of the next response on a
        // kept-alive connection.
        if (head_request_ && !res.body().empty()) {
            const auto size = res.body().size();
            res.body().clear();
            res.content_length(size);
        }
        response_ = std::move(res);
        beast::get_lowest_layer(stream_).expires_after(request_timeout());
        writing_ = true;
        http::async_write(stream_, *response_,
                          [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
            self->guarded("on_write", [&] {
                self->writing_ = false;
                if (ec || !keep_alive || self->failed_)
                    return self->shutdown();
                self->do_read();
            });
        });
    }

    // The end of a connection we are done with: TLS close_notify (bounded by
    // a deadline), then the TCP send side.
    void shutdown()
    {
        if constexpr (is_tls) {
            beast::get_lowest_layer(stream_).expires_after(request_timeout());
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
        } else {
            beast::error_code ignored;
            stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        }
    }

    // Shutdown of the server, or a failed TLS handshake: no goodbye.
    void close_now()
    {
        if (handed_off_)
            return; // the websocket_connection has the stream now
        beast::error_code ignored;
        beast::get_lowest_layer(stream_).socket().close(ignored);
    }

    Stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<response> response_;
    session::server_context& context_;
    std::uint64_t connection_id_;
    std::string remote_;
    session::connection_table::admission admission_;
    connection_slot slot_;
    bool handed_off_ = false;
    bool writing_ = false;      // a response is being written
    bool failed_ = false;       // a handler threw: no further response
    bool head_request_ = false; // the request being answered is a HEAD: headers only
};

} // namespace

void start_http_connection(asio::ip::tcp::socket socket, session::server_context& context, std::uint64_t connection_id,
                           std::string address, session::connection_table::admission admission,
                           std::shared_ptr<asio::ssl::context> tls)
{
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    const unsigned short port = ec ? 0 : peer.port();
    if (tls)
        std::make_shared<http_connection<tls_stream>>(tls_stream(std::move(socket), *tls), context, connection_id,
                                                      std::move(address), port, admission)
            ->run();
    else
        std::make_shared<http_connection<plain_stream>>(plain_stream(std::move(socket)), context, connection_id,
                                                        std::move(address), port, admission)
            ->run();
}

} // namespace maptable::net
