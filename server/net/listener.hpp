// Layer: net. Accepts TCP connections and hands each to an http_session on
// its own strand. Owned by app/server; runs on the io_context.
#pragma once

#include "session/server_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace maptable::net {

class listener : public std::enable_shared_from_this<listener> {
public:
    // Binds and listens; throws (start-up) when the address cannot be bound.
    listener(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint, session::server_context& context);

    void run();
    void stop();   // stops accepting; live connections go on

    boost::asio::ip::tcp::endpoint local_endpoint() const;

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    session::server_context& context_;
};

} // namespace maptable::net
