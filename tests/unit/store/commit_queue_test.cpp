// The commit queue: group commit, per-submission results, ordering of jobs
// and appends, batch bounds, shutdown. The writer is held still with a job
// that waits on a promise, never with sleeps, so every grouping asserted
// here is deterministic.
#include "store/commit_queue.hpp"
#include "store/log_upkeep.hpp"
#include "store/sqlite_event_log.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace maptable::store;
using maptable::store::testing::temp_dir;

namespace {

event_record event(const std::string& room, std::uint64_t seq, const std::string& client = "", std::uint64_t op = 0)
{
    event_record r;
    r.room_id = room;
    r.seq = seq;
    r.client_id = client;
    r.op_id = op;
    r.bytes = room + "#" + std::to_string(seq);
    return r;
}

std::vector<std::string> bodies(const std::string& room, std::uint64_t first, std::uint64_t last)
{
    std::vector<std::string> out;
    for (auto s = first; s <= last; ++s)
        out.push_back(room + "#" + std::to_string(s));
    return out;
}

std::unique_ptr<event_log> open_log(const temp_dir& dir)
{
    return std::make_unique<sqlite_event_log>(dir.file("log.db"));
}

room_history load_via(commit_queue& queue, const std::string& room)
{
    std::promise<room_history> result;
    auto future = result.get_future();
    queue.run([&](event_log& log) { result.set_value(log.load(room)); });
    return future.get();
}

// Holds the writer inside a job until release() (or destruction), so that
// everything submitted meanwhile is queued behind it. Declare it after the
// queue: destroying it first releases a writer a failed test left waiting.
class writer_gate {
public:
    explicit writer_gate(commit_queue& queue)
    {
        auto entered = entered_.get_future();
        queue.run([this, released = release_.get_future().share()](event_log&) {
            entered_.set_value();
            released.wait();
        });
        entered.wait();
    }
    ~writer_gate() { release(); }
    void release()
    {
        if (!released_) {
            released_ = true;
            release_.set_value();
        }
    }

private:
    std::promise<void> entered_;
    std::promise<void> release_;
    bool released_ = false;
};

// Collects each submission's result by index.
struct results {
    explicit results(std::size_t n) : codes(n, -1) {}
    commit_queue::append_done at(std::size_t i)
    {
        return [this, i](append_error e) { codes[i] = int(e); };
    }
    std::vector<int> codes; // written on the writer thread; read after drain()
};

// An event_log whose every call but append answers "nothing stored": the
// base of the logs below, which watch the queue's calls without a database.
class appends_only_log : public event_log {
public:
    room_history load(const std::string&, const load_options&) override { return {}; }
    std::size_t rotate_epochs() override { return 0; }
    void save_snapshot(const std::string&, std::uint64_t, const std::string&) override {}
    std::vector<std::string> chat_before(const std::string&, std::uint64_t, std::uint32_t) override { return {}; }
    std::optional<std::uint64_t> find_op(const std::string&, const std::string&, std::uint64_t) override
    {
        return std::nullopt;
    }
    std::vector<std::string> chat_changes(const std::string&, std::uint64_t, std::uint64_t) override { return {}; }
    std::vector<std::string> events_between(const std::string&, std::uint64_t, std::uint64_t) override { return {}; }
    std::optional<std::uint64_t> seq_at_time(const std::string&, std::int64_t, std::uint64_t) override
    {
        return std::nullopt;
    }
    std::optional<stored_snapshot> snapshot_at_most(const std::string&, std::uint64_t) override { return std::nullopt; }
    void revoke(const std::string&, std::int64_t) override {}
    std::vector<std::pair<std::string, std::int64_t>> revocations() override { return {}; }
};

// An event_log that fails any append containing a record of room "bad", and
// counts calls, to watch the retry logic without a database.
class scripted_log final : public appends_only_log {
public:
    explicit scripted_log(std::atomic<int>& calls) : calls_(calls) {}
    append_error append(std::span<const event_record> records) override
    {
        ++calls_;
        for (const auto& r : records) {
            if (r.room_id == "bad")
                return append_error::io;
        }
        return append_error::ok;
    }
    bool still_writable() override { return on_check ? on_check() : true; }

