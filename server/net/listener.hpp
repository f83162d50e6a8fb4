// Layer: net. Accepts TCP connections, counts each against the connection
// limits, and hands it to an http_connection on the executor the thread model
// gives it (a strand, or a one-thread io_context; app/io_pool), over TLS when
// the listener was given a certificate. Owned by app/server; accepts on the
// io_context it is given.
#pragma once

#include "session/server_context.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <memory>
#include <string>

namespace maptable::net {

// Where the listener finds its certificate chain and private key (PEM files).
// Both empty: plain HTTP and ws://. Both set: https:// and wss:// only.
struct tls_files {
    std::string certificate_chain;
    std::string private_key;
    bool enabled() const { return !certificate_chain.empty(); }
};

// A server TLS context: TLS 1.2 or newer, the given certificate chain and key.
// Throws (start-up) with the file and OpenSSL's reason when they cannot be
// loaded or do not match.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const tls_files& files);

class listener : public std::enable_shared_from_this<listener> {
public:
    // Where each accepted connection's handlers run: every call gives the
    // executor of one new connection, on which they never run concurrently.
    using executor_source = std::function<boost::asio::any_io_executor()>;

    // Binds and listens; throws (start-up) when the address cannot be bound
    // or the TLS files cannot be loaded.
    listener(boost::asio::io_context& io, executor_source connection_executor, boost::asio::ip::tcp::endpoint endpoint,
             session::server_context& context, const tls_files& tls = {});

    void run();
    void stop(); // stops accepting; live connections go on

    boost::asio::ip::tcp::endpoint local_endpoint() const;
    bool tls() const { return tls_ != nullptr; }

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
    // Admits an accepted connection and starts its http_connection.
    void start(boost::asio::ip::tcp::socket socket);

    executor_source connection_executor_;
    boost::asio::ip::tcp::acceptor acceptor_;
    session::server_context& context_;
    std::shared_ptr<boost::asio::ssl::context> tls_; // null: plain
};

} // namespace maptable::net
