// Layer: net. One HTTP connection: reads requests with a deadline and size
// limits, answers /healthz and 404, and hands a WebSocket upgrade on /v1/ws
// to a websocket_session. The class lives in http_session.cpp so that this
// header, included by the listener, stays free of Beast.
#pragma once

#include "session/server_context.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace maptable::net {

// Starts serving an accepted connection. The session owns itself through its
// pending operations and ends when the peer goes or a deadline passes.
void start_http_session(boost::asio::ip::tcp::socket socket, session::server_context& context);

} // namespace maptable::net
