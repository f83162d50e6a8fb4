// Cut and resume: SDK clients with reconnect on talk to the
// server through the fault proxy, which cuts their connections at random byte
// counts (mid-frame, mid-handshake, mid-Welcome), then exactly between a
// commit and its ack, then in the middle of a command. At least 1,000 cuts are
// followed by a resume. Every command ends acknowledged exactly once, and the
// server's log holds each command's effect exactly once: 0 lost, 0 duplicated.
#include "fault_proxy.hpp"
#include "server_process.hpp"

#include "model/room_state.hpp"
#include "store/sqlite_event_log.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

// One run of the test.
struct setup {
    std::vector<std::string> server_args;
    std::uint64_t random_cycles_wanted; // resumes after random cuts
    int commit_ack_cuts;                // cuts exactly between commit and ack
    int mid_command_cuts;               // cuts inside a command's frame
    std::size_t max_cut_bytes;          // random budgets are drawn from [1, this]
    bool markers;                       // also add and rename markers (else chat only)
    const char* label;
};

constexpr int writer_count = 4;
constexpr std::size_t window = 8; // commands a writer keeps unanswered
// A guard against a hang, not a measurement: a command that has no answer
// after this long counts as lost.
constexpr auto answer_guard = std::chrono::seconds(60);

const std::string room = "cut-resume";
const std::string lone_room = "cut-resume-lone";

// Each client's connection states, Welcomes and events, under one lock and
// one condition: every change of a replica (an event applied, or a snapshot
// Welcome replacing it) is followed by a callback here, so a test can wait
// for the replica itself. Waiting for an event with the last seq would not
// do: a client that missed more than the resume window gets the newest
// events inside a snapshot, and may never see one of them as an event.
class resume_tracker {
public:
    explicit resume_tracker(std::size_t clients) : per_(clients) {}

    // Set before c joins. With events, records every event c applies.
    void attach(client& c, std::size_t i, bool events)
    {
        c.on_state([this, i](connection_state s) {
            std::lock_guard lock(mutex_);
            per_[i].state = s;
            if (s == connection_state::reconnecting)
                ++per_[i].drops;
            if (s == connection_state::connected && per_[i].connected++ > 0)
                ++resumes_;
            changed_.notify_all();
        });
        // The replica is already replaced when on_welcome runs.
        c.on_welcome([this, i, &c](bool recovered) {
            std::lock_guard lock(mutex_);
            ++per_[i].welcomes;
            ++(recovered ? recovered_ : snapshots_);
            if (!recovered) {
                ++per_[i].snapshots;
                per_[i].snapshot_seq = c.seq();
            }
            changed_.notify_all();
        });
        if (events)
            c.on_event([this, i](const pb::Event& e) {
                std::lock_guard lock(mutex_);
                per_[i].events.push_back(e);
                changed_.notify_all();
            });
    }

    template <class Pred>
    bool wait_until(Pred pred, std::chrono::seconds timeout)
    {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, pred);
    }

    // Waits until client i (c) is connected, the callback of its last
    // Welcome ran (the SDK reports the state first) and its replica reached
    // seq.
    bool wait_for_replica(const client& c, std::size_t i, std::uint64_t seq, std::chrono::seconds timeout)
    {
        return wait_until(
            [&] {
            const auto& p = per_[i];
            return p.state == connection_state::connected && p.welcomes == p.connected && c.seq() >= seq;
            },
            timeout);
    }

    // Only inside wait_until's predicate (which holds the lock).
    std::uint64_t resumes() const { return resumes_; }
    connection_state state(std::size_t i) const { return per_[i].state; }
    std::uint64_t drops(std::size_t i)
    {
        std::lock_guard lock(mutex_);
        return per_[i].drops;
    }
    std::uint64_t snapshots(std::size_t i)
    {
        std::lock_guard lock(mutex_);
        return per_[i].snapshots;
    }
    std::vector<pb::Event> events(std::size_t i)
    {
        std::lock_guard lock(mutex_);
        return per_[i].events;
    }

    // What a failure message needs about client i.
    std::string describe(const client& c, std::size_t i)
    {
        std::lock_guard lock(mutex_);
        const auto& p = per_[i];
        return "replica seq " + std::to_string(c.seq()) + ", state " + std::to_string(static_cast<int>(p.state)) +
            ", newest event seen " + std::to_string(p.events.empty() ? 0 : p.events.back().seq()) +
            ", last snapshot at seq " + std::to_string(p.snapshot_seq) + ", drops " + std::to_string(p.drops);
    }

    struct figures {
        std::uint64_t resumes = 0, drops = 0, recovered = 0, snapshots = 0;
    };
    figures totals()
    {
        std::lock_guard lock(mutex_);
        figures f{resumes_, 0, recovered_, snapshots_};
        for (const auto& p : per_)
            f.drops += p.drops;
        return f;
    }

