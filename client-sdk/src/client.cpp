// The SDK's connection: one io_context and thread per client, one WebSocket.
#include "maptable/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/url/parse.hpp>
#include <openssl/rand.h>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace maptable {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

std::string random_id(std::size_t bytes)
{
    std::string raw(bytes, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size()));
    static constexpr char hex[] = "0123456789abcdef";
    std::string id;
    for (unsigned char b : raw) {
        id.push_back(hex[b >> 4]);
        id.push_back(hex[b & 15]);
    }
    return id;
}

// All members but the locked ones are touched only on the I/O thread.
// Handlers capture `this`: the client's destructor stops and joins the thread
// before the impl goes, and io_ is declared first so it is destroyed last.
struct client::impl {
    asio::io_context io;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
    client_options options;
    std::string host, port, path;
    tcp::resolver resolver{io};
    websocket::stream<beast::tcp_stream> ws{io};
    beast::flat_buffer buffer;
    std::deque<std::string> outbox;
    bool writing = false;
    bool open = false;
    bool closing = false;

    // Request ids double as op ids under the client id, so they must never
    // repeat for one client id, even across client objects of one install:
    // start from the clock (milliseconds x 1024 leaves room for 1024
    // commands per millisecond and stays below 2^63 for millennia).
    std::atomic<std::uint64_t> next_request{static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count()) << 10};
    std::map<std::uint64_t, std::promise<command_result>> pending;
    std::map<std::uint64_t, std::promise<chat_page>> pending_history;
    std::optional<std::promise<command_result>> join_promise;
    std::uint64_t join_request = 0;

    mutable std::mutex mutex;            // guards the four below
    model::room_state replica{""};
    std::map<std::string, pb::Participant> online;
    pb::Participant me;
    close_info closed;

    std::function<void(const pb::Event&)> event_cb;
    std::function<void(const pb::PresenceUpdate&)> presence_cb;
    std::function<void(const pb::Participant&)> joined_cb;
    std::function<void(const std::string&)> left_cb;
    std::function<void(const pb::Error&)> error_cb;
    std::function<void(const close_info&)> closed_cb;
    std::function<void()> on_end;        // the destructor waits on it

    std::thread thread;

    explicit impl(client_options o)
        : options(std::move(o))
    {
        if (options.client_id.empty())
            options.client_id = "c-" + random_id(8);
        thread = std::thread([this] { io.run(); });
    }

    static command_result failure(pb::ErrorCode code, std::string message)
    {
        return command_result{false, 0, code, std::move(message)};
    }

    void drop_callbacks()
    {
        event_cb = nullptr;
        presence_cb = nullptr;
        joined_cb = nullptr;
        left_cb = nullptr;
        error_cb = nullptr;
        closed_cb = nullptr;
    }

    // ---------------------------------------------------------- connecting

    void start_connect(std::promise<command_result> done)
    {
        if (join_promise || open) {
            done.set_value(failure(pb::ERROR_CODE_ALREADY_JOINED, "connect() was already called"));
            return;
        }
        auto parsed = boost::urls::parse_uri(options.url);
        if (!parsed || parsed->scheme() != "ws" || parsed->host().empty()) {
            done.set_value(failure(pb::ERROR_CODE_UNSPECIFIED, "the url must look like ws://host:port/v1/ws"));
            return;
        }
        host = std::string(parsed->host());
        port = parsed->has_port() ? std::string(parsed->port()) : "80";
        path = parsed->path().empty() ? "/" : std::string(parsed->encoded_path());
        join_promise = std::move(done);
        resolver.async_resolve(host, port, [this](beast::error_code ec, tcp::resolver::results_type results) {
            if (ec)
                return fail("cannot resolve " + host + ": " + ec.message());
            beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
            beast::get_lowest_layer(ws).async_connect(results, [this](beast::error_code ec, tcp::endpoint) {
                if (ec)
                    return fail("cannot connect to " + host + ":" + port + ": " + ec.message());
                beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
                beast::get_lowest_layer(ws).expires_never();
                ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
                ws.read_message_max(options.max_message_bytes);
                ws.binary(true);
                ws.async_handshake(host + ":" + port, path, [this](beast::error_code ec) {
                    if (ec)
                        return fail("WebSocket handshake failed: " + ec.message());
                    open = true;
                    pb::ClientMessage join;
                    join_request = next_request++;
                    join.set_request_id(join_request);
                    auto* j = join.mutable_join();
                    j->set_room_id(options.room_id);
                    j->set_token(options.token);
                    j->set_client_id(options.client_id);
                    j->set_protocol_version(1);
                    write(join.SerializeAsString());
                    do_read();
                });
            });
        });
    }

    // A failure before the connection was open.
    void fail(std::string why)
    {
        {
            std::lock_guard lock(mutex);
            closed = close_info{true, 0, why};
        }
        if (join_promise) {
            join_promise->set_value(failure(pb::ERROR_CODE_UNSPECIFIED, std::move(why)));
            join_promise.reset();
        }
    }

    // ---------------------------------------------------------- reading

    void do_read()
    {
        ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
            if (ec)
                return on_connection_end(ec);
            pb::ServerFrame frame;
            const auto data = buffer.cdata();
            const bool parsed = frame.ParseFromArray(data.data(), static_cast<int>(data.size()));
            buffer.consume(buffer.size());
            if (parsed)
                for (const auto& message : frame.messages())
                    dispatch(message);
            do_read();
        });
    }

    void dispatch(const pb::ServerMessage& message)
    {
        switch (message.body_case()) {
        case pb::ServerMessage::kWelcome: {
            const auto& w = message.welcome();
            {
                std::lock_guard lock(mutex);
                replica = model::room_state::from_proto(w.state());
                me = w.you();
                online.clear();
                for (const auto& p : w.online())
                    online[p.id()] = p;
            }
            if (join_promise) {
                join_promise->set_value(command_result{true, w.state().seq(), pb::ERROR_CODE_UNSPECIFIED, {}});
                join_promise.reset();
            }
            return;
        }
        case pb::ServerMessage::kEvent: {
            {
                std::lock_guard lock(mutex);
                replica.apply(message.event());
            }
            if (event_cb)
                event_cb(message.event());
            return;
        }
        case pb::ServerMessage::kAck: {
            auto it = pending.find(message.ack().request_id());
            if (it != pending.end()) {
                it->second.set_value(command_result{true, message.ack().seq(), pb::ERROR_CODE_UNSPECIFIED, {}});
                pending.erase(it);
            }
            return;
        }
        case pb::ServerMessage::kError:
            return on_server_error(message.error());
        case pb::ServerMessage::kParticipantJoined: {
            const auto& p = message.participant_joined().participant();
            {
                std::lock_guard lock(mutex);
                online[p.id()] = p;
            }
            if (joined_cb)
                joined_cb(p);
            return;
        }
        case pb::ServerMessage::kParticipantLeft: {
            const auto& id = message.participant_left().participant_id();
            {
                std::lock_guard lock(mutex);
                online.erase(id);
            }
            if (left_cb)
                left_cb(id);
            return;
        }
        case pb::ServerMessage::kPresence:
            if (presence_cb)
                presence_cb(message.presence());
            return;
        case pb::ServerMessage::kChatHistory: {
            const auto& h = message.chat_history();
            auto it = pending_history.find(h.request_id());
            if (it != pending_history.end()) {
                chat_page page;
                page.ok = true;
                page.has_more = h.has_more();
                page.messages.assign(h.messages().begin(), h.messages().end());
                it->second.set_value(std::move(page));
                pending_history.erase(it);
            }
            return;
        }
        default:
            return;  // a newer server's message this client does not know
        }
    }

    void on_server_error(const pb::Error& error)
    {
        auto result = failure(error.code(), error.message());
        const auto id = error.request_id();
        if (id != 0 && id == join_request && join_promise) {
            join_promise->set_value(std::move(result));
            join_promise.reset();
            return;
        }
        if (auto it = pending.find(id); id != 0 && it != pending.end()) {
            it->second.set_value(std::move(result));
            pending.erase(it);
            return;
        }
        if (auto it = pending_history.find(id); id != 0 && it != pending_history.end()) {
            chat_page page;
            page.error = std::move(result);
            it->second.set_value(std::move(page));
            pending_history.erase(it);
            return;
        }
        if (error_cb)
            error_cb(error);
    }

    void on_connection_end(beast::error_code ec)
    {
        open = false;
        close_info info;
        info.closed = true;
        if (ec == websocket::error::closed) {
            info.code = static_cast<std::uint16_t>(ws.reason().code);
            info.reason = std::string(ws.reason().reason.data(), ws.reason().reason.size());
        } else {
            info.reason = ec.message();
        }
        {
            std::lock_guard lock(mutex);
            closed = info;
        }
        const std::string why = "connection closed" + (info.reason.empty() ? "" : ": " + info.reason);
        if (join_promise) {
            join_promise->set_value(failure(pb::ERROR_CODE_UNSPECIFIED, why));
            join_promise.reset();
        }
        for (auto& [id, p] : pending)
            p.set_value(failure(pb::ERROR_CODE_UNSPECIFIED, why));
        pending.clear();
        for (auto& [id, p] : pending_history) {
            chat_page page;
            page.error = failure(pb::ERROR_CODE_UNSPECIFIED, why);
            p.set_value(std::move(page));
        }
        pending_history.clear();
        if (closed_cb)
            closed_cb(info);
        if (on_end)
            std::exchange(on_end, nullptr)();
    }

    // ---------------------------------------------------------- writing

    void write(std::string bytes)
    {
        outbox.push_back(std::move(bytes));
        if (!writing)
            do_write();
    }

    void do_write()
    {
        writing = true;
        ws.async_write(asio::buffer(outbox.front()), [this](beast::error_code ec, std::size_t) {
            outbox.pop_front();
            writing = false;
            if (ec)
                return;  // the read side reports the end of the connection
            if (!outbox.empty())
                return do_write();
            if (closing)
                do_close();
        });
    }

    void do_close()
    {
        if (!open)
            return;
        open = false;
        ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
    }

    std::future<command_result> send(pb::ClientMessage message)
    {
        std::promise<command_result> promise;
        auto future = promise.get_future();
        message.set_request_id(next_request++);
        asio::post(io, [this, message = std::move(message), promise = std::move(promise)]() mutable {
            if (!open || closing) {
                promise.set_value(failure(pb::ERROR_CODE_UNSPECIFIED, "not connected"));
                return;
            }
            pending.emplace(message.request_id(), std::move(promise));
            write(message.SerializeAsString());
        });
        return future;
    }

    void send_untracked(pb::ClientMessage message)
    {
        message.set_request_id(next_request++);
        asio::post(io, [this, bytes = message.SerializeAsString()]() mutable {
            if (open && !closing)
                write(std::move(bytes));
        });
    }
};

