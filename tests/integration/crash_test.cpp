// Durability under faults: the server is killed with SIGKILL
// again and again while three clients are writing, and restarted on the same
// data directory. Afterwards the log holds every acknowledged command exactly
// once at the seq its ack named, no command twice, seqs 1..n without a gap,
// SQLite's integrity check passes, and fresh clients all see one state, the
// state rebuilt from the log.
//
// The first test uses fresh clients in every cycle: a command whose ack did
// not arrive may or may not be stored, but never twice. The second keeps its
// clients connected through the fault proxy with reconnect on: they resume on
// the restarted server and resend what was not acknowledged, so in the end
// every command is acknowledged, and stored exactly once.
#include "fault_proxy.hpp"
#include "server_process.hpp"

#include "model/room_state.hpp"
#include "store/sqlite_event_log.hpp"

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

constexpr int cycles = 25;
constexpr int writers = 3;
constexpr std::size_t window = 16; // commands a writer keeps in flight
const std::string room = "crash";
// The writers go as fast as the server commits; the per-connection command
// rate limit is tested elsewhere (integration_limits) and must not refuse
// them here.
const std::vector<std::string> unlimited = {"--command-rate", "1000000", "--command-burst", "1000000"};

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
    int count()
    {
        std::lock_guard lock(mutex);
        return acked;
    }
    void writer_done()
    {
        std::lock_guard lock(mutex);
        ++writers_done;
        changed.notify_all();
    }
    // Until n acks arrived, or a writer stopped (a refusal): then the test
    // fails on the refusal rather than hanging.
    void wait_for(int n)
    {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return acked >= n || writers_done > 0; });
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
// (the server died under a client without reconnect) or until stop is set;
// then collects every outstanding result.
std::vector<issued> write_until(client& c, const std::string& tag, ack_counter& acks, const std::atomic<bool>& stop)
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
    for (int i = 0; !failed && !stop; ++i) {
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

// Every command of a test and how it ended.
struct ledger {
    std::map<std::string, std::uint64_t> acked; // name -> seq its ack named
    std::set<std::string> acked_markers;
    std::set<std::string> unacked; // may or may not be stored
    std::uint64_t max_acked_seq = 0;
    std::size_t refused = 0;

    void record(const std::vector<std::vector<issued>>& results)
    {
        for (const auto& per_writer : results)
            for (const auto& r : per_writer) {
                if (r.result.ok) {
                    acked[r.name] = r.result.seq;
                    if (!r.is_chat)
                        acked_markers.insert(r.name);
                    max_acked_seq = std::max(max_acked_seq, r.result.seq);
                } else {
                    unacked.insert(r.name);
                    // Only a kill may fail a command: a refusal is a bug here.
                    if (r.result.code != pb::ERROR_CODE_UNSPECIFIED) {
                        ++refused;
                        FAIL_CHECK(r.name << " refused: " << pb::ErrorCode_Name(r.result.code) << ": "
                                          << r.result.message);
                    }
                }
            }
    }
};

struct log_figures {
    std::uint64_t events = 0;
    std::size_t lost = 0, duplicated = 0, unknown = 0, unacked_stored = 0;
};

// After the last restart: fresh clients (not through any proxy) converge on
// one state. Then, with the server stopped: the file is intact, its seqs run
// 1..n, each acked command is stored exactly once at its acked seq, nothing is
// stored twice or unsent, and the log folds to the state the readers saw.
log_figures check_server_record(server_process& server, const ledger& book)
{
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
    CHECK(final_seq >= book.max_acked_seq);
    server.stop();

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

    store::sqlite_event_log log(server.db_path());
    store::load_options everything;
    everything.events_before_snapshot = std::numeric_limits<std::size_t>::max() / 2;
    const auto history = log.load(room, everything);
    REQUIRE(history.first_event_seq == 1);
    REQUIRE(history.events.size() == final_seq);
    std::map<std::string, std::vector<std::uint64_t>> stored; // name -> seqs it was stored at
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

    log_figures f;
    f.events = final_seq;
    // Plain references, not structured bindings: clang 14 cannot capture
    // those in the lambdas doctest's message macros make.
    for (const auto& acked : book.acked) {
        const auto& name = acked.first;
        const auto& seq = acked.second;
        auto it = stored.find(name);
        if (it == stored.end()) {
            ++f.lost;
            FAIL_CHECK(name << " was acked at seq " << seq << " and is not in the log");
        } else {
            CHECK_MESSAGE(it->second == std::vector<std::uint64_t>{seq},
                          name << " acked at " << seq << ", stored " << it->second.size() << " time(s)");
        }
    }
    for (const auto& entry : stored) {
        const auto& name = entry.first;
        const auto& seqs = entry.second;
        if (seqs.size() > 1) {
            f.duplicated += seqs.size() - 1;
            FAIL_CHECK(name << " is stored " << seqs.size() << " times");
        }
        if (!book.acked.count(name)) {
            if (book.unacked.count(name))
                ++f.unacked_stored;
            else {
                ++f.unknown;
                FAIL_CHECK(name << " is stored but no writer sent it");
            }
        }
    }
    // Every acked marker is in the state with its own title.
    for (const auto& name : book.acked_markers) {
        const auto* feature = rebuilt.find_feature(name);
        REQUIRE_MESSAGE(feature != nullptr, name << " was acked and is not in the state");
        CHECK(feature->created_seq() == book.acked.at(name));
        CHECK(feature->title() == "title of " + name);
    }
    return f;
}

void report(const std::string& what, const ledger& book, const log_figures& f)
{
    const std::string figures = what + ": cycles=" + std::to_string(cycles) +
        " acked=" + std::to_string(book.acked.size()) + " unacked=" + std::to_string(book.unacked.size()) +
        " unacked_but_stored=" + std::to_string(f.unacked_stored) + " events=" + std::to_string(f.events) +
        " lost=" + std::to_string(f.lost) + " duplicated=" + std::to_string(f.duplicated) +
        " refused=" + std::to_string(book.refused);
    MESSAGE(figures);
    std::printf("%s\n", figures.c_str());
}

} // namespace

