// Layer: webhook (network). POSTs one webhook request and reports how it
// went: HTTP over TCP, or HTTPS with the peer's certificate verified against
// the system's CAs (and an extra CA file, for tests and private CAs). The
// only file of this layer with Beast in it.
//
// Runs on the io_context given (the dispatcher's network thread, never a
// server I/O thread). Each request has its own connection (a receiver
// behind a load balancer sees no long-lived connection to drain) and one
// deadline covering resolve, connect, handshake, write and reading the
// status line and headers.
#pragma once

#include "webhook/endpoint_url.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace maptable::webhook {

struct send_outcome {
    bool ok = false;   // the receiver answered 2xx
    int status = 0;    // its HTTP status, 0 when none arrived
    std::string error; // why it failed, for the log and the admin API
};

struct outgoing_request {
    endpoint_url url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

class http_sender {
public:
    // ca_file: PEM CAs trusted besides the system's ("" for none). Throws
    // when it cannot be read.
    http_sender(boost::asio::io_context& io, const std::string& ca_file);
    ~http_sender();

    // Sends request; done is called exactly once, on the io_context's thread
    // (or not at all if the io_context is stopped first).
    void send(outgoing_request request, std::chrono::milliseconds timeout, std::function<void(send_outcome)> done);

private:
    boost::asio::io_context& io_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
};

} // namespace maptable::webhook