    std::function<bool()> on_check; // set before the queue is made; called on the writer thread

private:
    std::atomic<int>& calls_;
};

} // namespace

TEST_CASE("submissions from several threads are all committed and acked")
{
    temp_dir dir;
    commit_queue queue(open_log(dir), 64);
    constexpr int threads = 4;
    constexpr int per_thread = 50;
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};

    std::vector<std::thread> submitters;
    for (int t = 0; t < threads; ++t) {
        submitters.emplace_back([&, t] {
            const std::string room = "room-" + std::to_string(t);
            for (std::uint64_t i = 0; i < per_thread; ++i) {
                std::vector<event_record> batch{event(room, 2 * i + 1), event(room, 2 * i + 2, "c", i + 1)};
                queue.append(std::move(batch), [&](append_error e) { ++(e == append_error::ok ? ok : failed); });
            }
        });
    }
    for (auto& s : submitters)
        s.join();
    queue.drain();

    CHECK(ok == threads * per_thread);
    CHECK(failed == 0);
    CHECK(queue.commits() >= 1);
    CHECK(queue.commits() <= std::size_t(threads * per_thread));
    for (int t = 0; t < threads; ++t) {
        const std::string room = "room-" + std::to_string(t);
        CHECK(load_via(queue, room).events == bodies(room, 1, 2 * per_thread));
    }
}

TEST_CASE("appends queued together are committed in one transaction")
{
    temp_dir dir;
    commit_queue queue(open_log(dir));
    const auto before = queue.commits();
    constexpr std::size_t n = 10;
    results got(n);
    {
        writer_gate gate(queue);
        for (std::size_t i = 0; i < n; ++i) {
            queue.append({event("room-" + std::to_string(i % 3), i + 1)}, got.at(i));
        }
        gate.release();
        queue.drain();
    }
    CHECK(queue.commits() - before == 1);
    for (std::size_t i = 0; i < n; ++i)
        CHECK(got.codes[i] == int(append_error::ok));
}

TEST_CASE("a duplicate in one submission fails only that submission")
{
    temp_dir dir;
    commit_queue queue(open_log(dir));
    results first(1);
    queue.append({event("r", 1, "alice", 1)}, first.at(0));
    queue.drain();
    REQUIRE(first.codes[0] == int(append_error::ok));

    results got(4);
    {
        writer_gate gate(queue);
        queue.append({event("r", 2), event("r", 3)}, got.at(0));
        queue.append({event("r", 4), event("r", 1)}, got.at(1)); // seq 1 taken
        queue.append({event("r", 4), event("r", 5)}, got.at(2));
        queue.append({event("r", 6, "alice", 1)}, got.at(3)); // op (alice, 1) taken
        gate.release();
        queue.drain();
    }
    CHECK(got.codes[0] == int(append_error::ok));
    CHECK(got.codes[1] == int(append_error::duplicate));
    CHECK(got.codes[2] == int(append_error::ok));
    CHECK(got.codes[3] == int(append_error::duplicate));
    CHECK(load_via(queue, "r").events == bodies("r", 1, 5));
}

TEST_CASE("a failed shared transaction is retried per submission")
{
    std::atomic<int> calls{0};
    commit_queue queue(std::make_unique<scripted_log>(calls));
    results got(3);
    {
        writer_gate gate(queue);
        queue.append({event("a", 1)}, got.at(0));
        queue.append({event("bad", 1)}, got.at(1));
        queue.append({event("c", 1)}, got.at(2));
        gate.release();
        queue.drain();
    }
    CHECK(calls == 1 + 3); // the shared attempt, then each alone
    CHECK(got.codes[0] == int(append_error::ok));
    CHECK(got.codes[1] == int(append_error::io));
    CHECK(got.codes[2] == int(append_error::ok));
    CHECK(queue.commits() == 2);
}

TEST_CASE("a job sees every append submitted before it")
{
    temp_dir dir;
    commit_queue queue(open_log(dir));
    for (std::uint64_t s = 1; s <= 5; ++s)
        queue.append({event("r", s)}, nullptr);
    // No drain: the job is ordered after the appends by the queue itself.
    CHECK(load_via(queue, "r").events == bodies("r", 1, 5));
}

