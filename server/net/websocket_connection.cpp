#include "net/websocket_connection.hpp"

#include "net/piece_buffers.hpp"

#include "metrics/metrics.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstddef>
#include <optional>

namespace maptable::net {

namespace {

// Endings that are part of normal life (the peer left, a deadline passed, we
// closed it ourselves): logged at info, not as errors.
bool routine_ending(const beast::error_code& ec)
{
    return !ec || ec == websocket::error::closed || ec == boost::asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset ||
        ec == boost::asio::error::broken_pipe || ec == boost::asio::ssl::error::stream_truncated;
}

// One write takes at most this many pieces. Beast and Asio walk the buffer
// sequence again on every partial write, so one message gathered from a
// backlog of 100 000 pieces costs far more per piece than 1 500 messages of
// 64 (at overload that walk took a third of the server's CPU); 64 is also
// the most buffers Asio hands one writev.
constexpr std::size_t max_pieces_per_write = 64;

// The first read of a message: most commands fit, and an idle connection
// holds only this much for its pending read (idle connections are most of
// them, so this bounds the server's memory per connection).
constexpr std::size_t initial_read_bytes = 64;

constexpr std::string_view shutdown_reason = "the server is shutting down; reconnect shortly";

constexpr std::string_view internal_error_reason = "internal server error; reconnect and resume";

// The kernel's struct tcp_info up to tcpi_bytes_acked (Linux 4.1): glibc's
// own struct stops before the 64-bit counters.
struct tcp_info_with_bytes {
    ::tcp_info base;
    std::uint64_t pacing_rate;
    std::uint64_t max_pacing_rate;
    std::uint64_t bytes_acked;
};
static_assert(offsetof(tcp_info_with_bytes, bytes_acked) == 120, "the kernel's tcp_info layout");

// How many bytes of this connection the peer has acknowledged; nullopt where
// the kernel does not say. A write whose bytes are being acknowledged is a
// slow link, not a peer that stopped reading.
std::optional<std::uint64_t> bytes_acked(boost::asio::ip::tcp::socket& socket)
{
    if (!socket.is_open())
        return std::nullopt;
    tcp_info_with_bytes info{};
    socklen_t size = sizeof info;
    if (::getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &size) != 0 ||
        size < offsetof(tcp_info_with_bytes, bytes_acked) + sizeof info.bytes_acked)
        return std::nullopt;
    return info.bytes_acked;
}

} // namespace

template <class Stream>
websocket_connection<Stream>::websocket_connection(Stream stream, session::server_context& context,
                                                   std::uint64_t connection_id, std::string remote,
                                                   connection_slot slot)
    : ws_(std::move(stream))
    , context_(context)
    , connection_id_(connection_id)
    , remote_(std::move(remote))
    , slot_(std::move(slot))
    , write_deadline_(ws_.get_executor())
{
}

template <class Stream>
template <class Step>
void websocket_connection<Stream>::guarded(const char* where, Step&& step)
{
    try {
        step();
    } catch (const std::exception& e) {
        on_exception(where, e.what());
    } catch (...) {
        on_exception(where, "an exception that is not a std::exception");
    }
}

template <class Stream>
void websocket_connection<Stream>::on_exception(const char* where, const char* what)
{
    spdlog::error("conn={} {} threw: {}; closing this connection", connection_id_, where, what);
    metrics::global().handler_exceptions.add();
    // The first failure tries a close the client can read (1011 after what
    // is queued); a second one, or a failure of that close, resets the
    // connection: its state can no longer be trusted to send anything.
    try {
        if (!failed_ && !closing_ && !finished_) {
            failed_ = true;
            start_close(session::close_code::internal, std::string(internal_error_reason));
            return;
        }
    } catch (...) {
        spdlog::error("conn={} closing after an exception threw too: resetting it", connection_id_);
    }
    failed_ = true;
    try {
        drop();
        finish(boost::asio::error::connection_aborted);
    } catch (...) {
        // The participant's own cleanup threw: the room drops it with the
        // last reference (it holds its members weakly).
        finished_ = true;
    }
}

