// Layer: model tests. Dated sessions inside a long-lived room: start, end,
// which session each event belongs to, and replicas that agree.
#include "model_fixture.hpp"

#include "model/limits.hpp"

#include <string>
#include <vector>

using namespace fixture;

namespace {

pb::ClientMessage start_session(const std::string& title)
{
    return command([&](pb::ClientMessage& m) { m.mutable_start_session()->set_title(title); });
}

pb::ClientMessage end_session()
{
    return command([](pb::ClientMessage& m) { m.mutable_end_session(); });
}

pb::ClientMessage say(const std::string& text)
{
    return command([&](pb::ClientMessage& m) { m.mutable_send_chat()->set_text(text); });
}

} // namespace

TEST_CASE("a session is named by the seq that starts it, and that event belongs to it")
{
    model::room_state room("council");
    std::vector<pb::Event> events;
    events.push_back(run(room, say("before any session"), participant));
    CHECK(events.back().session_id() == 0);

    const pb::Event started = run(room, start_session("Workshop 1: the harbour"), facilitator, now_ms + 10);
    events.push_back(started);
    REQUIRE(started.has_session_started());
    const pb::Session& s = started.session_started().session();
    CHECK(s.id() == started.seq());
    CHECK(s.id() == 2);
    CHECK(s.title() == "Workshop 1: the harbour");
    CHECK(s.started_ms() == now_ms + 10);
    CHECK(s.started_by() == "fac-1");
    CHECK(s.ended_ms() == 0);
    CHECK(started.session_id() == started.seq());
    CHECK(room.data().current_session == 2);

    events.push_back(run(room, say("during"), participant));
    CHECK(events.back().session_id() == 2);
    CHECK(room.data().recent_chat.back().session_id() == 2);
    events.push_back(run(room, add(point("pier")), participant));
    CHECK(events.back().session_id() == 2);

    const pb::Event ended = run(room, end_session(), facilitator, now_ms + 5'000);
    events.push_back(ended);
    CHECK(ended.session_ended().session_id() == 2);
    CHECK(ended.session_id() == 2); // the event that ends a session belongs to it
    CHECK(room.data().current_session == 0);
    REQUIRE(room.data().sessions.size() == 1);
    CHECK(room.data().sessions[0].ended_ms() == now_ms + 5'000);
    CHECK(room.data().sessions[0].ended_seq() == ended.seq());

    events.push_back(run(room, say("after"), participant));
    CHECK(events.back().session_id() == 0);

    const pb::Event second = run(room, start_session("Workshop 2"), facilitator);
    events.push_back(second);
    CHECK(second.session_started().session().id() == second.seq());
    CHECK(room.data().current_session == second.seq());
    REQUIRE(room.data().sessions.size() == 2);
    CHECK(room.data().sessions[1].title() == "Workshop 2");
    CHECK(room.data().sessions[0].ended_seq() == ended.seq()); // the first stays ended

    const auto replica = replica_of("council", events);
    CHECK(replica.canonical_hash() == room.canonical_hash());
    CHECK(replica.to_proto().sessions_size() == 2);
    CHECK(replica.to_proto().current_session() == second.seq());
    // And through a snapshot, as a Welcome carries it.
    CHECK(model::room_state::from_proto(room.to_proto()).canonical_hash() == room.canonical_hash());
}

TEST_CASE("one session at a time: start while one runs is SESSION_RUNNING, end without one is NO_SESSION")
{
    model::room_state room("council");
    const auto none = refusal(room, end_session(), facilitator);
    CHECK(none.code == pb::ERROR_CODE_NO_SESSION);
    CHECK_FALSE(none.message.empty());

    run(room, start_session("First"), facilitator);
    CHECK(outcome(room, start_session("Second"), facilitator) == "ERROR_CODE_SESSION_RUNNING");
    // A bad title while one runs: the running session is what to fix first.
    CHECK(outcome(room, start_session(""), facilitator) == "ERROR_CODE_SESSION_RUNNING");
    run(room, end_session(), facilitator);
    CHECK(outcome(room, end_session(), facilitator) == "ERROR_CODE_NO_SESSION");
}

TEST_CASE("a session's title is text of at most max_title_chars, not blank")
{
    model::room_state room("council");
    CHECK(outcome(room, start_session(""), facilitator) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(room, start_session(" \t\n"), facilitator) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(room, start_session("bad \xc3\x28"), facilitator) == "ERROR_CODE_INVALID_UTF8");
    const std::size_t max = model::limits().max_title_chars;
    CHECK(outcome(room, start_session(std::string(max + 1, 'x')), facilitator) == "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(outcome(room, start_session(std::string(max, 'x')), facilitator) == "accepted");
    CHECK(outcome(room, start_session("Réunion de quartier"), facilitator) == "accepted");
}

TEST_CASE("only facilitators (and the admin API) start and end sessions")
{
    model::room_state room("council");
    CHECK(outcome(room, start_session("Mine"), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, start_session("Mine"), observer) == "ERROR_CODE_PERMISSION_DENIED");
    run(room, start_session("Admin's"), admin);
    CHECK(outcome(room, end_session(), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, end_session(), admin) == "accepted");
}

TEST_CASE("an end for a session that is not running changes only the seq (apply is total)")
{
    model::room_state room("council");
    run(room, start_session("First"), facilitator);
    pb::Event stray;
    stray.set_seq(room.seq() + 1);
    stray.set_time_ms(now_ms);
    stray.mutable_session_ended()->set_session_id(99);
    REQUIRE(room.apply(stray));
    CHECK(room.data().current_session == 1);
    CHECK(room.data().sessions[0].ended_seq() == 0);
}
