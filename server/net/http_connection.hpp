// Layer: net. One HTTP connection (plain or TLS): reads requests with a
// deadline and size limits, answers /healthz and 404, and puts a WebSocket
// upgrade on /v1/ws through the gate (Origin allow-list, a join token offered
// in the request) before handing it to a websocket_connection. A connection over
// the connection limits gets 503 to its first request and is closed. The
// class lives in http_connection.cpp so that this header, included by the
// listener, stays free of Beast.
#pragma once

#include "session/server_context.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace maptable::net {

// Starts serving an accepted connection. The connection owns itself through its
// pending operations and ends when the peer goes or a deadline passes.
//
// admission: admitted connections hold their slot in context.connections
// (released when the connection ends); any other value means the connection
// was not counted and gets 503 with the reason.
// tls: when not null, the connection starts with a TLS handshake.
void start_http_connection(boost::asio::ip::tcp::socket socket, session::server_context& context,
                           std::uint64_t connection_id, std::string address,
                           session::connection_table::admission admission,
                           std::shared_ptr<boost::asio::ssl::context> tls);

} // namespace maptable::net