private:
    struct one {
        connection_state state = connection_state::connecting;
        std::uint64_t connected = 0, drops = 0;
        std::uint64_t welcomes = 0;     // on_welcome calls: one per connected, just after it
        std::uint64_t snapshots = 0;    // Welcomes with a snapshot, the first join's included
        std::uint64_t snapshot_seq = 0; // the seq of the last one
        std::vector<pb::Event> events;
    };
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<one> per_;
    std::uint64_t resumes_ = 0, recovered_ = 0, snapshots_ = 0;
};

// One command and how it ended. key names its effect uniquely: a chat text,
// "add:<feature id>" or "update:<new title>".
struct command {
    std::string key;
    command_result result;
    bool answered = false;
};

pb::Feature marker(const std::string& id)
{
    pb::Feature f;
    f.set_id(id);
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    auto* p = f.mutable_geometry()->add_positions();
    p->set_lon(-43.17);
    p->set_lat(-22.90);
    f.set_title("new " + id);
    return f;
}

// Writes until stop: chat messages, new markers and renames of its markers,
// `window` unanswered at a time.
std::vector<command> write_until(client& c, int w, const std::atomic<bool>& stop, bool markers)
{
    std::vector<command> done;
    std::deque<std::pair<command, std::future<command_result>>> in_flight;
    std::string last_marker;
    auto settle_front = [&] {
        auto [cmd, future] = std::move(in_flight.front());
        in_flight.pop_front();
        if (future.wait_for(answer_guard) == std::future_status::ready) {
            cmd.result = future.get();
            cmd.answered = true;
        }
        done.push_back(std::move(cmd));
    };
    std::string tag = "w"; // (not "w" + to_string(w): GCC 12 warns falsely on that)
    tag += std::to_string(w);
    tag += '-';
    for (int i = 0; !stop; ++i) {
        command cmd;
        std::future<command_result> future;
        if (markers && i % 4 == 1) {
            last_marker = tag + "m" + std::to_string(i);
            cmd.key = "add:" + last_marker;
            future = c.add_feature(marker(last_marker));
        } else if (markers && i % 8 == 3) {
            pb::FeaturePatch patch;
            patch.set_title(tag + "renamed-" + std::to_string(i));
            cmd.key = "update:" + patch.title();
            future = c.update_feature(last_marker, patch);
        } else {
            cmd.key = tag + "says-" + std::to_string(i);
            future = c.send_chat(cmd.key);
        }
        in_flight.emplace_back(std::move(cmd), std::move(future));
        while (in_flight.size() >= window)
            settle_front();
    }
    while (!in_flight.empty())
        settle_front();
    return done;
}

client_options proxied(const server_process& server, const fault_proxy& proxy, const std::string& room_id,
                       const std::string& name)
{
    auto o = server.options(room_id, name);
    o.url = proxy.url();
    o.reconnect = true;
    o.reconnect_initial_delay = std::chrono::milliseconds(1);
    o.reconnect_max_delay = std::chrono::milliseconds(20);
    return o;
}

// Each effect in a room's log, counted: key (as in `command`) -> seqs.
std::map<std::string, std::vector<std::uint64_t>> effects_in_log(const std::string& db_path, const std::string& room_id,
                                                                 model::room_state& rebuilt)
{
    store::sqlite_event_log log(db_path);
    store::load_options everything;
    everything.events_before_snapshot = std::numeric_limits<std::size_t>::max() / 2;
    const auto history = log.load(room_id, everything);
    std::map<std::string, std::vector<std::uint64_t>> effects;
    if (history.events.empty())
        return effects;
    REQUIRE(history.first_event_seq == 1);
    for (const auto& bytes : history.events) {
        pb::Event e;
        REQUIRE(e.ParseFromString(bytes));
        REQUIRE(rebuilt.apply(e));
        std::string key;
        if (e.has_chat_posted())
            key = e.chat_posted().message().text();
        else if (e.has_feature_added())
            key = "add:" + e.feature_added().feature().id();
        else if (e.has_feature_updated())
            key = "update:" + e.feature_updated().patch().title();
        else
            key = "<unexpected event at " + std::to_string(e.seq()) + ">";
        effects[key].push_back(e.seq());
    }
    return effects;
}