TEST_CASE("jobs and appends run in submission order")
{
    temp_dir dir;
    commit_queue queue(open_log(dir));
    std::vector<std::size_t> seen; // touched only on the writer thread
    {
        writer_gate gate(queue);
        queue.append({event("r", 1)}, nullptr);
        queue.run([&](event_log& log) { seen.push_back(log.load("r").events.size()); });
        queue.append({event("r", 2)}, nullptr);
        queue.append({event("r", 3)}, nullptr);
        queue.run([&](event_log& log) { seen.push_back(log.load("r").events.size()); });
        gate.release();
        queue.drain();
    }
    CHECK(seen == std::vector<std::size_t>{1, 3});
}

TEST_CASE("max_batch_events splits a burst into several transactions")
{
    temp_dir dir;
    commit_queue queue(open_log(dir), 4);
    const auto before = queue.commits();
    results got(10);
    {
        writer_gate gate(queue);
        for (std::size_t i = 0; i < 10; ++i)
            queue.append({event("r", i + 1)}, got.at(i));
        gate.release();
        queue.drain();
    }
    CHECK(queue.commits() - before == 3); // 4 + 4 + 2
    for (auto code : got.codes)
        CHECK(code == int(append_error::ok));
    CHECK(load_via(queue, "r").events == bodies("r", 1, 10));
}

TEST_CASE("a submission larger than max_batch_events is committed alone, whole")
{
    temp_dir dir;
    commit_queue queue(open_log(dir), 4);
    const auto before = queue.commits();
    results got(3);
    {
        writer_gate gate(queue);
        queue.append({event("r", 1)}, got.at(0));
        std::vector<event_record> big;
        for (std::uint64_t s = 2; s <= 7; ++s)
            big.push_back(event("r", s));
        queue.append(std::move(big), got.at(1));
        queue.append({event("r", 8)}, got.at(2));
        gate.release();
        queue.drain();
    }
    CHECK(queue.commits() - before == 3);
    for (auto code : got.codes)
        CHECK(code == int(append_error::ok));
    CHECK(load_via(queue, "r").events == bodies("r", 1, 8));
}

TEST_CASE("an empty submission is acked without a transaction")
{
    temp_dir dir;
    commit_queue queue(open_log(dir));
    results got(1);
    queue.append({}, got.at(0));
    queue.drain();
    CHECK(got.codes[0] == int(append_error::ok));
    CHECK(queue.commits() == 0);
}

TEST_CASE("a completion may submit more work")
{
    temp_dir dir;
    commit_queue queue(open_log(dir));
    std::promise<append_error> second;
    auto second_done = second.get_future();
    queue.append({event("r", 1)},
                 [&](append_error) { queue.append({event("r", 2)}, [&](append_error e) { second.set_value(e); }); });
    CHECK(second_done.get() == append_error::ok);
    CHECK(load_via(queue, "r").events == bodies("r", 1, 2));
}

TEST_CASE("a job that throws does not stop the writer")
{
    temp_dir dir;
    commit_queue queue(open_log(dir));
    queue.run([](event_log&) { throw std::runtime_error("job failed"); });
    std::promise<append_error> done;
    auto result = done.get_future();
    queue.append({event("r", 1)}, [&](append_error e) { done.set_value(e); });
    CHECK(result.get() == append_error::ok);
}

TEST_CASE("destroying the queue finishes everything queued")
{
    temp_dir dir;
    std::atomic<int> ok{0};
    {
        commit_queue queue(open_log(dir), 3);
        for (std::uint64_t s = 1; s <= 20; ++s) {
            queue.append({event("r", s)}, [&](append_error e) { ok += e == append_error::ok; });
        }
    }
    CHECK(ok == 20);
    sqlite_event_log reopened(dir.file("log.db"));
    CHECK(reopened.load("r").events == bodies("r", 1, 20));
}

