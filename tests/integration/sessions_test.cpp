// Sessions inside a long-lived room over the wire: a
// facilitator starts and ends dated sessions, every event says which session
// it belongs to, and the sessions survive a restart of the server.
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>

using namespace maptable;
using namespace maptable::test;

namespace {

command_result send(client& c, const std::function<void(pb::ClientMessage&)>& fill)
{
    pb::ClientMessage m;
    fill(m);
    return c.send(std::move(m)).get();
}

command_result start_session(client& c, const std::string& title)
{
    return send(c, [&](pb::ClientMessage& m) { m.mutable_start_session()->set_title(title); });
}

command_result end_session(client& c)
{
    return send(c, [](pb::ClientMessage& m) { m.mutable_end_session(); });
}

// The event with that seq among what the recorder saw; fails the test when
// there is none.
pb::Event event_at(const event_recorder& seen, std::uint64_t seq)
{
    for (const pb::Event& e : seen.events())
        if (e.seq() == seq)
            return e;
    FAIL("no event with seq " << seq << " was seen");
    return {};
}

} // namespace

TEST_CASE("a session starts, its events carry its id, it ends, and another starts")
{
    server_process server;
    client fran(server.options("council", "fran", pb::ROLE_FACILITATOR));
    client pat(server.options("council", "pat"));
    event_recorder pat_sees(pat);
    join_or_fail(fran);
    join_or_fail(pat);

    const auto before = pat.send_chat("before the meeting").get();
    REQUIRE(before.ok);

    const auto started = start_session(fran, "Harbour workshop, evening 1");
    REQUIRE(started.ok);
    const auto during_chat = pat.send_chat("during the meeting").get();
    REQUIRE(during_chat.ok);
    const auto during_mark = pat.add_feature(point_feature("pier", 18.43, -33.91, "Old pier")).get();
    REQUIRE(during_mark.ok);
    const auto ended = end_session(fran);
    REQUIRE(ended.ok);
    const auto after = pat.send_chat("after the meeting").get();
    REQUIRE(after.ok);
    REQUIRE(pat_sees.wait_for_seq(after.seq));

    const pb::Event start_event = event_at(pat_sees, started.seq);
    REQUIRE(start_event.has_session_started());
    const pb::Session& session = start_event.session_started().session();
    CHECK(session.id() == started.seq); // a session is named by the seq that started it
    CHECK(session.title() == "Harbour workshop, evening 1");
    CHECK(session.started_by() == "fran");
    CHECK(session.started_ms() == start_event.time_ms());
    CHECK(start_event.session_id() == started.seq); // the event that starts it belongs to it

    CHECK(event_at(pat_sees, before.seq).session_id() == 0);
    CHECK(event_at(pat_sees, during_chat.seq).session_id() == started.seq);
    CHECK(event_at(pat_sees, during_chat.seq).chat_posted().message().session_id() == started.seq);
    CHECK(event_at(pat_sees, during_mark.seq).session_id() == started.seq);
    const pb::Event end_event = event_at(pat_sees, ended.seq);
    CHECK(end_event.session_ended().session_id() == started.seq);
    CHECK(end_event.session_id() == started.seq);
    CHECK(event_at(pat_sees, after.seq).session_id() == 0);

    const auto replica = pat.replica();
    REQUIRE(replica.data().sessions.size() == 1);
    CHECK(replica.data().sessions[0].ended_seq() == ended.seq);
    CHECK(replica.data().sessions[0].ended_ms() == end_event.time_ms());
    CHECK(replica.data().current_session == 0);

    const auto next = start_session(fran, "Harbour workshop, evening 2");
    REQUIRE(next.ok);
    CHECK(next.seq > started.seq);
    REQUIRE(pat_sees.wait_for_seq(next.seq));
    CHECK(pat.replica().data().sessions.size() == 2);
    CHECK(pat.replica().data().current_session == next.seq);
    CHECK(pat.replica().canonical_hash() == fran.replica().canonical_hash());
}

TEST_CASE("one session at a time, started and ended by facilitators only; errors on the wire")
{
    server_process server;
    client fran(server.options("plaza", "fran", pb::ROLE_FACILITATOR));
    client pat(server.options("plaza", "pat"));
    join_or_fail(fran);
    join_or_fail(pat);

    const auto none = end_session(fran);
    CHECK_FALSE(none.ok);
    CHECK(none.code == pb::ERROR_CODE_NO_SESSION);
    CHECK_FALSE(none.message.empty());
    CHECK(start_session(fran, "   ").code == pb::ERROR_CODE_EMPTY_MESSAGE);
    CHECK(start_session(pat, "My own meeting").code == pb::ERROR_CODE_PERMISSION_DENIED);

    REQUIRE(start_session(fran, "First").ok);
    const auto running = start_session(fran, "Second");
    CHECK(running.code == pb::ERROR_CODE_SESSION_RUNNING);
    CHECK(end_session(pat).code == pb::ERROR_CODE_PERMISSION_DENIED);
    REQUIRE(end_session(fran).ok);
    CHECK(end_session(fran).code == pb::ERROR_CODE_NO_SESSION);
}

TEST_CASE("sessions survive a restart of the server: the running one goes on and can be ended")
{
    server_process server;
    std::uint64_t first = 0, second = 0, chat_seq = 0;
    {
        client fran(server.options("archive", "fran", pb::ROLE_FACILITATOR));
        join_or_fail(fran);
        const auto a = start_session(fran, "Spring");
        REQUIRE(a.ok);
        first = a.seq;
        REQUIRE(end_session(fran).ok);
        const auto b = start_session(fran, "Summer");
        REQUIRE(b.ok);
        second = b.seq;
        const auto said = fran.send_chat("see you after the break").get();
        REQUIRE(said.ok);
        chat_seq = said.seq;
    } // the client leaves before the server goes down, so it does not reconnect
    REQUIRE(server.stop() == 0);
    server.start();

    client fran(server.options("archive", "fran", pb::ROLE_FACILITATOR));
    client pat(server.options("archive", "pat"));
    event_recorder pat_sees(pat);
    join_or_fail(fran);
    join_or_fail(pat);
    const auto replica = pat.replica();
    REQUIRE(replica.data().sessions.size() == 2);
    CHECK(replica.data().sessions[0].id() == first);
    CHECK(replica.data().sessions[0].title() == "Spring");
    CHECK(replica.data().sessions[0].ended_seq() != 0);
    CHECK(replica.data().sessions[1].id() == second);
    CHECK(replica.data().sessions[1].title() == "Summer");
    CHECK(replica.data().sessions[1].ended_seq() == 0);
    CHECK(replica.data().current_session == second);
    REQUIRE(replica.find_chat(chat_seq) != nullptr);
    CHECK(replica.find_chat(chat_seq)->session_id() == second);

    // After the restart, events still belong to the running session.
    const auto said = pat.send_chat("back again").get();
    REQUIRE(said.ok);
    const auto ended = end_session(fran);
    REQUIRE(ended.ok);
    REQUIRE(pat_sees.wait_for_seq(ended.seq));
    CHECK(event_at(pat_sees, said.seq).session_id() == second);
    CHECK(event_at(pat_sees, ended.seq).session_ended().session_id() == second);
    CHECK(pat.replica().data().current_session == 0);
    CHECK(end_session(fran).code == pb::ERROR_CODE_NO_SESSION);
}
