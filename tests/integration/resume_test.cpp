// Resume and exactly-once: a client that comes back gets exactly what it
// missed (or a snapshot, and is told which), and a command it sends again is
// acknowledged with its original seq, never applied twice.
#include "raw_client.hpp"
#include "raw_welcome.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <set>

using namespace maptable;
using namespace maptable::test;

namespace {

pb::ClientMessage chat_message(std::uint64_t request_id, const std::string& text)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    m.mutable_send_chat()->set_text(text);
    return m;
}

std::uint64_t say(client& c, const std::string& text)
{
    auto r = c.send_chat(text).get();
    REQUIRE(r.ok);
    return r.seq;
}

} // namespace

TEST_CASE("a resume from the last seen seq gets exactly the missed events, in order")
{
    server_process server;
    client writer(server.options("resume", "writer"));
    join_or_fail(writer);
    for (int i = 0; i < 5; ++i)
        say(writer, "before " + std::to_string(i));

    raw_client first(server.port());
    const auto seen = join_raw(first, join_message("resume", server.token("resume", "reader"), "reader-1"));
    REQUIRE(seen.state().seq() == 5);
    REQUIRE_FALSE(seen.epoch().empty());

    for (int i = 0; i < 3; ++i)
        say(writer, "missed " + std::to_string(i));

    raw_client again(server.port());
    const auto welcome = join_raw(
        again, join_message("resume", server.token("resume", "reader"), "reader-1", resume_at(seen.epoch(), 5)));
    CHECK(welcome.recovered());
    CHECK_FALSE(welcome.has_state());
    CHECK(welcome.epoch() == seen.epoch());
    for (std::uint64_t seq = 6; seq <= 8; ++seq) {
        auto m = again.next();
        REQUIRE(m.has_value());
        REQUIRE_MESSAGE(m->has_event(), m->ShortDebugString());
        CHECK(m->event().seq() == seq);
        CHECK(m->event().chat_posted().message().text() == "missed " + std::to_string(seq - 6));
    }
    // Nothing more: the next event is a new one, not a repeat.
    const auto next = say(writer, "after");
    auto m = again.next();
    REQUIRE(m.has_value());
    REQUIRE(m->has_event());
    CHECK(m->event().seq() == next);
}

TEST_CASE("a resume that cannot be trusted gets a snapshot and is told so")
{
    server_process server;
    client writer(server.options("untrusted", "writer"));
    join_or_fail(writer);
    for (int i = 0; i < 4; ++i)
        say(writer, "line " + std::to_string(i));
    const auto epoch = writer.epoch();
    REQUIRE_FALSE(epoch.empty());

    SUBCASE("another epoch")
    {
        raw_client raw(server.port());
        auto w = join_raw(raw, join_message("untrusted", server.token("untrusted", "r"), "r", resume_at("other", 2)));
        CHECK_FALSE(w.recovered());
        CHECK(w.state().seq() == 4);
    }
    SUBCASE("a seq from the future")
    {
        raw_client raw(server.port());
        auto w = join_raw(raw, join_message("untrusted", server.token("untrusted", "r"), "r", resume_at(epoch, 99)));
        CHECK_FALSE(w.recovered());
        CHECK(w.state().seq() == 4);
    }
    SUBCASE("events no longer kept in memory")
    {
        server.stop();
        server_process small(std::vector<std::string>{"--resume-window-events", "2"});
        client w2(small.options("untrusted", "writer"));
        join_or_fail(w2);
        for (int i = 0; i < 5; ++i)
            say(w2, "line " + std::to_string(i));
        raw_client raw(small.port());
        auto w = join_raw(raw, join_message("untrusted", small.token("untrusted", "r"), "r", resume_at(w2.epoch(), 1)));
        CHECK_FALSE(w.recovered());
        CHECK(w.state().seq() == 5);
        raw_client near(small.port());
        auto w3 =
            join_raw(near, join_message("untrusted", small.token("untrusted", "r"), "r", resume_at(w2.epoch(), 3)));
        CHECK(w3.recovered());
    }
}

TEST_CASE("a resume re-checks the token")
{
    server_process server;
    client writer(server.options("recheck", "writer"));
    join_or_fail(writer);
    say(writer, "hello");
    raw_client raw(server.port());
    raw.send(join_message("recheck", server.token("recheck", "r", pb::ROLE_PARTICIPANT, -3600), "r",
                          resume_at(writer.epoch(), 1)));
    auto reply = raw.answer_to(1);
    REQUIRE(reply.has_value());
    REQUIRE(reply->has_error());
    CHECK(reply->error().code() == pb::ERROR_CODE_TOKEN_EXPIRED);
}

