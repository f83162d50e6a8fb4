// Durability under faults (issue 4, item 5): the server is killed with SIGKILL
// again and again while three clients are writing, and restarted on the same
// data directory. Afterwards the log holds every acknowledged command exactly
// once at the seq its ack named, no command twice, seqs 1..n without a gap,
// SQLite's integrity check passes, and fresh clients all see one state, the
// state rebuilt from the log.
#include "server_process.hpp"

#include "model/room_state.hpp"
#include "store/sqlite_event_log.hpp"

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <limits>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

constexpr int cycles = 25;
constexpr int writers = 3;
constexpr std::size_t window = 16;   // commands a writer keeps in flight
const std::string room = "crash";

// Acks seen so far in this cycle, for the killer to wait on.
struct ack_counter {
    std::mutex mutex;
    std::condition_variable changed;
    int acked = 0;
    int writers_done = 0;

    void add()
    {
        std::lock_guard lock(mutex);
        ++acked;
        changed.notify_all();
    }
    void writer_done()
    {
        std::lock_guard lock(mutex);
        ++writers_done;
        changed.notify_all();
    }
    // Until n acks arrived, or every writer stopped (a refusal): then the
    // test fails on the refusal rather than hanging.
    void wait_for(int n)
    {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return acked >= n || writers_done == writers; });
    }
};

// One command a writer issued: its unique name (a chat text or a feature id)
// and how it ended.
struct issued {
    std::string name;
    bool is_chat = false;
    command_result result;
};

pb::Feature marker(const std::string& id, int i)
{
    pb::Feature f;
    f.set_id(id);
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    auto* p = f.mutable_geometry()->add_positions();
    p->set_lon(24.94 + (i % 100) * 0.001);
    p->set_lat(60.17);
    f.set_title("title of " + id);
    return f;
}

// Writes chat messages and markers, `window` in flight, until a command fails
// (the server died under it); then collects every outstanding result.
std::vector<issued> write_until_killed(client& c, const std::string& tag, ack_counter& acks)
{
    std::vector<issued> done;
    std::deque<std::pair<issued, std::future<command_result>>> in_flight;
    bool failed = false;
    auto settle_front = [&] {
        auto [what, future] = std::move(in_flight.front());
        in_flight.pop_front();
        what.result = future.get();
        if (what.result.ok)
            acks.add();
        else
            failed = true;
        done.push_back(std::move(what));
    };
    for (int i = 0; !failed; ++i) {
        issued what;
        what.name = tag + "-" + std::to_string(i);
        what.is_chat = i % 2 == 0;
        auto future = what.is_chat ? c.send_chat(what.name) : c.add_feature(marker(what.name, i));
        in_flight.emplace_back(std::move(what), std::move(future));
        while (in_flight.size() >= window && !failed)
            settle_front();
    }
    while (!in_flight.empty())
        settle_front();
    acks.writer_done();
    return done;
}

std::string sqlite_text(sqlite3* db, const char* sql)
{
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
}

std::vector<std::uint64_t> stored_seqs(sqlite3* db, const std::string& room_id)
{
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT seq FROM events WHERE room = ? ORDER BY seq", -1, &stmt, nullptr) ==
            SQLITE_OK);
    sqlite3_bind_text(stmt, 1, room_id.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<std::uint64_t> seqs;
    while (sqlite3_step(stmt) == SQLITE_ROW)
        seqs.push_back(static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 0)));
    sqlite3_finalize(stmt);
    return seqs;
}

} // namespace