template <class Stream>
void websocket_connection<Stream>::run(http::request<http::string_body> req, bool select_subprotocol)
{
    const auto& limits = context_.limits;
    // A shutdown closes this connection with 1001 like every room member.
    if (slot_)
        slot_.table()->set_closer(connection_id_, [weak = this->weak_from_this()] {
            if (auto self = weak.lock())
                self->close(session::close_code::going_away, std::string(shutdown_reason));
        });
    // Beast leaves every timeout off by default; a server must set them.
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = limits.ws_handshake_timeout;
    timeouts.idle_timeout = limits.ws_idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([select_subprotocol](websocket::response_type& res) {
        res.set(http::field::server, "maptable/" MAPTABLE_VERSION);
        // Only the plain name is ever echoed, never a token offered as a subprotocol.
        if (select_subprotocol)
            res.set(http::field::sec_websocket_protocol, maptable_subprotocol);
    }));
    // A command is small; Beast's default of 16 MB would let one frame pin that much memory.
    ws_.read_message_max(limits.ws_read_message_max);
    // One ServerFrame per WebSocket message, never split: the batch is the unit.
    ws_.auto_fragment(false);
    ws_.binary(true);
    // permessage-deflate stays off (Beast's default): it costs CPU per
    // recipient and undoes encode-once fan-out.
    if constexpr (!std::is_same_v<Stream, plain_ws_stream>)
        beast::get_lowest_layer(ws_).expires_never();
    ws_.async_accept(req, beast::bind_front_handler(&websocket_connection::on_accept, this->shared_from_this()));
}

template <class Stream>
void websocket_connection<Stream>::on_accept(beast::error_code ec)
{
    guarded("on_accept", [&] {
        if (ec) {
            spdlog::info("conn={} upgrade failed: {}", connection_id_, ec.message());
            return;
        }
        spdlog::info("conn={} open remote={}", connection_id_, remote_);
        metrics::global().connections.add(1);
        counted_ = true;
        participant_ = std::make_shared<session::participant>(context_, ws_.get_executor(), this->weak_from_this(),
                                                              connection_id_);
        participant_->start();
        do_read();
    });
}

template <class Stream>
void websocket_connection<Stream>::do_read()
{
    // A message starts with a read of at most initial_read_bytes: async_read
    // would prepare Beast's 1536-byte frame size in buffer_ before any data
    // arrives, held by every idle connection for as long as it is idle. The
    // rest of a longer message is read with Beast's own size hint.
    const std::size_t limit = buffer_.size() == 0 ? initial_read_bytes : 0;
    ws_.async_read_some(buffer_, limit,
                        beast::bind_front_handler(&websocket_connection::on_read, this->shared_from_this()));
}

template <class Stream>
void websocket_connection<Stream>::on_read(beast::error_code ec, std::size_t)
{
    guarded("on_read", [&] {
        if (ec == websocket::error::message_too_big) {
            // Beast has already sent close 1009 ("message too big").
            spdlog::warn("conn={} frame over {} bytes: closed with 1009", connection_id_,
                         context_.limits.ws_read_message_max);
            return finish(ec);
        }
        if (ec)
            return finish(ec);
        if (!ws_.is_message_done())
            return do_read();
        if (!ws_.got_binary()) {
            spdlog::warn("conn={} sent a text frame: closing", connection_id_);
            enqueue(room::error_piece(0, maptable::v1::ERROR_CODE_TEXT_FRAME,
                                      "text frames are not accepted: send binary maptable.v1.ClientMessage"));
            start_close(session::close_code::unsupported_data, "binary Protobuf frames only");
            return;
        }
        const auto data = buffer_.cdata();
        participant_->on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
        buffer_.consume(buffer_.size());
        // Only a buffer of initial_read_bytes stays with the connection while idle.
        if (buffer_.capacity() > initial_read_bytes)
            buffer_.shrink_to_fit();
        if (!closing_ && !finished_)
            do_read();
    });
}

