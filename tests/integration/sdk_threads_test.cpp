// The C++ SDK from several threads against a real server: callbacks set,
// replaced and cleared from other threads and from inside callbacks while a
// second client floods the room with events. What is checked is what an
// application can see: no callback starts after clear_callbacks() returned,
// clear_callbacks() from a callback returns, a callback that replaces itself
// keeps what it captured until it ends, and the replica still converges.
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

// A guard against a hang, not a measurement.
constexpr auto hang_guard = std::chrono::seconds(30);

const std::string room = "sdk-threads";

// Far above the default rates, so a flood is never refused as one.
std::vector<std::string> flood_args()
{
    return {"--command-rate", "1000000", "--command-burst", "1000000"};
}

struct flood_result {
    std::uint64_t last_seq = 0; // the last seq acknowledged
    int failures = 0;           // commands refused or unanswered
};

// Sends count chat messages, window unanswered at a time. Never throws, so
// it can run on a thread of its own.
flood_result flood(client& c, int count, const std::string& tag, std::size_t window = 32)
{
    std::deque<std::future<command_result>> in_flight;
    flood_result out;
    auto settle = [&] {
        auto future = std::move(in_flight.front());
        in_flight.pop_front();
        if (future.wait_for(hang_guard) != std::future_status::ready) {
            ++out.failures;
            return;
        }
        const auto result = future.get();
        if (!result.ok)
            ++out.failures;
        out.last_seq = std::max(out.last_seq, result.seq);
    };
    for (int i = 0; i < count; ++i) {
        in_flight.push_back(c.send_chat(tag + "-" + std::to_string(i)));
        while (in_flight.size() >= window)
            settle();
    }
    while (!in_flight.empty())
        settle();
    return out;
}

// As flood(), on the test's thread: every command must be acknowledged.
std::uint64_t flood_ok(client& c, int count, const std::string& tag)
{
    const auto result = flood(c, count, tag);
    REQUIRE(result.failures == 0);
    return result.last_seq;
}

// A text long enough that a callable capturing it lives on the heap, with its
// own heap buffer: a callable destroyed while it runs shows as a text that
// changed under it.
std::string long_tag(int round)
{
    return "round-" + std::to_string(round) + "-" + std::string(96, 'x');
}

// Counts, for one listening client, the callbacks of each round of the
// setter thread, and every start of a round's callback after that round's
// clear_callbacks() had returned.
class round_book {
public:
    // Called at the start of every callback of round r.
    void started(int r, const std::string& captured)
    {
        if (r <= cleared_round_.load())
            late_starts_.fetch_add(1);
        if (captured != long_tag(r))
            torn_captures_.fetch_add(1);
        std::lock_guard lock(mutex_);
        ++calls_;
        if (r == current_round_)
            ++calls_this_round_;
        changed_.notify_all();
    }

    void begin_round(int r)
    {
        std::lock_guard lock(mutex_);
        current_round_ = r;
        calls_this_round_ = 0;
    }

    // Waits until a callback of this round ran or the flood is over, so the
    // clear below races with deliveries rather than with an idle client.
    void wait_for_a_call(const std::atomic<bool>& flood_over)
    {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, hang_guard, [&] { return calls_this_round_ > 0 || flood_over; });
    }

    void flood_ended()
    {
        std::lock_guard lock(mutex_);
        changed_.notify_all();
    }

    void cleared(int r) { cleared_round_.store(r); }

    int late_starts() const { return late_starts_.load(); }
    int torn_captures() const { return torn_captures_.load(); }
    std::uint64_t calls()
    {
        std::lock_guard lock(mutex_);
        return calls_;
    }

private:
    std::atomic<int> cleared_round_{0};
    std::atomic<int> late_starts_{0};
    std::atomic<int> torn_captures_{0};
    std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t calls_ = 0;
    int current_round_ = 0;
    std::uint64_t calls_this_round_ = 0;
};

} // namespace