client::client(client_options options)
    : impl_(std::make_unique<impl>(std::move(options)))
{
}

client::~client()
{
    // Close politely, wait a bounded time for the close handshake (a dead
    // peer must not hang the caller), then stop the thread.
    std::promise<void> ended;
    auto done = ended.get_future();
    asio::post(impl_->io, [i = impl_.get(), &ended] {
        // No callback runs once destruction started: what they capture may
        // already be gone.
        i->drop_callbacks();
        i->closing = true;
        if (!i->open) {
            ended.set_value();
            return;
        }
        i->on_end = [&ended] { ended.set_value(); };
        if (!i->writing)
            i->do_close();
    });
    done.wait_for(std::chrono::seconds(2));
    impl_->io.stop();
    impl_->thread.join();
}

std::future<command_result> client::connect()
{
    std::promise<command_result> promise;
    auto future = promise.get_future();
    asio::post(impl_->io, [i = impl_.get(), p = std::move(promise)]() mutable { i->start_connect(std::move(p)); });
    return future;
}

void client::disconnect()
{
    asio::post(impl_->io, [i = impl_.get()] {
        i->closing = true;
        if (!i->writing)
            i->do_close();
    });
}

std::future<command_result> client::add_feature(pb::Feature feature)
{
    pb::ClientMessage m;
    *m.mutable_add_feature()->mutable_feature() = std::move(feature);
    return impl_->send(std::move(m));
}