template <class Stream>
void websocket_connection<Stream>::send(room::shared_piece piece)
{
    boost::asio::post(ws_.get_executor(), [self = this->shared_from_this(), piece = std::move(piece)]() mutable {
        self->guarded("send", [&] { self->enqueue(std::move(piece)); });
    });
}

template <class Stream>
void websocket_connection<Stream>::send_all(std::vector<room::shared_piece> pieces)
{
    boost::asio::post(ws_.get_executor(), [self = this->shared_from_this(), pieces = std::move(pieces)]() mutable {
        self->guarded("send_all", [&] {
            for (auto& piece : pieces)
                if (!self->push(std::move(piece)))
                    return;
            self->flush();
        });
    });
}

template <class Stream>
void websocket_connection<Stream>::send_here(const std::vector<room::shared_piece>& pieces)
{
    // Called from the room's batch for this loop: a throw here must end this
    // connection, not the delivery to the room's other members.
    guarded("send_here", [&] {
        for (const auto& piece : pieces)
            if (!push(piece))
                return;
        flush();
    });
}

template <class Stream>
void websocket_connection<Stream>::send_catch_up(std::vector<room::shared_piece> pieces)
{
    boost::asio::post(ws_.get_executor(), [self = this->shared_from_this(), pieces = std::move(pieces)]() mutable {
        self->guarded("send_catch_up", [&] { self->start_catch_up(std::move(pieces)); });
    });
}

template <class Stream>
void websocket_connection<Stream>::start_catch_up(std::vector<room::shared_piece> pieces)
{
    if (closing_ || finished_)
        return;
    // Live pieces already waiting were sent before the catch-up: they keep
    // their place in front of it, and leave the count (they were admitted
    // under the limit), so the limit applies to what comes after.
    if (waiting() > 0) {
        for (auto p = queue_.begin() + static_cast<std::ptrdiff_t>(queue_head_); p != queue_.end(); ++p) {
            queued_bytes_ -= (*p)->size();
            catch_up_.push_back(std::move(*p));
        }
        queue_.clear();
        queue_head_ = 0;
    }
    if (catch_up_head_ > 0 && catch_up_head_ * 2 >= catch_up_.size()) {
        catch_up_.erase(catch_up_.begin(), catch_up_.begin() + static_cast<std::ptrdiff_t>(catch_up_head_));
        catch_up_head_ = 0;
    }
    if (catch_up_.empty())
        catch_up_ = std::move(pieces);
    else
        catch_up_.insert(catch_up_.end(), std::make_move_iterator(pieces.begin()),
                         std::make_move_iterator(pieces.end()));
    flush();
}

template <class Stream>
void websocket_connection<Stream>::enqueue(room::shared_piece piece)
{
    if (push(std::move(piece)))
        flush();
}

template <class Stream>
bool websocket_connection<Stream>::push(room::shared_piece piece)
{
    if (closing_ || finished_)
        return false;
    if (queued_bytes_ + piece->size() > context_.limits.ws_outbound_queue_max) {
        spdlog::warn("conn={} outbound queue over {} bytes: closing a slow reader", connection_id_,
                     context_.limits.ws_outbound_queue_max);
        // What waits is dropped now; the client resumes from its last seq.
        for (auto p = queue_.begin() + static_cast<std::ptrdiff_t>(queue_head_); p != queue_.end(); ++p)
            queued_bytes_ -= (*p)->size();
        queue_.clear();
        queue_head_ = 0;
        catch_up_.clear();
        catch_up_head_ = 0;
        metrics::global().slow_consumer_closes.add();
        start_close(session::close_code::try_again_later, "reading too slowly; reconnect and resume");
        return false;
    }
    queued_bytes_ += piece->size();
    // Pieces before queue_head_ were moved into writes: drop them once they
    // are half of the vector (amortised O(1) per piece).
    if (queue_head_ > 0 && queue_head_ * 2 >= queue_.size()) {
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(queue_head_));
        queue_head_ = 0;
    }
    if (queue_.capacity() == 0)
        queue_ = piece_storage::take();
    queue_.push_back(std::move(piece));
    return true;
}

