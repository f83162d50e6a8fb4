#include "net/listener.hpp"

#include "net/http_session.hpp"

#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

namespace maptable::net {

listener::listener(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint,
                   session::server_context& context)
    : io_(io)
    , acceptor_(io)
    , context_(context)
{
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(boost::asio::socket_base::max_listen_connections);
}

boost::asio::ip::tcp::endpoint listener::local_endpoint() const
{
    return acceptor_.local_endpoint();
}

void listener::run()
{
    do_accept();
}

void listener::stop()
{
    boost::asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ignored;
        self->acceptor_.close(ignored);
    });
}

void listener::do_accept()
{
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor_.async_accept(boost::asio::make_strand(io_),
                           [self = shared_from_this()](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
                               self->on_accept(ec, std::move(s));
                           });
}

void listener::on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket)
{
    if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open())
        return;
    if (ec) {
        // Out of descriptors and the like: log, keep accepting.
        spdlog::warn("accept failed: {}", ec.message());
    } else {
        boost::system::error_code ignored;
        socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        start_http_session(std::move(socket), context_);
    }
    do_accept();
}

} // namespace maptable::net
