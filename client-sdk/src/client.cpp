// SDK, driver: one io_context and thread per client, one WebSocket at a time.
// The decisions (when to connect and where, when to send the Join, back off,
// follow a Redirect or stop for good; which requests to keep, resend or
// fail) are made by connection_machine and pending_requests; this file
// performs them on sockets and timers and keeps the replica.
#include "maptable/client.hpp"

#include "connection_state.hpp"
#include "pending_requests.hpp"
#include "ws_transport.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
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

std::int64_t remaining_ms(const pb::Timer& timer, std::int64_t now_ms)
{
    if (!timer.running())
        return std::max<std::int64_t>(0, timer.remaining_ms());
    // A clock behind the start (a skewed offset) counts as no time passed, as in the model.
    const auto elapsed = std::max<std::int64_t>(0, now_ms - timer.started_at_ms());
    return std::max<std::int64_t>(0, timer.remaining_ms() - elapsed);
}

pb::Viewport viewport_of(const pb::MapView& view)
{
    pb::Viewport viewport;
    if (view.has_bounds()) {
        *viewport.mutable_south_west() = view.bounds().south_west();
        *viewport.mutable_north_east() = view.bounds().north_east();
    } else {
        *viewport.mutable_south_west() = view.center();
        *viewport.mutable_north_east() = view.center();
    }
    viewport.set_zoom(view.zoom());
    return viewport;
}

namespace {

std::int64_t local_time_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

command_result failure(pb::ErrorCode code, std::string message)
{
    return command_result{false, 0, code, std::move(message)};
}

} // namespace

// Everything but the locked members is touched only on the I/O thread.
// Handlers capture `this`: the client's destructor stops and joins the thread
// before the impl goes, and io is declared first so it is destroyed last.
struct client::impl {

    // How a request is answered: exactly one of these is set.
    struct outgoing {
        std::optional<std::promise<command_result>> result;
        std::optional<std::promise<chat_page>> page;
        std::optional<std::promise<state_at_result>> replay;
    };

    asio::io_context io;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
    client_options options;
    tcp::resolver resolver{io};
    std::unique_ptr<asio::ssl::context> tls; // made for the first wss:// url
    // A new one per connection. Shared with its pending operations, so a
    // replaced transport lives until its last handler has run.
    std::shared_ptr<detail::ws_transport> ws;
    std::uint64_t generation = 0; // which connection a handler belongs to
    beast::flat_buffer buffer;
    std::deque<std::string> outbox; // written to the current connection, in order
    bool writing = false;
    bool open = false; // the WebSocket is up and not being closed by us
    asio::steady_timer retry_timer{io};
    std::mt19937_64 jitter{std::random_device{}()};
    detail::connection_machine machine;

    detail::request_ids ids{local_time_ms()};
    detail::pending_requests<outgoing> pending;
    std::optional<std::promise<command_result>> join_promise;
    std::uint64_t join_request = 0;

    mutable std::mutex mutex; // guards the members below it
    model::room_state replica{""};
    std::map<std::string, pb::Participant> online;
    pb::Participant me;
    close_info closed;
    connection_state state = connection_state::connecting;
    std::string endpoint;
    std::string epoch;
    std::size_t pending_count = 0;
    std::int64_t clock_offset_ms = 0; // server time - local time at the last Welcome
    std::string ballot_id;

    // The application's callbacks. Set from any thread, run on the I/O
    // thread: each slot holds an immutable callable, replaced whole under
    // callback_mutex, so a delivery takes its own reference under the lock
    // and runs it outside (a callback may call back into the client). A
    // delivery counts itself in callbacks_running before it leaves the lock,
    // so clear_callbacks() can wait for the one under way and know that no
    // other can start.
    template <class... Args>
    using slot = std::shared_ptr<const std::function<void(Args...)>>;
    struct callback_set {
        slot<const pb::Event&> event;
        slot<const pb::PresenceUpdate&> presence;
        slot<const pb::Participant&> joined;
        slot<const std::string&> left;
        slot<const pb::Error&> error;
        slot<const close_info&> closed;
        slot<connection_state> state;
        slot<bool> welcome;
        slot<const pb::Viewport&> view;
        slot<const pb::ChatMessage&> mention;
    };
    std::mutex callback_mutex; // guards callbacks and callbacks_running
    std::condition_variable callback_done;
    callback_set callbacks;
    int callbacks_running = 0; // 0 or 1: only the I/O thread runs them