TEST_CASE("callbacks set, replaced and cleared from another thread while events flood in: none starts after "
          "clear_callbacks returned")
{
    server_process server(flood_args());
    client listener(server.options(room, "listener"));
    join_or_fail(listener);
    client writer(server.options(room, "writer"));
    join_or_fail(writer);

    // The writer floods until the setter thread is done with its rounds (and
    // stops after 100,000 messages whatever happens).
    round_book book;
    constexpr int rounds = 300;
    std::atomic<bool> rounds_done{false};
    std::atomic<bool> flood_over{false};
    flood_result flooded;
    std::thread flooder([&] {
        for (int sent = 0; !rounds_done && sent < 100000; sent += 100) {
            const auto part = flood(writer, 100, "flood-" + std::to_string(sent));
            flooded.last_seq = std::max(flooded.last_seq, part.last_seq);
            flooded.failures += part.failures;
        }
        flood_over = true;
        book.flood_ended();
    });

    // Each round sets every callback the flood can reach (and replaces
    // on_event a few times while events arrive), waits for one to run, then
    // clears them all.
    int rounds_run = 0;
    for (int r = 1; r <= rounds && !flood_over; ++r) {
        book.begin_round(r);
        for (int replace = 0; replace < 4; ++replace)
            listener.on_event([&book, r, tag = long_tag(r)](const pb::Event&) { book.started(r, tag); });
        listener.on_presence([&book, r, tag = long_tag(r)](const pb::PresenceUpdate&) { book.started(r, tag); });
        listener.on_participant_joined([&book, r, tag = long_tag(r)](const pb::Participant&) { book.started(r, tag); });
        listener.on_participant_left([&book, r, tag = long_tag(r)](const std::string&) { book.started(r, tag); });
        listener.on_error([&book, r, tag = long_tag(r)](const pb::Error&) { book.started(r, tag); });
        listener.on_state([&book, r, tag = long_tag(r)](connection_state) { book.started(r, tag); });
        listener.on_welcome([&book, r, tag = long_tag(r)](bool) { book.started(r, tag); });
        listener.on_mention([&book, r, tag = long_tag(r)](const pb::ChatMessage&) { book.started(r, tag); });
        book.wait_for_a_call(flood_over);
        listener.clear_callbacks();
        book.cleared(r);
        rounds_run = r;
    }
    rounds_done = true;
    flooder.join();
    CHECK(flooded.failures == 0);
    REQUIRE(flooded.last_seq > 0);
    const auto last_seq = flooded.last_seq;

    // The replica kept up through all of it. Awaited as a seq, not as
    // events: a reader this slow (sanitizers, a busy machine) may have been
    // closed as a slow consumer and resumed with the room's state instead of
    // the events it missed, which then never arrive as events.
    {
        // Owned by the callbacks too: one still running when this block ends keeps it alive.
        struct waker {
            std::mutex m;
            std::condition_variable changed;
            void wake()
            {
                std::lock_guard lock(m);
                changed.notify_all();
            }
        };
        auto w = std::make_shared<waker>();
        listener.on_event([w](const pb::Event&) { w->wake(); });
        listener.on_welcome([w](bool) { w->wake(); });
        std::unique_lock lock(w->m);
        REQUIRE(w->changed.wait_for(lock, std::chrono::seconds(60), [&] { return listener.seq() >= last_seq; }));
    }
    listener.clear_callbacks();
    CHECK(listener.seq() == last_seq);
    CHECK(listener.replica().canonical_hash() == writer.replica().canonical_hash());

    MESSAGE("rounds=" << rounds_run << " callbacks=" << book.calls());
    CHECK(rounds_run == rounds);
    CHECK(book.calls() >= static_cast<std::uint64_t>(rounds));
    CHECK(book.late_starts() == 0);
    CHECK(book.torn_captures() == 0);
}

TEST_CASE("a callback that calls clear_callbacks returns from it, and no callback runs after it")
{
    server_process server(flood_args());
    // Held by pointer: if clear_callbacks deadlocked the client's thread, the
    // test fails and leaves the client behind rather than hang in its
    // destructor.
    auto listener = std::make_unique<client>(server.options(room, "listener"));
    join_or_fail(*listener);
    client writer(server.options(room, "writer"));
    join_or_fail(writer);

    std::atomic<int> calls{0};
    std::promise<void> returned;
    auto cleared = returned.get_future();
    listener->on_event([&, c = listener.get()](const pb::Event&) {
        if (calls.fetch_add(1) > 0)
            return;
        c->clear_callbacks();
        returned.set_value();
    });
    flood_ok(writer, 50, "before");
    if (cleared.wait_for(hang_guard) != std::future_status::ready) {
        (void)listener.release();
        FAIL("clear_callbacks from a callback did not return: the client's thread is stuck");
    }

    // A new callback, set after the clear, sees what follows; the cleared one
    // never ran again.
    const auto last = flood_ok(writer, 50, "after");
    event_recorder recorder(*listener);
    REQUIRE(recorder.wait_for_seq(last));
    CHECK(calls == 1);
    CHECK(listener->seq() == last);
}

TEST_CASE("a callback that replaces itself keeps what it captured until it returns")
{
    server_process server(flood_args());
    auto listener = std::make_unique<client>(server.options(room, "listener"));
    join_or_fail(*listener);
    client writer(server.options(room, "writer"));
    join_or_fail(writer);

    // Each callback replaces itself with the next round's, then reads the
    // text it captured: the replaced callable must live until it returns.
    std::atomic<int> runs{0};
    std::atomic<int> torn{0};
    std::atomic<bool> replacing{true};
    std::function<void(int)> install = [&](int r) {
        listener->on_event([&, r, tag = long_tag(r)](const pb::Event&) {
            if (replacing)
                install(r + 1);
            if (tag != long_tag(r))
                torn.fetch_add(1);
            runs.fetch_add(1);
        });
    };
    install(1);
    const auto last = flood_ok(writer, 500, "self");

    // Once cleared, no self-replacing callback is running or can start, so
    // none puts itself back over the recorder's.
    replacing = false;
    listener->clear_callbacks();
    event_recorder recorder(*listener);
    REQUIRE(recorder.wait_for_seq(last));
    MESSAGE("self-replacing runs=" << runs.load());
    CHECK(runs > 0);
    CHECK(torn == 0);
}

TEST_CASE("clear_callbacks from a closed callback and after the client closed for good returns")
{
    server_process server;
    auto o = server.options(room, "listener");
    o.reconnect = false;
    auto listener = std::make_unique<client>(o);
    join_or_fail(*listener);

    std::promise<void> returned;
    auto cleared = returned.get_future();
    listener->on_closed([&, c = listener.get()](const close_info&) {
        c->clear_callbacks();
        returned.set_value();
    });
    server.stop();
    if (cleared.wait_for(hang_guard) != std::future_status::ready) {
        (void)listener.release();
        FAIL("clear_callbacks from on_closed did not return: the client's thread is stuck");
    }
    CHECK(listener->state() == connection_state::closed);
    // Closed for good: nothing delivers any more, and clearing still returns.
    listener->on_event([](const pb::Event&) {});
    listener->clear_callbacks();
    CHECK(listener->state() == connection_state::closed);
}
