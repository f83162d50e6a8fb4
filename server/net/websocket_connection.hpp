// Layer: net. One WebSocket connection speaking maptable.v1, over plain TCP
// (ws://) or TLS (wss://): the class is a template over the stream, compiled
// for exactly those two in websocket_connection.cpp.
//
// Runs on its connection's executor (a strand, or a one-thread event loop:
// app/io_pool); owned by its pending operations. Owns the
// participant that interprets the messages, and the connection's
// slot in the connection table (released when the connection ends). Sends are
// queued as shared pieces; one write is in flight at a time, and when it
// completes everything queued since goes out as ONE WebSocket message (a
// ServerFrame gathered from the pieces, no copy). Two bounds keep a slow
// reader from growing the server's memory: the queue of live pieces has a
// byte limit (past it: close 1013, the client resumes when it can), and a
// write that outlasts ws_write_timeout with no byte acknowledged by the peer
// for a further ws_write_timeout means the peer stopped reading: the socket
// is closed at once, without a close handshake it could not read anyway.
//
// A join's catch-up (the Welcome and the events a resume missed) is a second
// queue, sent before the live pieces queued behind it and not counted against
// the byte limit: its pieces are buffers the room holds for every joiner
// anyway, and a catch-up larger than the limit must still arrive, or the
// client would resume into the same close forever. It is paced by the socket
// like everything else (one write in flight, at most 64 pieces per write).
//
// Every handler catches what its work throws: a bug ends this connection
// (close 1011, counted in /metrics), never its event loop.
//
// Included only by net/*.cpp: it pulls in Beast.
#pragma once

#include "session/connection.hpp"
#include "session/participant.hpp"
#include "session/server_context.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace maptable::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
// A plain WebSocket runs on the bare socket: Beast's websocket::stream keeps
// its own timer for the handshake and idle timeouts, and a tcp_stream would
// add its impl (two timers, ~540 bytes) to every connection, most of which
// sit idle: what an idle connection holds bounds how many one server keeps.
using plain_ws_stream = boost::asio::ip::tcp::socket;

// The subprotocol a client may offer; echoed when offered.
inline constexpr std::string_view maptable_subprotocol = "maptable.v1";

// An admitted connection's place in the connection table: released when the
// object holding it (http_connection, then websocket_connection) ends. Move-only.
class connection_slot {
public:
    connection_slot() = default;
    connection_slot(std::shared_ptr<session::connection_table> table, std::uint64_t id)
        : table_(std::move(table)), id_(id)
    {
    }
    connection_slot(connection_slot&& other) noexcept : table_(std::move(other.table_)), id_(other.id_) {}
    connection_slot& operator=(connection_slot&& other) noexcept
    {
        if (this != &other) {
            release();
            table_ = std::move(other.table_);
            id_ = other.id_;
        }
        return *this;
    }
    connection_slot(const connection_slot&) = delete;
    connection_slot& operator=(const connection_slot&) = delete;
    ~connection_slot() { release(); }

    explicit operator bool() const { return table_ != nullptr; }
    session::connection_table* table() const { return table_.get(); }
    std::uint64_t id() const { return id_; }

private:
    void release()
    {
        if (table_)
            table_->release(id_);
        table_.reset();
    }
    std::shared_ptr<session::connection_table> table_;
    std::uint64_t id_ = 0;
};