    std::function<void()> on_end; // the destructor waits on it

    std::thread thread;

    static detail::reconnect_policy policy_of(const client_options& o)
    {
        detail::reconnect_policy policy;
        policy.url = o.url;
        policy.reconnect = o.reconnect;
        policy.initial_delay = o.reconnect_initial_delay;
        policy.max_delay = o.reconnect_max_delay;
        policy.max_hops = o.max_redirects;
        return policy;
    }

    explicit impl(client_options o)
        : options(std::move(o))
        , machine(policy_of(options), [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(jitter); })
        , pending(options.max_pending)
    {
        if (options.client_id.empty())
            options.client_id = "c-" + random_id(8);
        endpoint = options.url;
        thread = std::thread([this] { io.run(); });
    }

    // Completes a request with an error.
    static void fail(outgoing& out, const command_result& why)
    {
        if (out.result)
            out.result->set_value(why);
        if (out.page) {
            chat_page page;
            page.error = why;
            out.page->set_value(std::move(page));
        }
        if (out.replay) {
            state_at_result replay;
            replay.error = why;
            out.replay->set_value(std::move(replay));
        }
    }

    // Replaces one callback; an empty function removes it.
    template <class... Args>
    void set_callback(slot<Args...> callback_set::*which, std::function<void(Args...)> callback)
    {
        slot<Args...> next;
        if (callback)
            next = std::make_shared<const std::function<void(Args...)>>(std::move(callback));
        std::lock_guard lock(callback_mutex);
        // The old callable goes with next, after the lock is released (its
        // captures' destructors may call into the client), or with the
        // delivery still using it.
        std::swap(callbacks.*which, next);
    }

    // Whether a delivery is set for this slot now (to skip work when not).
    template <class... Args>
    bool has_callback(slot<Args...> callback_set::*which)
    {
        std::lock_guard lock(callback_mutex);
        return callbacks.*which != nullptr;
    }

    // Runs one callback on the I/O thread, if it is set.
    template <class... Args, class... Values>
    void fire(slot<Args...> callback_set::*which, Values&&... values)
    {
        slot<Args...> callback;
        {
            std::lock_guard lock(callback_mutex);
            callback = callbacks.*which;
            if (!callback)
                return;
            ++callbacks_running;
        }
        // The delivery ends when its reference is gone too: a callable that
        // was replaced or cleared meanwhile is destroyed before
        // clear_callbacks() may return.
        struct end_of_delivery {
            impl& self;
            slot<Args...>& callback;
            ~end_of_delivery()
            {
                callback.reset();
                {
                    std::lock_guard lock(self.callback_mutex);
                    --self.callbacks_running;
                }
                self.callback_done.notify_all();
            }
        } ending{*this, callback};
        (*callback)(std::forward<Values>(values)...);
    }

    // Removes every callback. From any thread but the I/O thread it then
    // waits for the delivery under way, if any, so that none is running when
    // it returns; on the I/O thread (a callback calling clear_callbacks) the
    // only delivery under way is the caller's own, which must not be waited
    // for. It never waits on the event loop, so it returns whether the loop
    // runs, is blocked or has stopped.
    void drop_callbacks()
    {
        callback_set dropped; // destroyed last, without the lock, like set_callback's
        std::unique_lock lock(callback_mutex);
        std::swap(callbacks, dropped);
        if (std::this_thread::get_id() == thread.get_id())
            return;
        callback_done.wait(lock, [this] { return callbacks_running == 0; });
    }

    void count_pending()
    {
        std::lock_guard lock(mutex);
        pending_count = pending.size();
    }

    // ---------------------------------------------------------- the machine

    // Feeds the machine one event and performs what it decides. The public
    // state changes first, so that a future completed by the action (a
    // failed join, a failed command) already sees it.
    void feed(const detail::link_event& event)
    {
        auto action = machine.on(event);
        publish_state();
        perform(std::move(action));
    }