template <class Stream>
void websocket_connection<Stream>::flush()
{
    if (!write_in_flight_ && (catch_up_waiting() > 0 || waiting() > 0) && !finished_)
        do_write();
}

template <class Stream>
void websocket_connection<Stream>::do_write()
{
    write_in_flight_ = true;
    // The catch-up goes first; a write takes from one queue only, so that
    // on_write knows whether its pieces were counted.
    writing_catch_up_ = catch_up_waiting() > 0;
    auto& queue = writing_catch_up_ ? catch_up_ : queue_;
    auto& head = writing_catch_up_ ? catch_up_head_ : queue_head_;
    if (head == 0 && queue.size() <= max_pieces_per_write) {
        writing_.swap(queue); // the queue takes writing_'s empty storage
    } else {
        const auto first = queue.begin() + static_cast<std::ptrdiff_t>(head);
        const auto take = room::pieces_for_one_write(queue, head, max_pieces_per_write);
        writing_.assign(std::make_move_iterator(first),
                        std::make_move_iterator(first + static_cast<std::ptrdiff_t>(take)));
        head += take;
        if (head == queue.size()) {
            queue.clear();
            head = 0;
        }
    }
    start_write_clock();
    // A view of writing_, not a vector of buffers: Beast and Asio copy the
    // buffer sequence into each layer of the write (the frame header's cat,
    // the suffix, the prefix of each write_some), and every copy of a vector
    // was a heap allocation (six per delivery). writing_ outlives the write.
    ws_.async_write(piece_buffers(writing_),
                    beast::bind_front_handler(&websocket_connection::on_write, this->shared_from_this()));
}

template <class Stream>
void websocket_connection<Stream>::on_write(beast::error_code ec, std::size_t bytes)
{
    guarded("on_write", [&] {
        writing_or_closing_ = false;
        if (!ec) {
            metrics::global().frames_out.add();
            metrics::global().bytes_out.add(bytes);
        }
        write_in_flight_ = false;
        if (!writing_catch_up_)
            for (const auto& piece : writing_)
                queued_bytes_ -= piece->size();
        writing_catch_up_ = false;
        writing_.clear();
        if (ec)
            return finish(ec);
        if (catch_up_waiting() > 0 || waiting() > 0)
            return do_write();
        // Idle: an idle connection keeps no write storage (idle connections
        // are most of them); the thread keeps it for the next burst.
        piece_storage::give_back(queue_);
        queue_head_ = 0;
        piece_storage::give_back(catch_up_);
        catch_up_head_ = 0;
        piece_storage::give_back(writing_);
        if (closing_)
            do_close();
    });
}

template <class Stream>
void websocket_connection<Stream>::close(session::close_code code, std::string reason)
{
    boost::asio::post(ws_.get_executor(),
                      [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
        self->guarded("close", [&] { self->start_close(code, std::move(reason)); });
    });
}

template <class Stream>
void websocket_connection<Stream>::start_close(session::close_code code, std::string reason)
{
    if (closing_ || finished_)
        return;
    closing_ = true;
    // A close reason must fit a control frame (125 bytes, 2 of them the code).
    if (reason.size() > 120)
        reason.resize(120);
    close_code_ = code;
    close_text_ = std::move(reason);
    if (!write_in_flight_) {
        if (waiting() == 0 && catch_up_waiting() == 0)
            do_close();
        else
            do_write();
    }
}

template <class Stream>
void websocket_connection<Stream>::do_close()
{
    if (close_sent_ || finished_)
        return;
    close_sent_ = true;
    // The close frame is a write too: a peer that does not read never gets it.
    start_write_clock();
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_text_),
                    [self = this->shared_from_this()](beast::error_code ec) {
        self->guarded("on_close", [&] {
            self->writing_or_closing_ = false;
            self->finish(ec);
        });
    });
}