struct tally {
    std::size_t commands = 0, unanswered = 0, refused = 0, lost = 0, duplicated = 0, foreign = 0;
};

// Compares the commands with the log: each answered ok, stored exactly once,
// at the seq its ack named; nothing stored that nobody sent.
tally reconcile(const std::vector<command>& commands, const std::map<std::string, std::vector<std::uint64_t>>& effects)
{
    tally t;
    std::set<std::string> sent;
    for (const auto& c : commands) {
        ++t.commands;
        sent.insert(c.key);
        if (!c.answered) {
            ++t.unanswered;
            FAIL_CHECK(c.key << ": no answer");
        } else if (!c.result.ok) {
            ++t.refused;
            FAIL_CHECK(c.key << ": " << pb::ErrorCode_Name(c.result.code) << ": " << c.result.message);
        }
        auto it = effects.find(c.key);
        if (it == effects.end()) {
            ++t.lost;
            FAIL_CHECK(c.key << " is not in the log");
            continue;
        }
        if (it->second.size() > 1) {
            t.duplicated += it->second.size() - 1;
            FAIL_CHECK(c.key << " is in the log " << it->second.size() << " times");
        }
        if (c.answered && c.result.ok)
            CHECK_MESSAGE(it->second.front() == c.result.seq,
                          c.key << " acked with seq " << c.result.seq << ", stored at " << it->second.front());
    }
    for (const auto& [key, seqs] : effects)
        if (!sent.count(key)) {
            t.foreign += seqs.size();
            FAIL_CHECK(key << " is in the log but was never sent");
        }
    return t;
}