    void publish_state()
    {
        const auto next = machine.public_state();
        {
            std::lock_guard lock(mutex);
            endpoint = machine.endpoint();
            if (state == next)
                return;
            state = next;
        }
        fire(&callback_set::state, next);
    }

    void perform(detail::link_action action)
    {
        using kind = detail::link_action::kind;
        switch (action.what) {
        case kind::none: return;
        case kind::connect: return open_connection(action.url);
        case kind::send_join: return send_join();
        case kind::schedule:
            retry_timer.expires_after(action.delay);
            retry_timer.async_wait([this](beast::error_code ec) {
                if (!ec)
                    feed(detail::link_event::timer());
            });
            return;
        case kind::close_socket:
            // Queued commands go first; the last write's handler closes.
            if (!writing)
                do_close();
            return;
        case kind::give_up: return finish(action);
        }
    }

    // ---------------------------------------------------------- connecting

    void start_connect(std::promise<command_result> done)
    {
        if (machine.state() != detail::link_state::idle) {
            done.set_value(failure(pb::ERROR_CODE_ALREADY_JOINED, "connect() was already called"));
            return;
        }
        if (!detail::parse_ws_url(options.url, options.room_id)) {
            done.set_value(
                failure(pb::ERROR_CODE_UNSPECIFIED, "the url must look like ws://host:port/v1/ws or wss://..."));
            return;
        }
        join_promise = std::move(done);
        feed(detail::link_event::start());
    }