template <class Stream>
class websocket_connection final : public session::connection,
                                   public std::enable_shared_from_this<websocket_connection<Stream>> {
public:
    websocket_connection(Stream stream, session::server_context& context, std::uint64_t connection_id,
                         std::string remote, connection_slot slot);

    // Completes the upgrade of req (which has passed the gate), then reads
    // messages until the end. select_subprotocol: the client offered
    // "maptable.v1"; the answer names it.
    void run(http::request<http::string_body> req, bool select_subprotocol);

    // session::connection
    void send(room::shared_piece piece) override;
    void send_all(std::vector<room::shared_piece> pieces) override;
    void send_here(const std::vector<room::shared_piece>& pieces) override;
    void send_catch_up(std::vector<room::shared_piece> pieces) override;
    void close(session::close_code code, std::string reason) override;

private:
    // Runs one handler's work; what it throws ends this connection only.
    template <class Step>
    void guarded(const char* where, Step&& step);
    void on_exception(const char* where, const char* what);
    void start_catch_up(std::vector<room::shared_piece> pieces);
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void enqueue(room::shared_piece piece);
    bool push(room::shared_piece piece); // false: over the limit, closing
    void flush();                        // starts a write unless one is in flight
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void start_close(session::close_code code, std::string reason);
    void do_close();
    void start_write_clock(); // a write (or the close) starts now
    void wait_write_deadline(std::chrono::steady_clock::time_point at);
    void on_write_deadline();
    void drop(); // resets the TCP connection at once
    boost::asio::ip::tcp::socket& tcp_socket();
    void finish(beast::error_code ec);

    websocket::stream<Stream> ws_;
    beast::flat_buffer buffer_;
    session::server_context& context_;
    std::uint64_t connection_id_;
    std::string remote_;
    connection_slot slot_;
    std::shared_ptr<session::participant> participant_;

    std::vector<room::shared_piece> queue_; // waiting for the next write from queue_head_ on (no heap until used)
    std::size_t queue_head_ = 0;            // pieces before it are taken by writes
    std::size_t waiting() const { return queue_.size() - queue_head_; }
    std::vector<room::shared_piece> catch_up_; // a join's catch-up, sent before queue_ and not counted
    std::size_t catch_up_head_ = 0;            // pieces before it are taken by writes
    std::size_t catch_up_waiting() const { return catch_up_.size() - catch_up_head_; }
    std::vector<room::shared_piece> writing_; // owned by the write in flight
    std::size_t queued_bytes_ = 0;            // live pieces in queue_ and writing_
    bool write_in_flight_ = false;
    bool writing_catch_up_ = false; // writing_ came from catch_up_: not in queued_bytes_
    bool failed_ = false;           // a handler threw: closing with 1011
    bool closing_ = false;          // no more sends are accepted
    bool close_sent_ = false;
    bool finished_ = false;
    bool dropped_ = false; // closed hard: the peer stopped reading
    bool counted_ = false; // in the connections gauge (from accept to finish)
    // The close frame to send: a websocket::close_reason (128 bytes) is built
    // only when it is sent, not held by every open connection.
    session::close_code close_code_{};
    std::string close_text_;

    // A write (or the close handshake) that outlasts ws_write_timeout, and
    // during whose next period the peer acknowledges no byte, drops the
    // connection; one that makes progress gets another period (a 20 MB
    // Welcome to a slow link takes its time).
    //
    // The timer is not set and cancelled per write: a write only notes when
    // it started (and arms the timer if it is not waiting already). Each
    // expiry looks at the write in flight and waits again until that write's
    // own deadline, or stops when nothing is being written. A cancel costs a
    // completion handler of its own, and at fan-out rates the timer was a
    // tenth of the server's CPU per delivery.
    boost::asio::steady_timer write_deadline_;
    std::chrono::steady_clock::time_point write_started_{}; // of the write in flight
    std::uint64_t write_generation_ = 0;                    // one per write: tells them apart at an expiry
    std::uint64_t watched_generation_ = 0;                  // the write the baseline belongs to
    bool deadline_waiting_ = false;                         // the timer has a wait pending
    bool writing_or_closing_ = false;                       // a write or the close handshake is in flight
    static constexpr std::uint64_t no_baseline = ~std::uint64_t{0};
    std::uint64_t acked_baseline_ = no_baseline; // the peer's acknowledged bytes when the period began
};

extern template class websocket_connection<plain_ws_stream>;
extern template class websocket_connection<tls_stream>;

} // namespace maptable::net
