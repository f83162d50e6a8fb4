// Layer: net. One WebSocket connection speaking maptable.v1.
//
// Runs on its connection's strand; owned by its pending operations. Owns the
// participant_session that interprets the messages. Sends are queued as
// shared pieces; one write is in flight at a time, and when it completes
// everything queued since goes out as ONE WebSocket message (a ServerFrame
// gathered from the pieces, no copy). The queue has a byte limit: a client
// that reads too slowly is closed with 1013 and resumes when it can.
//
// Included only by net/*.cpp: it pulls in Beast.
#pragma once

#include "session/connection.hpp"
#include "session/participant_session.hpp"
#include "session/server_context.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace maptable::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

class websocket_session final : public session::connection,
                                public std::enable_shared_from_this<websocket_session> {
public:
    websocket_session(beast::tcp_stream stream, session::server_context& context, std::uint64_t connection_id,
                      std::string remote);

    // Completes the upgrade of req, then reads messages until the end.
    void run(http::request<http::string_body> req);

    // session::connection
    void send(room::shared_piece piece) override;
    void close(session::close_code code, std::string reason) override;

private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void enqueue(room::shared_piece piece);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void start_close(session::close_code code, std::string reason);
    void do_close();
    void finish(beast::error_code ec);

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    session::server_context& context_;
    std::uint64_t connection_id_;
    std::string remote_;
    std::shared_ptr<session::participant_session> participant_;

    std::deque<room::shared_piece> queue_;        // waiting for the next write
    std::vector<room::shared_piece> writing_;     // owned by the write in flight
    std::vector<boost::asio::const_buffer> gather_;
    std::size_t queued_bytes_ = 0;
    bool write_in_flight_ = false;
    bool closing_ = false;                        // no more sends are accepted
    bool close_sent_ = false;
    bool finished_ = false;
    websocket::close_reason close_reason_;
};

} // namespace maptable::net