TEST_CASE("kill -9 during write bursts, 25 times: every acked command is in the log exactly once")
{
    std::mt19937 rng(20261127);
    server_process server(unlimited);
    ledger book;

    for (int cycle = 0; cycle < cycles; ++cycle) {
        INFO("cycle " << cycle);
        if (!server.running())
            server.start();
        std::vector<std::unique_ptr<client>> clients;
        for (int w = 0; w < writers; ++w) {
            auto options = server.options(room, "writer" + std::to_string(w));
            options.reconnect = false; // each cycle uses fresh clients against the new process
            clients.push_back(std::make_unique<client>(options));
            join_or_fail(*clients.back());
            // What was acked before the last kill is there at once.
            CHECK(clients.back()->seq() >= book.max_acked_seq);
        }

        ack_counter acks;
        const std::atomic<bool> never{false};
        std::vector<std::vector<issued>> results(writers);
        std::vector<std::thread> threads;
        for (int w = 0; w < writers; ++w)
            threads.emplace_back([&, w] {
                results[w] =
                    write_until(*clients[w], "k" + std::to_string(cycle) + "-w" + std::to_string(w), acks, never);
            });
        // Kill after a random number of acks, while the writers keep writing.
        acks.wait_for(std::uniform_int_distribution<int>(1, 90)(rng));
        server.kill9();
        for (auto& t : threads)
            t.join();
        clients.clear();
        book.record(results);
    }
    REQUIRE(book.max_acked_seq > 0);

    server.start();
    const auto f = check_server_record(server, book);
    report("crash test (fresh clients)", book, f);
    CHECK(f.lost == 0);
    CHECK(f.duplicated == 0);
    CHECK(f.unknown == 0);
    CHECK(book.refused == 0);
}

TEST_CASE("kill -9 under clients that stay and resume, 25 times: every command acked, each stored exactly once")
{
    std::mt19937 rng(1127);
    server_process server(unlimited);
    fault_proxy proxy(server.port()); // a fixed address for the clients while the server's port changes

    std::mutex state_mutex;
    std::condition_variable welcomed;
    int welcomes = 0; // joins and resumes: one per client per server process
    std::vector<std::unique_ptr<client>> clients;
    for (int w = 0; w < writers; ++w) {
        auto options = server.options(room, "stayer" + std::to_string(w));
        options.url = proxy.url();
        options.reconnect = true;
        options.reconnect_initial_delay = std::chrono::milliseconds(5);
        options.reconnect_max_delay = std::chrono::milliseconds(50);
        clients.push_back(std::make_unique<client>(options));
        clients.back()->on_welcome([&](bool) {
            std::lock_guard lock(state_mutex);
            ++welcomes;
            welcomed.notify_all();
        });
        join_or_fail(*clients.back());
    }

    ack_counter acks;
    std::atomic<bool> stop{false};
    std::vector<std::vector<issued>> results(writers);
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w)
        threads.emplace_back([&, w] { results[w] = write_until(*clients[w], "s-w" + std::to_string(w), acks, stop); });
    for (int cycle = 0; cycle < cycles; ++cycle) {
        // Every client is back on this process (it has no other way to lose
        // its connection than a kill)...
        {
            // (A guard against a hang, should a client never come back.)
            std::unique_lock lock(state_mutex);
            if (!welcomed.wait_for(lock, std::chrono::seconds(60), [&] { return welcomes >= writers * (cycle + 1); })) {
                lock.unlock();
                std::ostringstream why;
                for (std::size_t w = 0; w < clients.size(); ++w)
                    why << "\n  stayer" << w << ": state " << static_cast<int>(clients[w]->state()) << ", pending "
                        << clients[w]->pending_commands() << ", seq " << clients[w]->seq() << ", last close '"
                        << clients[w]->closed().reason << "' (" << clients[w]->closed().code << ")";
                why << "\n  proxy: connections " << proxy.connections() << ", live " << proxy.live() << ", cuts "
                    << proxy.cuts() << "\n"
                    << proxy.describe();
                FAIL_CHECK("cycle " << cycle << ": not every client came back" << why.str());
                std::fprintf(stderr, "%s\n", server.log().c_str());
                break;
            }
        }
        // ...then kill after a random number of further acks, while the
        // writers keep writing; restart on the same data directory; the
        // clients find the new process behind the proxy, resume and resend.
        acks.wait_for(acks.count() + std::uniform_int_distribution<int>(1, 90)(rng));
        server.kill9();
        server.start();
        proxy.set_target_port(server.port());
    }
    acks.wait_for(acks.count() + 30); // the last restart is served too
    stop = true;
    for (auto& t : threads)
        t.join();
    for (auto& c : clients)
        c->clear_callbacks();
    clients.clear();

    ledger book;
    book.record(results);
    CHECK(book.unacked.empty()); // every command ended acknowledged
    const auto f = check_server_record(server, book);
    report("crash test (resuming clients)", book, f);
    {
        std::lock_guard lock(state_mutex);
        MESSAGE("welcomes (joins and resumes) = " << welcomes);
        CHECK(welcomes == writers * (cycles + 1)); // each client resumed once after each kill
    }
    CHECK(f.lost == 0);
    CHECK(f.duplicated == 0);
    CHECK(f.unknown == 0);
    CHECK(f.unacked_stored == 0);
    CHECK(book.refused == 0);
}