std::future<command_result> client::update_feature(std::string id, pb::FeaturePatch patch)
{
    pb::ClientMessage m;
    m.mutable_update_feature()->set_id(std::move(id));
    *m.mutable_update_feature()->mutable_patch() = std::move(patch);
    return impl_->send(std::move(m));
}

std::future<command_result> client::delete_feature(std::string id)
{
    pb::ClientMessage m;
    m.mutable_delete_feature()->set_id(std::move(id));
    return impl_->send(std::move(m));
}

std::future<command_result> client::send_chat(std::string text, std::uint64_t reply_to, std::string feature_id)
{
    pb::ClientMessage m;
    auto* chat = m.mutable_send_chat();
    chat->set_text(std::move(text));
    chat->set_reply_to(reply_to);
    chat->set_feature_id(std::move(feature_id));
    return impl_->send(std::move(m));
}

std::future<command_result> client::update_room_info(pb::RoomInfoChanged change)
{
    pb::ClientMessage m;
    *m.mutable_update_room_info()->mutable_change() = std::move(change);
    return impl_->send(std::move(m));
}

std::future<command_result> client::send(pb::ClientMessage message)
{
    return impl_->send(std::move(message));
}

std::future<chat_page> client::chat_history(std::uint64_t before_seq, std::uint32_t limit)
{
    pb::ClientMessage m;
    m.set_request_id(impl_->next_request++);
    m.mutable_get_chat_history()->set_before_seq(before_seq);
    m.mutable_get_chat_history()->set_limit(limit);
    std::promise<chat_page> promise;
    auto future = promise.get_future();
    asio::post(impl_->io, [i = impl_.get(), m = std::move(m), p = std::move(promise)]() mutable {
        if (!i->open || i->closing) {
            chat_page page;
            page.error = impl::failure(pb::ERROR_CODE_UNSPECIFIED, "not connected");
            p.set_value(std::move(page));
            return;
        }
        i->pending_history.emplace(m.request_id(), std::move(p));
        i->write(m.SerializeAsString());
    });
    return future;
}