template <class Stream>
void websocket_connection<Stream>::start_write_clock()
{
    writing_or_closing_ = true;
    ++write_generation_;
    write_started_ = std::chrono::steady_clock::now();
    if (!deadline_waiting_)
        wait_write_deadline(write_started_ + context_.limits.ws_write_timeout);
}

template <class Stream>
void websocket_connection<Stream>::wait_write_deadline(std::chrono::steady_clock::time_point at)
{
    deadline_waiting_ = true;
    write_deadline_.expires_at(at);
    write_deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        self->deadline_waiting_ = false;
        if (!ec)
            self->guarded("on_write_deadline", [&] { self->on_write_deadline(); });
    });
}

template <class Stream>
void websocket_connection<Stream>::on_write_deadline()
{
    // Nothing in flight: the timer rests until the next write.
    if (!writing_or_closing_ || finished_)
        return;
    const auto period = context_.limits.ws_write_timeout;
    // A write that started after the last expiry has a deadline of its own,
    // and no baseline yet: the kernel is asked only when a write outlasts a
    // period, so a write that completes in time costs no system call more.
    if (watched_generation_ != write_generation_) {
        const auto due = write_started_ + period;
        if (std::chrono::steady_clock::now() < due) {
            acked_baseline_ = no_baseline;
            return wait_write_deadline(due);
        }
        watched_generation_ = write_generation_;
        acked_baseline_ = no_baseline;
    }
    // At the first expiry the baseline is taken; after that, bytes
    // acknowledged during the period mean a slow link, not a stalled reader.
    // Either way the write gets another period: a peer that stopped reading
    // is dropped within two periods.
    if (const auto acked = bytes_acked(tcp_socket());
        acked && (acked_baseline_ == no_baseline || *acked > acked_baseline_)) {
        acked_baseline_ = *acked;
        return wait_write_deadline(std::chrono::steady_clock::now() + period);
    }
    spdlog::warn("conn={} a write took over {} s: the peer stopped reading; dropping the connection ({} bytes queued)",
                 connection_id_, period.count(), queued_bytes_);
    dropped_ = true;
    metrics::global().slow_consumer_closes.add();
    drop();
}

template <class Stream>
void websocket_connection<Stream>::drop()
{
    // Reset, not FIN: the kernel drops what it still holds for this peer at
    // once instead of keeping it for a reader that is not there. Closing the
    // socket ends the write and the read in flight (operation aborted);
    // finish() runs from whichever completes first.
    auto& socket = tcp_socket();
    beast::error_code ignored;
    socket.set_option(boost::asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
}

template <class Stream>
boost::asio::ip::tcp::socket& websocket_connection<Stream>::tcp_socket()
{
    if constexpr (std::is_same_v<Stream, plain_ws_stream>)
        return ws_.next_layer();
    else
        return beast::get_lowest_layer(ws_).socket();
}

template <class Stream>
void websocket_connection<Stream>::finish(beast::error_code ec)
{
    if (finished_)
        return;
    finished_ = true;
    writing_or_closing_ = false;
    write_deadline_.cancel();
    queue_.clear();
    queue_head_ = 0;
    catch_up_.clear();
    catch_up_head_ = 0;
    if (counted_)
        metrics::global().connections.add(-1);
    counted_ = false;
    if (dropped_)
        spdlog::info("conn={} closed: dropped, it stopped reading", connection_id_);
    else if (routine_ending(ec))
        spdlog::info("conn={} closed{}{}", connection_id_, close_sent_ ? ": " : "",
                     close_sent_ ? close_text_ : std::string());
    else
        spdlog::warn("conn={} closed on error: {}", connection_id_, ec.message());
    if (participant_)
        participant_->on_closed();
}

template class websocket_connection<plain_ws_stream>;
template class websocket_connection<tls_stream>;

} // namespace maptable::net
