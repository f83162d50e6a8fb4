// The SDK's WebSocket over plain TCP (ws://) or TLS (wss://), behind one small
// interface so the client's logic is written once. Internal to the SDK: it
// includes Beast, which the public headers never do.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <functional>
#include <memory>
#include <string>

namespace maptable::detail {

class ws_transport {
public:
    using done = std::function<void(boost::beast::error_code)>;
    using io_done = std::function<void(boost::beast::error_code, std::size_t)>;

    virtual ~ws_transport() = default;

    // TCP connect (to the first endpoint that answers), TLS handshake with
    // certificate and host name checks for wss, then the WebSocket handshake.
    //
    // max_message_bytes is the largest server message read
    // (client_options::max_message_bytes, 256 MiB by default). The server
    // puts no cap of its own on what it sends: a Welcome carries the room's
    // whole state in one message (a room of 507 areas of 2,000 points is a
    // 20 MB Welcome), so this limit is the largest room the client can join.
    // A message over it ends the read with websocket::error::message_too_big
    // (Beast sends close 1009): resuming would only meet the same Welcome.
    virtual void async_open(const boost::asio::ip::tcp::resolver::results_type& endpoints, const std::string& host,
                            const std::string& port, const std::string& path, std::size_t max_message_bytes,
                            done handler) = 0;
    virtual void async_read(boost::beast::flat_buffer& buffer, io_done handler) = 0;
    virtual void async_write(boost::asio::const_buffer bytes, io_done handler) = 0;
    virtual void async_close(done handler) = 0;
    // The close frame the server sent, once a read ended with websocket::error::closed.
    virtual boost::beast::websocket::close_reason reason() const = 0;
    // Drops the TCP connection at once, as a network failure would.
    virtual void abort() = 0;
};

// tls_context is null for ws://; for wss:// it must outlive the transport.
std::unique_ptr<ws_transport> make_ws_transport(boost::asio::io_context& io, boost::asio::ssl::context* tls_context);

} // namespace maptable::detail