    // The TLS context for wss:// urls, made once (the configured url or a
    // Redirect's may be the first to need it). Empty string when it is ready.
    std::string ensure_tls()
    {
        if (tls)
            return {};
        try {
            auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
            context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                                 asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                                 asio::ssl::context::no_tlsv1_1);
            context->set_verify_mode(asio::ssl::verify_peer);
            if (options.ca_file.empty())
                context->set_default_verify_paths();
            else
                context->load_verify_file(options.ca_file);
            tls = std::move(context);
            return {};
        } catch (const std::exception& e) {
            return std::string("TLS set-up failed: ") + e.what();
        }
    }

    // Drops the current connection, if any, and opens one to url.
    void open_connection(const std::string& url)
    {
        const auto gen = ++generation;
        if (ws && open) {
            // Left for another node (a Redirect): say goodbye politely; its
            // handlers belong to an old generation and are ignored.
            ws->async_close([keep = ws](beast::error_code) {});
        }
        open = false;
        buffer.clear();
        outbox.clear();
        writing = false;
        auto target = detail::parse_ws_url(url, options.room_id);
        if (!target)
            return feed(detail::link_event::open_failed("not a ws:// or wss:// url: " + url));
        if (target->secure)
            if (auto why = ensure_tls(); !why.empty())
                return feed(detail::link_event::open_failed(why));
        ws = detail::make_ws_transport(io, target->secure ? tls.get() : nullptr);
        resolver.async_resolve(
            target->host, target->port,
            [this, gen, target = *target](beast::error_code ec, tcp::resolver::results_type results) {
            if (gen != generation)
                return;
            if (ec)
                return feed(detail::link_event::open_failed("cannot resolve " + target.host + ": " + ec.message()));
            ws->async_open(results, target.host, target.port, target.target, options.max_message_bytes,
                           [this, gen, target, keep = ws](beast::error_code ec) {
                if (gen != generation)
                    return;
                if (ec)
                    return feed(detail::link_event::open_failed("cannot connect to " + target.host + ":" + target.port +
                                                                ": " + ec.message()));
                open = true;
                feed(detail::link_event::opened());
                if (gen == generation)
                    do_read(gen);
            });
            });
    }

    // The same Join on every connection, also one a Redirect led to: room,
    // token, client id, and (after a Welcome) the Resume from (epoch, seq).
    void send_join()
    {
        pb::ClientMessage join;
        join_request = ids.take();
        join.set_request_id(join_request);
        auto* j = join.mutable_join();
        j->set_room_id(options.room_id);
        j->set_token(options.token);
        j->set_client_id(options.client_id);
        j->set_protocol_version(1);
        {
            std::lock_guard lock(mutex);
            if (machine.ever_joined() && !epoch.empty()) {
                j->mutable_resume()->set_epoch(epoch);
                j->mutable_resume()->set_last_seq(replica.seq());
            }
        }
        write(join.SerializeAsString());
    }

    // The end: no reconnect. Fails everything still waiting.
    void finish(const detail::link_action& end)
    {
        if (ws && open)
            ws->async_close([keep = ws](beast::error_code) {});
        open = false;
        ++generation; // ignore whatever the old connection still completes
        retry_timer.cancel();
        const close_info info{true, end.code, end.reason};
        const auto why = failure(end.error, end.message);
        {
            std::lock_guard lock(mutex);
            closed = info;
        }
        if (join_promise) {
            join_promise->set_value(why);
            join_promise.reset();
        }
        for (auto& out : pending.take_all())
            fail(out, why);
        count_pending();
        fire(&callback_set::closed, info);
        if (on_end)
            std::exchange(on_end, nullptr)();
    }

    // ---------------------------------------------------------- reading

    void do_read(std::uint64_t gen)
    {
        ws->async_read(buffer, [this, gen, keep = ws](beast::error_code ec, std::size_t) {
            if (gen != generation)
                return;
            if (ec)
                return on_connection_end(ec);
            pb::ServerFrame frame;
            const auto data = buffer.cdata();
            const bool parsed = frame.ParseFromArray(data.data(), static_cast<int>(data.size()));
            buffer.consume(buffer.size());
            if (parsed)
                for (const auto& message : frame.messages()) {
                    dispatch(message);
                    if (gen != generation)
                        return; // the message ended this connection
                }
            do_read(gen);
        });
    }

    void on_connection_end(beast::error_code ec)
    {
        open = false;
        close_info info;
        info.closed = true;
        if (ec == websocket::error::closed) {
            info.code = static_cast<std::uint16_t>(ws->reason().code);
            info.reason = std::string(ws->reason().reason.data(), ws->reason().reason.size());
        } else {
            info.reason = ec.message();
            // A server message over max_message_bytes (a Welcome of a room
            // larger than this client accepts): a resume would meet the same
            // Welcome, so the end is final, as if the server had sent 1009.
            if (ec == websocket::error::message_too_big)
                info.code = 1009;
        }
        {
            std::lock_guard lock(mutex);
            closed = info;
        }
        ++generation;
        feed(detail::link_event::closed(info.code, info.reason));
    }

    void dispatch(const pb::ServerMessage& message)
    {
        switch (message.body_case()) {
        case pb::ServerMessage::kWelcome: return on_welcome(message.welcome());
        case pb::ServerMessage::kRedirect: {
            // Only the answer to this connection's Join is followed.
            const auto& redirect = message.redirect();
            if (redirect.request_id() != 0 && redirect.request_id() != join_request)
                return;
            return feed(detail::link_event::redirect(redirect.url()));
        }
        case pb::ServerMessage::kEvent: {
            bool applied = false;
            bool gap = false;
            std::optional<pb::Viewport> view;
            {
                std::lock_guard lock(mutex);
                const auto seq = message.event().seq();
                if (seq == replica.seq() + 1) {
                    applied = replica.apply(message.event());
                    if (applied)
                        view = view_request_of(message.event());
                } else {
                    gap = seq > replica.seq() + 1; // an old seq is a harmless repeat
                }
            }
            if (gap) {
                // Never splice: drop the connection; the resume fills the gap.
                ws->abort();
                return;
            }
            if (!applied)
                return;
            fire(&callback_set::event, message.event());
            if (view)
                fire(&callback_set::view, *view);
            if (mentions_me(message.event()))
                fire(&callback_set::mention, message.event().chat_posted().message());
            return;
        }
        case pb::ServerMessage::kAck:
            if (auto done = pending.take(message.ack().request_id())) {
                count_pending();
                if (done->result)
                    done->result->set_value(command_result{true, message.ack().seq(), pb::ERROR_CODE_UNSPECIFIED, {}});
            }
            return;
        case pb::ServerMessage::kError: return on_server_error(message.error());
        case pb::ServerMessage::kParticipantJoined: {
            const auto& p = message.participant_joined().participant();
            {
                std::lock_guard lock(mutex);
                online[p.id()] = p;
                if (p.id() == me.id())
                    me = p;
            }
            fire(&callback_set::joined, p);
            return;
        }
        case pb::ServerMessage::kParticipantLeft: {
            const auto& id = message.participant_left().participant_id();
            {
                std::lock_guard lock(mutex);
                online.erase(id);
            }
            fire(&callback_set::left, id);
            return;
        }
        case pb::ServerMessage::kPresence:
            fire(&callback_set::presence, message.presence());
            if (has_callback(&callback_set::view))
                if (auto view = leader_viewport(message.presence()))
                    fire(&callback_set::view, *view);
            return;
        case pb::ServerMessage::kChatHistory: {
            const auto& h = message.chat_history();
            if (auto* waiting = pending.find(h.request_id()); waiting && waiting->page) {
                chat_page page;
                page.ok = true;
                page.has_more = h.has_more();
                page.messages.assign(h.messages().begin(), h.messages().end());
                auto done = pending.take(h.request_id());
                count_pending();
                done->page->set_value(std::move(page));
            }
            return;
        }
        case pb::ServerMessage::kStateAt: {
            const auto& answer = message.state_at();
            if (auto* waiting = pending.find(answer.request_id()); waiting && waiting->replay) {
                state_at_result replay;
                replay.ok = true;
                replay.state = model::room_state::from_proto(answer.state());
                auto done = pending.take(answer.request_id());
                count_pending();
                done->replay->set_value(std::move(replay));
            }
            return;
        }
        default: return; // a newer server's message this client does not know
        }
    }

    // The view an applied event asks this client's map to move to, if any.
    // Called under the lock, with the event already in the replica.
    std::optional<pb::Viewport> view_request_of(const pb::Event& e) const
    {
        if (e.has_view_shared() && e.actor_id() != me.id())
            return e.view_shared().viewport();
        if (e.has_agenda_step_opened())
            for (const auto& step : replica.data().agenda)
                if (step.id() == e.agenda_step_opened().step_id() && step.has_view())
                    return viewport_of(step.view());
        return std::nullopt;
    }

    // The leader's newest viewport in a presence update, while someone other
    // than me leads.
    std::optional<pb::Viewport> leader_viewport(const pb::PresenceUpdate& update) const
    {
        std::lock_guard lock(mutex);
        const auto& leader = replica.data().follow.leader_id();
        if (leader.empty() || leader == me.id())
            return std::nullopt;
        std::optional<pb::Viewport> view;
        for (const auto& p : update.presence())
            if (p.participant_id() == leader && p.has_viewport())
                view = p.viewport();
        return view;
    }

    bool mentions_me(const pb::Event& e) const
    {
        if (!e.has_chat_posted())
            return false;
        std::lock_guard lock(mutex);
        const auto& m = e.chat_posted().message();
        return m.author_id() != me.id() &&
            std::find(m.mentions().begin(), m.mentions().end(), me.id()) != m.mentions().end();
    }

    void on_welcome(const pb::Welcome& w)
    {
        if (machine.state() != detail::link_state::joining)
            return; // not an answer to a Join of ours
        {
            std::lock_guard lock(mutex);
            // Recovered: the replica stays and the missed events follow.
            if (!w.recovered())
                replica = model::room_state::from_proto(w.state());
            epoch = w.epoch();
            me = w.you();
            ballot_id = w.ballot_id();
            // No server time (an older server): assume the clocks agree.
            clock_offset_ms = w.server_time_ms() == 0 ? 0 : w.server_time_ms() - local_time_ms();
            online.clear();
            for (const auto& p : w.online())
                online[p.id()] = p;
        }
        feed(detail::link_event::welcome());
        fire(&callback_set::welcome, w.recovered());
        if (join_promise) {
            join_promise->set_value(command_result{true, w.state().seq(), pb::ERROR_CODE_UNSPECIFIED, {}});
            join_promise.reset();
        }
        // Everything unanswered goes (again), in the order it was issued; the
        // server acks a command it already applied with its original seq.
        for (const auto* bytes : pending.resend())
            write(*bytes);
    }

    void on_server_error(const pb::Error& error)
    {
        const auto id = error.request_id();
        if (id != 0 && id == join_request) {
            // The server closes the connection after refusing a Join.
            feed(detail::link_event::join_refused(error.code(), error.message()));
            return;
        }
        std::optional<outgoing> refused;
        switch (pending.on_error(id, error.code(), machine.will_resume(), refused)) {
        case detail::error_verdict::keep: return;
        case detail::error_verdict::fail:
            count_pending();
            fail(*refused, failure(error.code(), error.message()));
            return;
        case detail::error_verdict::unknown: fire(&callback_set::error, error); return;
        }
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
        const auto gen = generation;
        ws->async_write(asio::buffer(outbox.front()), [this, gen, keep = ws](beast::error_code ec, std::size_t) {
            if (gen != generation)
                return;
            outbox.pop_front();
            writing = false;
            if (ec)
                return; // the read side reports the end of the connection
            if (!outbox.empty())
                return do_write();
            if (machine.state() == detail::link_state::closing)
                do_close();
        });
    }

    // Starts the close handshake of the live connection; its read then ends
    // with the server's close frame, which ends the client.
    void do_close()
    {
        if (!open)
            return;
        open = false;
        ws->async_close([keep = ws](beast::error_code) {});
    }

    // Queues a request: written now when joined, else after the next Welcome.
    void submit(std::uint64_t request_id, std::string bytes, outgoing out)
    {
        if (!machine.accepts_requests()) {
            fail(out, failure(pb::ERROR_CODE_UNSPECIFIED, "not connected"));
            return;
        }
        if (!pending.add(request_id, std::move(bytes), out)) {
            fail(out,
                 failure(pb::ERROR_CODE_UNSPECIFIED,
                         "too many requests waiting for an answer (" + std::to_string(pending.capacity()) +
                             "): wait for some to be answered"));
            return;
        }
        count_pending();
        if (open && machine.state() == detail::link_state::joined)
            write(*pending.bytes(request_id));
    }

    template <class Promise>
    auto post_request(pb::ClientMessage message, std::optional<Promise> outgoing::*which)
    {
        message.set_request_id(ids.take());
        outgoing out;
        auto future = (out.*which).emplace().get_future();
        asio::post(io,
                   [this, id = message.request_id(), bytes = message.SerializeAsString(),
                    out = std::move(out)]() mutable { submit(id, std::move(bytes), std::move(out)); });
        return future;
    }

    std::future<command_result> send(pb::ClientMessage message)
    {
        return post_request(std::move(message), &outgoing::result);
    }

    std::future<state_at_result> send_replay(pb::ClientMessage message)
    {
        return post_request(std::move(message), &outgoing::replay);
    }

    std::future<chat_page> send_history(pb::ClientMessage message)
    {
        return post_request(std::move(message), &outgoing::page);
    }

    // Presence is not retried: the next update supersedes it.
    void send_untracked(pb::ClientMessage message)
    {
        message.set_request_id(ids.take());
        asio::post(io, [this, bytes = message.SerializeAsString()]() mutable {
            if (open && machine.state() == detail::link_state::joined)
                write(std::move(bytes));
        });
    }
};