TEST_CASE("a command sent again is acknowledged with its original seq and applied once, also after a restart")
{
    server_process server;
    const auto token = server.token("once", "ana");
    std::uint64_t original = 0;
    {
        raw_client raw(server.port());
        join_raw(raw, join_message("once", token, "ana-laptop"));
        raw.send(chat_message(777, "only once"));
        auto ack = raw.answer_to(777);
        REQUIRE(ack.has_value());
        REQUIRE(ack->has_ack());
        original = ack->ack().seq();
    }
    auto resend = [&] {
        raw_client raw(server.port());
        join_raw(raw, join_message("once", server.token("once", "ana"), "ana-laptop"));
        raw.send(chat_message(777, "only once"));
        auto ack = raw.answer_to(777);
        REQUIRE(ack.has_value());
        REQUIRE_MESSAGE(ack->has_ack(), ack->ShortDebugString());
        CHECK(ack->ack().seq() == original);
    };
    resend();
    server.stop();
    server.start();
    resend();
    server.kill9();
    server.start();
    resend();

    client reader(server.options("once", "reader"));
    join_or_fail(reader);
    CHECK(reader.seq() == original);
    CHECK(reader.replica().recent_chat().size() == 1);
    // The same request id from another client is another command.
    raw_client other(server.port());
    join_raw(other, join_message("once", server.token("once", "ben"), "ben-phone"));
    other.send(chat_message(777, "ben's own"));
    auto ack = other.answer_to(777);
    REQUIRE(ack.has_value());
    REQUIRE(ack->has_ack());
    CHECK(ack->ack().seq() == original + 1);
}

TEST_CASE("after reset-epochs a resume gets a snapshot, not a spliced history")
{
    server_process server;
    client writer(server.options("restored", "writer"));
    join_or_fail(writer);
    say(writer, "one");
    const auto old_epoch = writer.epoch();
    writer.disconnect();
    server.stop();
    const std::string command =
        std::string(MAPTABLE_SERVER_BINARY) + " reset-epochs --data-dir " + server.data_dir().string() + " > /dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    server.start();
    raw_client raw(server.port());
    auto w = join_raw(raw, join_message("restored", server.token("restored", "r"), "r", resume_at(old_epoch, 1)));
    CHECK_FALSE(w.recovered());
    CHECK(w.epoch() != old_epoch);
    CHECK(w.state().seq() == 1);
}

TEST_CASE("the SDK reconnects after a dropped connection and resolves every command exactly once")
{
    server_process server;
    client ana(server.options("sdk-resume", "ana"));
    std::mutex mutex;
    std::vector<bool> welcomes;
    std::vector<connection_state> states;
    ana.on_welcome([&](bool recovered) {
        std::lock_guard lock(mutex);
        welcomes.push_back(recovered);
    });
    ana.on_state([&](connection_state s) {
        std::lock_guard lock(mutex);
        states.push_back(s);
    });
    event_recorder ana_sees(ana);
    join_or_fail(ana);
    client ben(server.options("sdk-resume", "ben"));
    join_or_fail(ben);

    std::vector<std::future<command_result>> results;
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 10; ++i)
            results.push_back(ana.send_chat("round " + std::to_string(round) + " line " + std::to_string(i)));
        say(ben, "ben " + std::to_string(round)); // ana misses these while away
        ana.drop_connection();
    }
    std::set<std::uint64_t> seqs;
    for (auto& f : results) {
        auto r = f.get();
        REQUIRE_MESSAGE(r.ok, r.message);
        CHECK(seqs.insert(r.seq).second);
    }
    const auto last = say(ben, "done");
    REQUIRE(ana_sees.wait_for_seq(last));
    CHECK(ana.pending_commands() == 0);
    CHECK(ana.replica().canonical_hash() == ben.replica().canonical_hash());
    CHECK(last == 50 + 5 + 1); // nothing applied twice
    std::lock_guard lock(mutex);
    CHECK(welcomes.size() >= 2);
    CHECK(std::count(welcomes.begin() + 1, welcomes.end(), true) == static_cast<long>(welcomes.size() - 1));
    CHECK(std::count(states.begin(), states.end(), connection_state::reconnecting) >= 1);
}

TEST_CASE("SDK clients come back after the server restarts, with nothing lost")
{
    server_process server;
    client ana(server.options("restart", "ana"));
    event_recorder ana_sees(ana);
    join_or_fail(ana);
    for (int i = 0; i < 10; ++i)
        say(ana, "before " + std::to_string(i));
    server.stop();
    REQUIRE(ana_sees.wait_until([&] { return ana.state() == connection_state::reconnecting; }));
    auto during = ana.send_chat("sent while the server was down");
    server.start();
    auto r = during.get();
    REQUIRE_MESSAGE(r.ok, r.message);
    CHECK(r.seq == 11);
    CHECK(ana.state() == connection_state::connected);
    client reader(server.options("restart", "reader"));
    join_or_fail(reader);
    CHECK(reader.replica().canonical_hash() == ana.replica().canonical_hash());
}