void client::move_cursor(double lon, double lat)
{
    pb::ClientMessage m;
    m.mutable_move_cursor()->mutable_position()->set_lon(lon);
    m.mutable_move_cursor()->mutable_position()->set_lat(lat);
    impl_->send_untracked(std::move(m));
}

void client::change_viewport(pb::Viewport viewport)
{
    pb::ClientMessage m;
    *m.mutable_change_viewport()->mutable_viewport() = std::move(viewport);
    impl_->send_untracked(std::move(m));
}

model::room_state client::replica() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->replica;
}

std::uint64_t client::seq() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->replica.seq();
}

std::vector<pb::Participant> client::online() const
{
    std::lock_guard lock(impl_->mutex);
    std::vector<pb::Participant> out;
    for (const auto& [id, p] : impl_->online)
        out.push_back(p);
    return out;
}

pb::Participant client::me() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->me;
}

close_info client::closed() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->closed;
}

const std::string& client::client_id() const
{
    return impl_->options.client_id;
}

void client::on_event(std::function<void(const pb::Event&)> cb) { impl_->event_cb = std::move(cb); }
void client::on_presence(std::function<void(const pb::PresenceUpdate&)> cb) { impl_->presence_cb = std::move(cb); }
void client::on_participant_joined(std::function<void(const pb::Participant&)> cb) { impl_->joined_cb = std::move(cb); }
void client::on_participant_left(std::function<void(const std::string&)> cb) { impl_->left_cb = std::move(cb); }
void client::on_error(std::function<void(const pb::Error&)> cb) { impl_->error_cb = std::move(cb); }
void client::on_closed(std::function<void(const close_info&)> cb) { impl_->closed_cb = std::move(cb); }

void client::clear_callbacks()
{
    // Run on the I/O thread, between two handlers: no callback is mid-flight.
    std::promise<void> cleared;
    auto done = cleared.get_future();
    asio::post(impl_->io, [i = impl_.get(), &cleared] {
        i->drop_callbacks();
        cleared.set_value();
    });
    if (impl_->io.stopped()) {
        impl_->drop_callbacks();
        return;
    }
    done.wait();
}

} // namespace maptable
