#include "net/listener.hpp"

#include "net/http_connection.hpp"

#include "metrics/metrics.hpp"

#include <boost/asio/strand.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace maptable::net {

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const tls_files& files)
{
    namespace ssl = boost::asio::ssl;
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    // TLS 1.2 is the oldest version without known protocol-level weaknesses;
    // 1.0 and 1.1 are refused in the handshake.
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1)
        throw std::runtime_error("TLS: cannot require TLS 1.2 or newer");
    const auto load = [](auto&& step, const std::string& what, const std::string& file) {
        boost::system::error_code ec;
        step(ec);
        if (ec)
            throw std::runtime_error("TLS: cannot use " + what + " " + file + ": " + ec.message());
    };
    load([&](auto& ec) { context->use_certificate_chain_file(files.certificate_chain, ec); }, "certificate chain",
         files.certificate_chain);
    load([&](auto& ec) { context->use_private_key_file(files.private_key, ssl::context::pem, ec); }, "private key",
         files.private_key);
    if (SSL_CTX_check_private_key(context->native_handle()) != 1)
        throw std::runtime_error("TLS: the private key " + files.private_key + " does not match the certificate " +
                                 files.certificate_chain);
    return context;
}

listener::listener(boost::asio::io_context& io, executor_source connection_executor,
                   boost::asio::ip::tcp::endpoint endpoint, session::server_context& context, const tls_files& tls)
    : connection_executor_(std::move(connection_executor)), acceptor_(io), context_(context)
{
    if (tls.enabled())
        tls_ = make_tls_context(tls);
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
    acceptor_.async_accept(connection_executor_(),
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
        try {
            start(std::move(socket));
        } catch (const std::exception& e) {
            // The new connection is lost (its socket closes with it); the
            // listener goes on accepting.
            metrics::global().handler_exceptions.add();
            spdlog::error("starting an accepted connection threw: {}; it is closed", e.what());
        } catch (...) {
            metrics::global().handler_exceptions.add();
            spdlog::error(
                "starting an accepted connection threw an exception that is not a std::exception; it is closed");
        }
    }
    do_accept();
}

void listener::start(boost::asio::ip::tcp::socket socket)
{
    boost::system::error_code ignored;
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    const auto peer = socket.remote_endpoint(ignored);
    auto address = peer.address().to_string();
    const auto id = context_.next_connection_id++;
    const auto admission = context_.connections->admit(id, address, context_.limits.max_connections,
                                                       context_.limits.max_connections_per_ip);
    using admission_t = session::connection_table::admission;
    if (admission == admission_t::server_full)
        spdlog::warn("conn={} refused remote={}: {} connections, the limit (--max-connections)", id, address,
                     context_.limits.max_connections);
    else if (admission == admission_t::address_full)
        spdlog::warn("conn={} refused remote={}: {} connections from this address, the limit "
                     "(--max-connections-per-ip)",
                     id, address, context_.limits.max_connections_per_ip);
    // A refused connection is answered 503 by its http_connection, uncounted.
    start_http_connection(std::move(socket), context_, id, std::move(address), admission, tls_);
}

} // namespace maptable::net
