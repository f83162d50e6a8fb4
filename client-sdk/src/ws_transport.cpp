#include "ws_transport.hpp"

#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <chrono>
#include <type_traits>

namespace maptable::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

using plain_stream = websocket::stream<beast::tcp_stream>;
using tls_stream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

template <class Stream>
class basic_transport final : public ws_transport {
public:
    static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

    basic_transport(asio::io_context& io, asio::ssl::context* tls) : ws_(make_stream(io, tls)) {}

    void async_open(const tcp::resolver::results_type& endpoints, const std::string& host, const std::string& port,
                    const std::string& path, std::size_t max_message_bytes, done handler) override
    {
        auto& tcp_layer = beast::get_lowest_layer(ws_);
        tcp_layer.expires_after(std::chrono::seconds(30));
        tcp_layer.async_connect(endpoints,
                                [this, host, port, path, max_message_bytes,
                                 handler = std::move(handler)](beast::error_code ec, tcp::endpoint) mutable {
            if (ec)
                return handler(ec);
            beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
            if constexpr (is_tls) {
                // SNI, and the certificate must name the host we asked for.
                if (!SSL_set_tlsext_host_name(ws_.next_layer().native_handle(), host.c_str()))
                    return handler(
                        beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
                ws_.next_layer().set_verify_callback(asio::ssl::host_name_verification(host));
                ws_.next_layer().async_handshake(asio::ssl::stream_base::client,
                                                 [this, host, port, path, max_message_bytes,
                                                  handler = std::move(handler)](beast::error_code ec) mutable {
                    if (ec)
                        return handler(ec);
                    websocket_handshake(host, port, path, max_message_bytes, std::move(handler));
                });
            } else {
                websocket_handshake(host, port, path, max_message_bytes, std::move(handler));
            }
        });
    }

    void async_read(beast::flat_buffer& buffer, io_done handler) override
    {
        ws_.async_read(buffer, std::move(handler));
    }

    void async_write(asio::const_buffer bytes, io_done handler) override { ws_.async_write(bytes, std::move(handler)); }

    void async_close(done handler) override { ws_.async_close(websocket::close_code::normal, std::move(handler)); }

    websocket::close_reason reason() const override { return ws_.reason(); }

    void abort() override
    {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }

private:
    static Stream make_stream(asio::io_context& io, asio::ssl::context* tls)
    {
        if constexpr (is_tls)
            return Stream(io, *tls);
        else
            return Stream(io);
    }

    void websocket_handshake(const std::string& host, const std::string& port, const std::string& path,
                             std::size_t max_message_bytes, done handler)
    {
        // The WebSocket has its own timeouts from here on.
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        ws_.read_message_max(max_message_bytes);
        ws_.binary(true);
        ws_.async_handshake(host + ":" + port, path, std::move(handler));
    }

    Stream ws_;
};

} // namespace

std::unique_ptr<ws_transport> make_ws_transport(asio::io_context& io, asio::ssl::context* tls_context)
{
    if (tls_context)
        return std::make_unique<basic_transport<tls_stream>>(io, tls_context);
    return std::make_unique<basic_transport<plain_stream>>(io, nullptr);
}

} // namespace maptable::detail