TEST_CASE("kill -9 during write bursts, 25 times: every acked command is in the log exactly once")
{
    std::mt19937 rng(20261127);
    server_process server;

    std::map<std::string, std::uint64_t> acked;      // name -> seq its ack named
    std::set<std::string> acked_markers;
    std::map<std::string, bool> unacked;             // name -> is_chat; may or may not be stored
    std::uint64_t max_acked_seq = 0;
    int refused = 0;

    for (int cycle = 0; cycle < cycles; ++cycle) {
        INFO("cycle " << cycle);
        if (!server.running())
            server.start();
        std::vector<std::unique_ptr<client>> clients;
        for (int w = 0; w < writers; ++w) {
            auto options = server.options(room, "writer" + std::to_string(w));
            options.reconnect = false;   // each cycle uses fresh clients against the new process
            clients.push_back(std::make_unique<client>(options));
            join_or_fail(*clients.back());
            // What was acked before the last kill is there at once.
            CHECK(clients.back()->seq() >= max_acked_seq);
        }

        ack_counter acks;
        std::vector<std::vector<issued>> results(writers);
        std::vector<std::thread> threads;
        for (int w = 0; w < writers; ++w)
            threads.emplace_back([&, w] {
                results[w] = write_until_killed(*clients[w], "k" + std::to_string(cycle) + "-w" + std::to_string(w), acks);
            });
        // Kill after a random number of acks, while the writers keep writing.
        acks.wait_for(std::uniform_int_distribution<int>(1, 90)(rng));
        server.kill9();
        for (auto& t : threads)
            t.join();
        clients.clear();

        for (const auto& per_writer : results)
            for (const auto& r : per_writer) {
                if (r.result.ok) {
                    acked[r.name] = r.result.seq;
                    if (!r.is_chat)
                        acked_markers.insert(r.name);
                    max_acked_seq = std::max(max_acked_seq, r.result.seq);
                } else {
                    unacked[r.name] = r.is_chat;
                    // Only the kill may fail a command: a refusal is a bug here.
                    if (r.result.code != pb::ERROR_CODE_UNSPECIFIED) {
                        ++refused;
                        FAIL_CHECK(r.name << " refused: " << pb::ErrorCode_Name(r.result.code) << ": "
                                          << r.result.message);
                    }
                }
            }
    }
    REQUIRE(max_acked_seq > 0);

    // After the last restart: fresh clients converge on one state.
    server.start();
    std::string hash;
    std::uint64_t final_seq = 0;
    for (int i = 0; i < 3; ++i) {
        auto options = server.options(room, "reader" + std::to_string(i));
        options.reconnect = false;
        client reader(options);
        join_or_fail(reader);
        if (i == 0) {
            hash = reader.replica().canonical_hash();
            final_seq = reader.seq();
        }
        CHECK(reader.seq() == final_seq);
        CHECK(reader.replica().canonical_hash() == hash);
    }
    CHECK(final_seq >= max_acked_seq);
    server.stop();

    // The file itself: intact, and seqs 1..n without a gap.
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2(server.db_path().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
        CHECK(sqlite_text(db, "PRAGMA integrity_check") == "ok");
        const auto seqs = stored_seqs(db, room);
        REQUIRE(seqs.size() == final_seq);
        for (std::size_t k = 0; k < seqs.size(); ++k)
            REQUIRE(seqs[k] == k + 1);
        sqlite3_close(db);
    }

    // Every event, from seq 1: each acked command exactly once at its seq,
    // nothing twice, nothing that no writer sent; and the state it folds to
    // is what the readers saw.
    store::sqlite_event_log log(server.db_path());
    store::load_options everything;
    everything.events_before_snapshot = std::numeric_limits<std::size_t>::max() / 2;
    const auto history = log.load(room, everything);
    REQUIRE(history.first_event_seq == 1);
    REQUIRE(history.events.size() == final_seq);
    std::map<std::string, std::vector<std::uint64_t>> stored;   // name -> seqs it was stored at
    model::room_state rebuilt(room);
    for (const auto& bytes : history.events) {
        pb::Event e;
        REQUIRE(e.ParseFromString(bytes));
        REQUIRE(rebuilt.apply(e));
        if (e.has_chat_posted())
            stored[e.chat_posted().message().text()].push_back(e.seq());
        else if (e.has_feature_added())
            stored[e.feature_added().feature().id()].push_back(e.seq());
        else
            FAIL_CHECK("event " << e.seq() << " is neither a chat message nor a new marker");
    }
    CHECK(rebuilt.canonical_hash() == hash);

    std::size_t lost = 0, duplicated = 0, unknown = 0, unacked_stored = 0;
    for (const auto& [name, seq] : acked) {
        auto it = stored.find(name);
        if (it == stored.end()) {
            ++lost;
            FAIL_CHECK(name << " was acked at seq " << seq << " and is not in the log");
        } else {
            CHECK_MESSAGE(it->second == std::vector<std::uint64_t>{seq},
                          name << " acked at " << seq << ", stored " << it->second.size() << " time(s)");
        }
    }
    for (const auto& [name, seqs] : stored) {
        if (seqs.size() > 1) {
            ++duplicated;
            FAIL_CHECK(name << " is stored " << seqs.size() << " times");
        }
        if (!acked.count(name)) {
            if (unacked.count(name))
                ++unacked_stored;
            else {
                ++unknown;
                FAIL_CHECK(name << " is stored but no writer sent it");
            }
        }
    }
    // Every acked marker is in the state with its own title.
    for (const auto& name : acked_markers) {
        const auto* f = rebuilt.find_feature(name);
        REQUIRE_MESSAGE(f != nullptr, name << " was acked and is not in the state");
        CHECK(f->created_seq() == acked.at(name));
        CHECK(f->title() == "title of " + name);
    }

    const std::string figures = "crash test: cycles=" + std::to_string(cycles) + " acked=" +
                                std::to_string(acked.size()) + " unacked=" + std::to_string(unacked.size()) +
                                " unacked_but_stored=" + std::to_string(unacked_stored) + " events=" +
                                std::to_string(final_seq) + " lost=" + std::to_string(lost) +
                                " duplicated=" + std::to_string(duplicated) + " refused=" + std::to_string(refused);
    MESSAGE(figures);
    std::printf("%s\n", figures.c_str());
    CHECK(lost == 0);
    CHECK(duplicated == 0);
    CHECK(unknown == 0);
}