void run(const setup& cfg)
{
    const auto random_cycles_wanted = cfg.random_cycles_wanted;
    const auto commit_ack_cuts = cfg.commit_ack_cuts;
    const auto mid_command_cuts = cfg.mid_command_cuts;
    const auto started = std::chrono::steady_clock::now();
    server_process server(cfg.server_args);
    fault_proxy proxy(server.port(), 4242);

    // ---- phase 1: writers in one room, cut at random byte counts
    resume_tracker tracker(writer_count + 1);
    std::vector<std::unique_ptr<client>> writers;
    for (int w = 0; w < writer_count; ++w) {
        writers.push_back(std::make_unique<client>(proxied(server, proxy, room, "writer" + std::to_string(w))));
        tracker.attach(*writers.back(), w, true);
        join_or_fail(*writers.back());
    }
    // Budgets from 1 byte (inside the HTTP upgrade) to a few KiB (a handful of
    // commands, events of the others and acks): most cuts land inside a frame.
    // The largest must exceed the upgrade plus the server's largest message
    // (up to 64 pieces go as one WebSocket message): a writer that fell
    // behind resumes into a catch-up of such messages, and if no budget can
    // hold one it never applies anything, never sees its acks (they follow
    // the catch-up) and falls further behind for as long as the cuts go on.
    proxy.cut_randomly(1, cfg.max_cut_bytes);

    std::atomic<bool> stop{false};
    std::vector<std::vector<command>> written(writer_count);
    std::vector<std::thread> threads;
    for (int w = 0; w < writer_count; ++w)
        threads.emplace_back([&, w] { written[w] = write_until(*writers[w], w, stop, cfg.markers); });
    const bool enough =
        tracker.wait_until([&] { return tracker.resumes() >= random_cycles_wanted; }, std::chrono::seconds(150));
    stop = true;
    proxy.stop_cutting();
    for (auto& t : threads)
        t.join();
    CHECK_MESSAGE(enough, "only " << tracker.totals().resumes << " resumes; proxy cut " << proxy.cuts());
    const auto random_phase = tracker.totals();
    const auto random_cuts = proxy.cuts();

    std::vector<command> all;
    for (auto& per : written)
        all.insert(all.end(), per.begin(), per.end());
    std::uint64_t last_seq = 0;
    for (const auto& c : all)
        if (c.answered && c.result.ok)
            last_seq = std::max(last_seq, c.result.seq);

    // Every replica reaches the last seq and they agree; each received its
    // events strictly in order, never one twice. (The 30 s guard only ends a
    // hang: with the cuts stopped, a client is back within a few reconnect
    // delays of at most 20 ms.)
    std::string hash;
    int caught_up_by_snapshot = 0;
    for (int w = 0; w < writer_count; ++w) {
        INFO("writer " << w);
        const bool caught_up = tracker.wait_for_replica(*writers[w], w, last_seq, std::chrono::seconds(30));
        REQUIRE_MESSAGE(caught_up,
                        "last acked seq " << last_seq << "; " << tracker.describe(*writers[w], w)
                                          << "; proxy: " << proxy.describe());
        const auto replica = writers[w]->replica();
        CHECK(replica.seq() == last_seq);
        if (w == 0)
            hash = replica.canonical_hash();
        CHECK(replica.canonical_hash() == hash);
        const auto events = tracker.events(w);
        // In order and never twice; without a gap unless a snapshot
        // replaced the replica in between.
        for (std::size_t k = 1; k < events.size(); ++k)
            REQUIRE(events[k].seq() > events[k - 1].seq());
        if (events.empty() || events.back().seq() < last_seq)
            ++caught_up_by_snapshot;          // the newest events came inside a snapshot only
        if (tracker.snapshots(w) == 1) {      // only the first join: every resume recovered
            CHECK(events.size() == last_seq); // so no event was skipped
            for (std::size_t k = 0; k < events.size(); ++k)
                REQUIRE(events[k].seq() == k + 1);
        }
    }
    {
        client direct(server.options(room, "auditor")); // not through the proxy
        join_or_fail(direct);
        CHECK(direct.seq() == last_seq);
        CHECK(direct.replica().canonical_hash() == hash);
    }
    writers.clear(); // nothing but the lone client's link is live in phase 2

    // ---- phase 2: one client alone in a room; each command's Event and Ack
    // are cut off after the commit, or the command itself is cut mid-frame.
    auto lone = std::make_unique<client>(proxied(server, proxy, lone_room, "lone"));
    tracker.attach(*lone, writer_count, false);
    join_or_fail(*lone);
    std::mt19937 rng(99);
    std::vector<command> lone_commands;
    const auto resumes_before = tracker.totals().resumes;
    const auto drops_before = tracker.drops(writer_count);
    for (int i = 0; i < commit_ack_cuts + mid_command_cuts; ++i) {
        REQUIRE(tracker.wait_until([&] { return tracker.state(writer_count) == connection_state::connected; },
                                   std::chrono::seconds(30)));
        const bool after_commit = i < commit_ack_cuts;
        if (after_commit)
            proxy.cut_after_server_bytes(0); // the next bytes from the server are the Event and the Ack
        else
            proxy.cut_after_client_bytes(std::uniform_int_distribution<std::size_t>(0, 20)(rng)); // frame >= 30 bytes
        command cmd;
        cmd.key = std::string(after_commit ? "after-commit-" : "mid-command-") + std::to_string(i);
        auto future = lone->send_chat(cmd.key);
        if (future.wait_for(answer_guard) == std::future_status::ready) {
            cmd.result = future.get();
            cmd.answered = true;
        }
        lone_commands.push_back(std::move(cmd));
        // The proxy cut exactly this connection once: the answer came over a
        // resumed one.
        REQUIRE(tracker.drops(writer_count) == drops_before + static_cast<std::uint64_t>(i) + 1);
    }
    REQUIRE(tracker.wait_until([&] { return tracker.resumes() >= resumes_before + commit_ack_cuts + mid_command_cuts; },
                               std::chrono::seconds(30)));

    // ---- the server's record: every command exactly once
    lone.reset();
    server.stop();
    model::room_state rebuilt(room), lone_rebuilt(lone_room);
    const auto effects = effects_in_log(server.db_path(), room, rebuilt);
    const auto lone_effects = effects_in_log(server.db_path(), lone_room, lone_rebuilt);
    CHECK(rebuilt.seq() == last_seq);
    CHECK(rebuilt.canonical_hash() == hash);
    const auto t1 = reconcile(all, effects);
    const auto t2 = reconcile(lone_commands, lone_effects);
    CHECK(lone_rebuilt.seq() == static_cast<std::uint64_t>(commit_ack_cuts + mid_command_cuts));

    const auto totals = tracker.totals();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    char line[512];
    std::snprintf(line, sizeof line,
                  "cut-resume (%s): cycles=%llu (random=%llu, commit-ack=%d, mid-command=%d) proxy_cuts=%llu "
                  "proxy_connections=%llu drops=%llu recovered=%llu snapshots=%llu caught_up_by_snapshot=%d "
                  "commands=%zu lost=%zu "
                  "duplicated=%zu refused=%zu unanswered=%zu foreign=%zu runtime=%.1fs",
                  cfg.label, static_cast<unsigned long long>(totals.resumes),
                  static_cast<unsigned long long>(random_phase.resumes), commit_ack_cuts, mid_command_cuts,
                  static_cast<unsigned long long>(proxy.cuts()), static_cast<unsigned long long>(proxy.connections()),
                  static_cast<unsigned long long>(totals.drops), static_cast<unsigned long long>(totals.recovered),
                  static_cast<unsigned long long>(totals.snapshots), caught_up_by_snapshot, t1.commands + t2.commands,
                  t1.lost + t2.lost, t1.duplicated + t2.duplicated, t1.refused + t2.refused,
                  t1.unanswered + t2.unanswered, t1.foreign + t2.foreign, seconds);
    std::printf("%s\n", line);
    MESSAGE(line);

    CHECK(random_cuts >= random_cycles_wanted);
    CHECK(totals.resumes >= random_cycles_wanted + commit_ack_cuts + mid_command_cuts);
    CHECK(t1.lost + t2.lost == 0);
    CHECK(t1.duplicated + t2.duplicated == 0);
    CHECK(t1.refused + t2.refused == 0);
    CHECK(t1.unanswered + t2.unanswered == 0);
    CHECK(t1.foreign + t2.foreign == 0);
}

} // namespace