client::client(client_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

client::~client()
{
    // No callback runs once destruction started (what they capture may
    // already be gone): removed here, and the one under way, if any, is
    // waited for.
    impl_->drop_callbacks();
    // Close politely, wait a bounded time for the close handshake (a dead
    // peer must not hang the caller), then stop the thread.
    std::promise<void> ended;
    auto done = ended.get_future();
    asio::post(impl_->io, [i = impl_.get(), &ended] {
        i->on_end = [&ended] { ended.set_value(); };
        i->feed(detail::link_event::user_close());
        if (!i->open && i->on_end)
            std::exchange(i->on_end, nullptr)();
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
    asio::post(impl_->io, [i = impl_.get()] { i->feed(detail::link_event::user_close()); });
}

void client::drop_connection()
{
    asio::post(impl_->io, [i = impl_.get()] {
        if (i->ws && i->open)
            i->ws->abort();
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

std::future<command_result> client::delete_feature(std::string id, std::string reason)
{
    pb::ClientMessage m;
    m.mutable_delete_feature()->set_id(std::move(id));
    m.mutable_delete_feature()->set_reason(std::move(reason));
    return impl_->send(std::move(m));
}

std::future<command_result> client::send_chat(std::string text, std::uint64_t reply_to, std::string feature_id,
                                              std::vector<std::string> mentions)
{
    pb::ClientMessage m;
    auto* chat = m.mutable_send_chat();
    chat->set_text(std::move(text));
    chat->set_reply_to(reply_to);
    chat->set_feature_id(std::move(feature_id));
    for (auto& id : mentions)
        chat->add_mentions(std::move(id));
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

std::future<state_at_result> client::state_at_seq(std::uint64_t seq)
{
    pb::ClientMessage m;
    m.mutable_get_state_at()->set_seq(seq);
    return impl_->send_replay(std::move(m));
}

std::future<state_at_result> client::state_at_time(std::int64_t time_ms)
{
    pb::ClientMessage m;
    m.mutable_get_state_at()->set_time_ms(time_ms);
    return impl_->send_replay(std::move(m));
}

std::future<command_result> client::refresh_token(std::string token)
{
    pb::ClientMessage m;
    m.mutable_refresh_token()->set_token(token);
    // Later reconnects join with the new token.
    asio::post(impl_->io,
               [i = impl_.get(), token = std::move(token)]() mutable { i->options.token = std::move(token); });
    return impl_->send(std::move(m));
}

std::future<chat_page> client::chat_history(std::uint64_t before_seq, std::uint32_t limit)
{
    pb::ClientMessage m;
    m.mutable_get_chat_history()->set_before_seq(before_seq);
    m.mutable_get_chat_history()->set_limit(limit);
    return impl_->send_history(std::move(m));
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

connection_state client::state() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->state;
}

std::string client::endpoint() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->endpoint;
}

std::size_t client::pending_commands() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->pending_count;
}

std::string client::epoch() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->epoch;
}

const std::string& client::client_id() const
{
    return impl_->options.client_id;
}

std::chrono::milliseconds client::server_clock_offset() const
{
    std::lock_guard lock(impl_->mutex);
    return std::chrono::milliseconds(impl_->clock_offset_ms);
}

std::int64_t client::timer_remaining_ms() const
{
    std::lock_guard lock(impl_->mutex);
    return remaining_ms(impl_->replica.data().timer, local_time_ms() + impl_->clock_offset_ms);
}

std::string client::ballot_id() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->ballot_id;
}

void client::on_event(std::function<void(const pb::Event&)> cb)
{
    impl_->set_callback(&impl::callback_set::event, std::move(cb));
}

void client::on_presence(std::function<void(const pb::PresenceUpdate&)> cb)
{
    impl_->set_callback(&impl::callback_set::presence, std::move(cb));
}

void client::on_participant_joined(std::function<void(const pb::Participant&)> cb)
{
    impl_->set_callback(&impl::callback_set::joined, std::move(cb));
}

void client::on_participant_left(std::function<void(const std::string&)> cb)
{
    impl_->set_callback(&impl::callback_set::left, std::move(cb));
}

void client::on_error(std::function<void(const pb::Error&)> cb)
{
    impl_->set_callback(&impl::callback_set::error, std::move(cb));
}

void client::on_closed(std::function<void(const close_info&)> cb)
{
    impl_->set_callback(&impl::callback_set::closed, std::move(cb));
}

void client::on_state(std::function<void(connection_state)> cb)
{
    impl_->set_callback(&impl::callback_set::state, std::move(cb));
}

void client::on_welcome(std::function<void(bool)> cb)
{
    impl_->set_callback(&impl::callback_set::welcome, std::move(cb));
}

void client::on_view_request(std::function<void(const pb::Viewport&)> cb)
{
    impl_->set_callback(&impl::callback_set::view, std::move(cb));
}

void client::on_mention(std::function<void(const pb::ChatMessage&)> cb)
{
    impl_->set_callback(&impl::callback_set::mention, std::move(cb));
}

void client::clear_callbacks()
{
    impl_->drop_callbacks();
}

} // namespace maptable
