#include "net/websocket_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

namespace maptable::net {

websocket_session::websocket_session(beast::tcp_stream stream, session::server_context& context,
                                     std::uint64_t connection_id, std::string remote)
    : ws_(std::move(stream))
    , context_(context)
    , connection_id_(connection_id)
    , remote_(std::move(remote))
{
}

void websocket_session::run(http::request<http::string_body> req)
{
    const auto& limits = context_.limits;
    // Beast leaves every timeout off by default; a server must set them.
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = limits.ws_handshake_timeout;
    timeouts.idle_timeout = limits.ws_idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "maptable/" MAPTABLE_VERSION); }));
    // A command is small; Beast's default of 16 MB would let one frame pin that much memory.
    ws_.read_message_max(limits.ws_read_message_max);
    // One ServerFrame per WebSocket message, never split: the batch is the unit.
    ws_.auto_fragment(false);
    ws_.binary(true);
    // permessage-deflate stays off (Beast's default): it costs CPU per
    // recipient and undoes encode-once fan-out.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec)
{
    if (ec) {
        spdlog::info("conn={} upgrade failed: {}", connection_id_, ec.message());
        return;
    }
    spdlog::info("conn={} open remote={}", connection_id_, remote_);
    participant_ = std::make_shared<session::participant_session>(context_, ws_.get_executor(), weak_from_this(),
                                                                  connection_id_);
    do_read();
}

void websocket_session::do_read()
{
    ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t)
{
    if (ec == websocket::error::message_too_big) {
        // Beast has already sent close 1009 ("message too big").
        spdlog::warn("conn={} frame over {} bytes: closed with 1009", connection_id_, context_.limits.ws_read_message_max);
        return finish(ec);
    }
    if (ec)
        return finish(ec);
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
    if (!closing_)
        do_read();
}

void websocket_session::send(room::shared_piece piece)
{
    boost::asio::post(ws_.get_executor(),
                      [self = shared_from_this(), piece = std::move(piece)]() mutable { self->enqueue(std::move(piece)); });
}

void websocket_session::enqueue(room::shared_piece piece)
{
    if (closing_ || finished_)
        return;
    queued_bytes_ += piece->size();
    if (queued_bytes_ > context_.limits.ws_outbound_queue_max) {
        spdlog::warn("conn={} outbound queue over {} bytes: closing a slow reader", connection_id_,
                     context_.limits.ws_outbound_queue_max);
        queue_.clear();
        start_close(session::close_code::try_again_later, "reading too slowly; reconnect and resume");
        return;
    }
    queue_.push_back(std::move(piece));
    if (!write_in_flight_)
        do_write();
}

void websocket_session::do_write()
{
    write_in_flight_ = true;
    writing_.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    gather_.clear();
    for (const auto& piece : writing_)
        gather_.emplace_back(piece->data(), piece->size());
    ws_.async_write(gather_, beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t)
{
    write_in_flight_ = false;
    for (const auto& piece : writing_)
        queued_bytes_ -= piece->size();
    writing_.clear();
    if (ec)
        return finish(ec);
    if (!queue_.empty())
        return do_write();
    if (closing_)
        do_close();
}

void websocket_session::close(session::close_code code, std::string reason)
{
    boost::asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
        self->start_close(code, std::move(reason));
    });
}

void websocket_session::start_close(session::close_code code, std::string reason)
{
    if (closing_ || finished_)
        return;
    closing_ = true;
    // A close reason must fit a control frame (125 bytes, 2 of them the code).
    if (reason.size() > 120)
        reason.resize(120);
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!write_in_flight_) {
        if (queue_.empty())
            do_close();
        else
            do_write();
    }
}

void websocket_session::do_close()
{
    if (close_sent_ || finished_)
        return;
    close_sent_ = true;
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code ec) { self->finish(ec); });
}

void websocket_session::finish(beast::error_code ec)
{
    if (finished_)
        return;
    finished_ = true;
    const bool routine = !ec || ec == websocket::error::closed || ec == boost::asio::error::operation_aborted ||
                         ec == beast::error::timeout || ec == boost::asio::error::eof ||
                         ec == boost::asio::error::connection_reset;
    if (routine)
        spdlog::info("conn={} closed{}{}", connection_id_, close_sent_ ? ": " : "",
                     close_sent_ ? std::string(close_reason_.reason.data(), close_reason_.reason.size()) : std::string());
    else
        spdlog::warn("conn={} closed on error: {}", connection_id_, ec.message());
    if (participant_)
        participant_->on_closed();
}

} // namespace maptable::net