TEST_CASE(
    "2,000 random cuts, 200 between commit and ack, 200 mid-command, each followed by a resume: 0 lost, 0 duplicated")
{
    run({.server_args = {},
         .random_cycles_wanted = 2000,
         .commit_ack_cuts = 200,
         .mid_command_cuts = 200,
         .max_cut_bytes = 16000, // with 6000, a writer that fell behind stopped catching up
         .markers = true,
         .label = "resume from the event window"});
}

TEST_CASE("the same when the server keeps only 16 events for resumes: most resumes get a snapshot, still 0 lost, 0 "
          "duplicated")
{
    // A client that missed more than 16 events gets the whole state instead
    // of the events; its unacknowledged commands are resent all the same.
    // Chat only, and larger budgets, so that a Welcome with the state (the
    // newest 200 messages) fits in a connection often enough.
    run({.server_args = {"--resume-window-events", "16"},
         .random_cycles_wanted = 500,
         .commit_ack_cuts = 50,
         .mid_command_cuts = 50,
         .max_cut_bytes = 60000,
         .markers = false,
         .label = "resume from a snapshot"});
}

TEST_CASE("a client that missed more than the resume window catches up from the snapshot alone, without those events")
{
    // What the cut-and-resume waits must allow for: the missed events are
    // inside the snapshot, and none of them is ever delivered as an event,
    // so a wait for an event with the newest seq would never end.
    server_process server({"--resume-window-events", "16"});
    fault_proxy proxy(server.port(), 7);
    resume_tracker tracker(1);
    client away(proxied(server, proxy, room, "away"));
    tracker.attach(away, 0, true);
    join_or_fail(away);
    client writer(server.options(room, "writer")); // not through the proxy
    join_or_fail(writer);

    const auto first = writer.send_chat("before the cut").get();
    REQUIRE(first.ok);
    REQUIRE(tracker.wait_for_replica(away, 0, first.seq, std::chrono::seconds(30)));

    // Every connection through the proxy is cut at its first byte from now
    // on, the live one included: the client keeps trying and failing.
    proxy.cut_randomly(0, 0);
    proxy.cut_all();
    std::uint64_t last = 0;
    for (int i = 0; i < 20; ++i) {
        const auto r = writer.send_chat("while away " + std::to_string(i)).get();
        REQUIRE(r.ok);
        last = r.seq;
    }
    proxy.stop_cutting();

    REQUIRE_MESSAGE(tracker.wait_for_replica(away, 0, last, std::chrono::seconds(30)), tracker.describe(away, 0));
    CHECK(away.replica().canonical_hash() == writer.replica().canonical_hash());
    CHECK_MESSAGE(tracker.snapshots(0) == 2, tracker.describe(away, 0)); // the first join's, and the resume's
    const auto events = tracker.events(0);
    REQUIRE(!events.empty());
    CHECK(events.back().seq() == first.seq); // none of the 20 came as an event
}