// The commit window: one transaction per few milliseconds or per N events,
// whichever comes first, so that one fsync covers many rooms' events. A window of an hour stands for "never by time":
// each case below can only finish because a full batch or the destructor ends the window, and would hang (and fail at
// CTest's timeout) if they did not.
constexpr std::chrono::hours never{1};

TEST_CASE("an idle writer commits at once; under load appends gather for the window until a batch is full")
{
    temp_dir dir;
    commit_queue queue(open_log(dir), 4, never);
    const auto before = queue.commits();
    std::vector<std::promise<append_error>> done(5);
    std::vector<std::future<append_error>> acked;
    for (auto& d : done)
        acked.push_back(d.get_future());
    const auto append = [&](std::size_t i) {
        queue.append({event("r", i + 1)}, [&done, i](append_error e) { done[i].set_value(e); });
    };
    // The writer has committed nothing yet: the first append is not held.
    append(0);
    CHECK(acked[0].get() == append_error::ok);
    CHECK(queue.commits() - before == 1);
    // A transaction just ended: the window is open, so the next append waits
    // for more (without a window it would be acked within microseconds)...
    append(1);
    CHECK(acked[1].wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
    // ...until max_batch_events (4) are waiting.
    for (std::size_t i = 2; i < 5; ++i)
        append(i);
    for (std::size_t i = 1; i < 5; ++i)
        CHECK(acked[i].get() == append_error::ok);
    CHECK(queue.commits() - before == 2);
    CHECK(load_via(queue, "r").events == bodies("r", 1, 5));
}

TEST_CASE("destroying the queue ends a commit window at once")
{
    temp_dir dir;
    std::atomic<int> ok{0};
    {
        commit_queue queue(open_log(dir), 1024, never);
        std::promise<void> first;
        queue.append({event("r", 1)}, [&](append_error e) {
            ok += e == append_error::ok;
            first.set_value();
        });
        first.get_future().wait();
        // Under load now: this one waits in a window of an hour.
        queue.append({event("r", 2)}, [&](append_error e) { ok += e == append_error::ok; });
    }
    CHECK(ok == 2);
    sqlite_event_log reopened(dir.file("log.db"));
    CHECK(reopened.load("r").events == bodies("r", 1, 2));
}

TEST_CASE("a queue without a log is refused")
{
    CHECK_THROWS_AS(commit_queue(nullptr), std::invalid_argument);
}

// ------------------------------------------------------------------ readers

namespace {

commit_queue::open_log reader_of(const temp_dir& dir)
{
    return [path = dir.file("log.db")] {
        return std::make_unique<sqlite_event_log>(path, durability::full, log_access::read_only);
    };
}

// The events 1..last of room as a read sees them. Fails (instead of hanging)
// when the read is not answered within 30 s: a read stuck behind a held
// writer never would be.
std::vector<std::string> read_via(commit_queue& queue, const std::string& room, std::uint64_t last)
{
    auto result = std::make_shared<std::promise<std::vector<std::string>>>();
    auto future = result->get_future();
    queue.read([result, room, last](event_log& log) { result->set_value(log.events_between(room, 1, last)); });
    REQUIRE_MESSAGE(future.wait_for(std::chrono::seconds(30)) == std::future_status::ready,
                    "the read was not answered");
    return future.get();
}

} // namespace

TEST_CASE("a read on a reader connection sees every commit acked before it was asked for")
{
    temp_dir dir;
    commit_queue queue(open_log(dir), 1024, std::chrono::microseconds(0), reader_of(dir), 2);
    for (std::uint64_t seq = 1; seq <= 200; ++seq) {
        std::promise<append_error> acked;
        auto ack = acked.get_future();
        queue.append({event("r", seq)}, [&](append_error e) { acked.set_value(e); });
        REQUIRE(ack.get() == append_error::ok);
        REQUIRE(read_via(queue, "r", 1000) == bodies("r", 1, seq));
    }
}

TEST_CASE("a read does not wait behind the writer, and a commit does not wait behind a read")
{
    temp_dir dir;
    commit_queue queue(open_log(dir), 1024, std::chrono::microseconds(0), reader_of(dir), 1);
    std::promise<append_error> first;
    queue.append({event("r", 1)}, [&](append_error e) { first.set_value(e); });
    REQUIRE(first.get_future().get() == append_error::ok);

    SUBCASE("the writer is busy")
    {
        writer_gate gate(queue); // the writer is held inside a job
        // Answered while the writer still holds: the read never queued behind it.
        CHECK(read_via(queue, "r", 10) == bodies("r", 1, 1));
    }
    SUBCASE("the reader is busy")
    {
        std::promise<void> entered, release;
        queue.read([&, released = release.get_future().share()](event_log&) {
            entered.set_value();
            released.wait();
        });
        entered.get_future().wait(); // the only reader is held inside a read
        std::promise<append_error> second;
        queue.append({event("r", 2)}, [&](append_error e) { second.set_value(e); });
        auto committed = second.get_future();
        // Acked while the reader still holds: the commit never queued behind the read.
        const bool acked = committed.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
        release.set_value();
        REQUIRE_MESSAGE(acked, "the commit waited behind a read");
        CHECK(committed.get() == append_error::ok);
        CHECK(read_via(queue, "r", 10) == bodies("r", 1, 2));
    }
}

TEST_CASE("a reader's log is read-only: a read that writes fails and the writer's log is untouched")
{
    temp_dir dir;
    commit_queue queue(open_log(dir), 1024, std::chrono::microseconds(0), reader_of(dir), 1);
    std::promise<append_error> tried;
    queue.read([&](event_log& log) { tried.set_value(log.append(std::vector<event_record>{event("r", 1)})); });
    CHECK(tried.get_future().get() == append_error::io);
    queue.drain();
    CHECK(load_via(queue, "r").events.empty());
}

TEST_CASE("destroying the queue finishes the reads queued")
{
    temp_dir dir;
    std::atomic<int> done{0};
    {
        commit_queue queue(open_log(dir), 1024, std::chrono::microseconds(0), reader_of(dir), 1);
        std::promise<void> release;
        queue.read([released = release.get_future().share()](event_log&) { released.wait(); });
        for (int i = 0; i < 10; ++i)
            queue.read([&](event_log&) { ++done; });
        release.set_value();
    }
    CHECK(done == 10);
}

TEST_CASE("an idle writer asks its log whether the file is still in place, without any write")
{
    std::atomic<int> calls{0};
    auto log = std::make_unique<scripted_log>(calls);
    auto asked = std::make_shared<std::promise<void>>();
    log->on_check = [asked, once = std::make_shared<std::once_flag>()] {
        std::call_once(*once, [&] { asked->set_value(); });
        return false;
    };
    auto future = asked->get_future();
    commit_queue queue(std::move(log));
    // No append, no job: only the writer's periodic check can ask.
    CHECK(future.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK(calls == 0);
}

namespace {

// A log with upkeep that records, in order, its appends, the completions
// that ran, and its upkeep turns.
class upkept_log final : public appends_only_log, public log_upkeep {
public:
    explicit upkept_log(std::vector<std::string>& trail) : trail_(trail) {}
    append_error append(std::span<const event_record> records) override
    {
        trail_.push_back("append " + std::to_string(records.size()));
        return append_error::ok;
    }
    void between_commits() noexcept override { trail_.push_back("upkeep"); }

private:
    std::vector<std::string>& trail_; // written on the writer thread only
};

} // namespace

TEST_CASE("a log's upkeep runs after each commit's completions, never before its acks, and not after a job")
{
    std::vector<std::string> trail;
    commit_queue queue(std::make_unique<upkept_log>(trail));
    {
        writer_gate gate(queue);
        queue.append({event("r", 1)}, [&](append_error) { trail.push_back("ack 1"); });
        queue.append({event("r", 2)}, [&](append_error) { trail.push_back("ack 2"); });
        queue.run([&](event_log&) { trail.push_back("job"); });
        queue.append({event("r", 3)}, [&](append_error) { trail.push_back("ack 3"); });
    }
    queue.drain();
    CHECK(trail ==
          std::vector<std::string>{"append 2", "ack 1", "ack 2", "upkeep", "job", "append 1", "ack 3", "upkeep"});
}
