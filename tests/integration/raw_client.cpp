#include "raw_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <thread>

namespace maptable::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct raw_client::impl {
    asio::io_context io;
    websocket::stream<tcp::socket> ws{io};
    beast::flat_buffer buffer;
};

raw_client::raw_client(unsigned short port, const std::string& path) : impl_(std::make_unique<impl>())
{
    impl_->ws.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    impl_->ws.read_message_max(64 * 1024 * 1024);
    impl_->ws.handshake("127.0.0.1:" + std::to_string(port), path);
}

raw_client::raw_client(unsigned short port, const std::string& path, int receive_buffer_bytes)
    : impl_(std::make_unique<impl>())
{
    auto& socket = impl_->ws.next_layer();
    socket.open(tcp::v4());
    socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer_bytes));
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    impl_->ws.read_message_max(64 * 1024 * 1024);
    impl_->ws.handshake("127.0.0.1:" + std::to_string(port), path);
}

raw_client::~raw_client()
{
    beast::error_code ignored;
    impl_->ws.next_layer().close(ignored);
}

void raw_client::send_binary(const std::string& bytes)
{
    impl_->ws.binary(true);
    beast::error_code ec;
    impl_->ws.write(asio::buffer(bytes), ec);
}

void raw_client::send_text(const std::string& text)
{
    impl_->ws.text(true);
    beast::error_code ec;
    impl_->ws.write(asio::buffer(text), ec);
}

void raw_client::send(const pb::ClientMessage& message)
{
    send_binary(message.SerializeAsString());
}

pb::ServerMessage raw_client::join(const std::string& room, const std::string& token, std::uint32_t version)
{
    pb::ClientMessage m;
    m.set_request_id(1);
    m.mutable_join()->set_room_id(room);
    m.mutable_join()->set_token(token);
    m.mutable_join()->set_client_id("raw-client");
    m.mutable_join()->set_protocol_version(version);
    send(m);
    auto reply = answer_to(1);
    return reply ? *reply : pb::ServerMessage{};
}

std::optional<pb::ServerMessage> raw_client::next()
{
    while (buffered_.empty()) {
        beast::error_code ec;
        impl_->ws.read(impl_->buffer, ec);
        if (ec) {
            close_.code = static_cast<std::uint16_t>(impl_->ws.reason().code);
            close_.reason = std::string(impl_->ws.reason().reason.data(), impl_->ws.reason().reason.size());
            return std::nullopt;
        }
        pb::ServerFrame frame;
        const auto data = impl_->buffer.cdata();
        frame.ParseFromArray(data.data(), static_cast<int>(data.size()));
        impl_->buffer.consume(impl_->buffer.size());
        buffered_.assign(frame.messages().begin(), frame.messages().end());
    }
    auto m = buffered_.front();
    buffered_.erase(buffered_.begin());
    return m;
}

std::optional<pb::ServerMessage> raw_client::next_paced(std::size_t bytes_per_read, std::chrono::milliseconds pause)
{
    while (buffered_.empty()) {
        do {
            beast::error_code ec;
            impl_->ws.read_some(impl_->buffer, bytes_per_read, ec);
            if (ec) {
                close_.code = static_cast<std::uint16_t>(impl_->ws.reason().code);
                close_.reason = std::string(impl_->ws.reason().reason.data(), impl_->ws.reason().reason.size());
                return std::nullopt;
            }
            std::this_thread::sleep_for(pause);
        } while (!impl_->ws.is_message_done());
        pb::ServerFrame frame;
        const auto data = impl_->buffer.cdata();
        frame.ParseFromArray(data.data(), static_cast<int>(data.size()));
        impl_->buffer.consume(impl_->buffer.size());
        buffered_.assign(frame.messages().begin(), frame.messages().end());
    }
    auto m = buffered_.front();
    buffered_.erase(buffered_.begin());
    return m;
}

std::optional<pb::ServerMessage> raw_client::answer_to(std::uint64_t request_id)
{
    while (auto m = next()) {
        if ((m->has_ack() && m->ack().request_id() == request_id) ||
            (m->has_error() && m->error().request_id() == request_id) ||
            (m->has_welcome() && m->welcome().request_id() == request_id) ||
            (m->has_chat_history() && m->chat_history().request_id() == request_id) ||
            (m->has_state_at() && m->state_at().request_id() == request_id))
            return m;
    }
    return std::nullopt;
}

std::pair<int, std::string> http_get(unsigned short port, const std::string& target)
{
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return {static_cast<int>(res.result_int()), res.body()};
}

pb::ClientMessage chat_command(std::uint64_t request_id, const std::string& text)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    m.mutable_send_chat()->set_text(text);
    return m;
}

pb::ClientMessage join_message(const std::string& room, const std::string& token, const std::string& client_id,
                               std::optional<pb::Resume> resume, std::uint64_t request_id)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    auto* j = m.mutable_join();
    j->set_room_id(room);
    j->set_token(token);
    j->set_client_id(client_id);
    j->set_protocol_version(1);
    if (resume)
        *j->mutable_resume() = *resume;
    return m;
}

pb::Resume resume_at(const std::string& epoch, std::uint64_t seq)
{
    pb::Resume r;
    r.set_epoch(epoch);
    r.set_last_seq(seq);
    return r;
}

} // namespace maptable::test
