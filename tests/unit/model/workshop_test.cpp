// Layer: model tests. Workshop tools: the agenda, the server-time timer,
// share view, follow, spotlight and the raised-hand queue; each rule with
// good and bad inputs, and replicas built from the events agree with the room.
#include "model_fixture.hpp"

#include "model/limits.hpp"

#include <string>
#include <vector>

using namespace fixture;

namespace {

pb::AgendaStep step(const std::string& id, const std::string& title = "Walk the route", std::uint32_t timer_seconds = 0)
{
    pb::AgendaStep s;
    s.set_id(id);
    s.set_title(title);
    s.set_timer_seconds(timer_seconds);
    return s;
}

pb::AgendaStep step_with_center(const std::string& id, double lon, double lat, double zoom)
{
    pb::AgendaStep s = step(id);
    *s.mutable_view()->mutable_center() = lon_lat(lon, lat);
    s.mutable_view()->set_zoom(zoom);
    return s;
}

pb::ClientMessage set_agenda(const std::vector<pb::AgendaStep>& steps)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_set_agenda(); // an empty agenda is a command too
        for (const auto& s : steps)
            *m.mutable_set_agenda()->add_steps() = s;
    });
}

pb::ClientMessage open_step(const std::string& id)
{
    return command([&](pb::ClientMessage& m) { m.mutable_open_agenda_step()->set_step_id(id); });
}

pb::ClientMessage timer(pb::ControlTimer::Action action, std::int64_t duration_ms = 0)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_control_timer()->set_action(action);
        m.mutable_control_timer()->set_duration_ms(duration_ms);
    });
}

pb::Viewport viewport(double w, double s, double e, double n, double zoom)
{
    pb::Viewport v;
    *v.mutable_south_west() = lon_lat(w, s);
    *v.mutable_north_east() = lon_lat(e, n);
    v.set_zoom(zoom);
    return v;
}

pb::ClientMessage share(const pb::Viewport& v)
{
    return command([&](pb::ClientMessage& m) { *m.mutable_share_view()->mutable_viewport() = v; });
}

pb::ClientMessage follow(bool on)
{
    return command([&](pb::ClientMessage& m) { m.mutable_set_follow()->set_on(on); });
}

pb::ClientMessage spotlight(const std::string& id)
{
    return command([&](pb::ClientMessage& m) { m.mutable_spotlight()->set_feature_id(id); });
}

pb::ClientMessage raise_hand(bool raised)
{
    return command([&](pb::ClientMessage& m) { m.mutable_raise_hand()->set_raised(raised); });
}

pb::ClientMessage call_next()
{
    return command([](pb::ClientMessage& m) { m.mutable_call_next_hand(); });
}

pb::ClientMessage clear_hands()
{
    return command([](pb::ClientMessage& m) { m.mutable_clear_hands(); });
}

// A room that records the events it applied, for replicas.
struct recorded_room {
    model::room_state room{"workshop"};
    std::vector<pb::Event> events;

    pb::Event run(const pb::ClientMessage& c, const model::actor& who, std::int64_t now = now_ms)
    {
        events.push_back(fixture::run(room, c, who, now));
        return events.back();
    }
    void check_replica() const { CHECK(replica_of("workshop", events).canonical_hash() == room.canonical_hash()); }
};

} // namespace

// ---------------------------------------------------------------- agenda

TEST_CASE("a facilitator sets an agenda with views, timers and prompts; it replaces the previous one")
{
    recorded_room r;
    pb::AgendaStep intro = step_with_center("intro", 18.42, -33.92, 14);
    intro.set_prompt("What do you notice on your way here?");
    pb::AgendaStep walk = step("walk", "Walk the route", 600);
    pb::Bounds* b = walk.mutable_view()->mutable_bounds();
    *b->mutable_south_west() = lon_lat(18.40, -33.95);
    *b->mutable_north_east() = lon_lat(18.45, -33.90);
    const pb::Event e = r.run(set_agenda({intro, walk}), facilitator);
    REQUIRE(e.has_agenda_set());
    CHECK(e.agenda_set().steps_size() == 2);
    REQUIRE(r.room.data().agenda.size() == 2);
    CHECK(r.room.data().agenda[0].prompt() == "What do you notice on your way here?");
    CHECK(r.room.data().agenda[1].timer_seconds() == 600);
    CHECK(r.room.data().agenda[1].view().bounds().north_east().lat() == -33.90);

    r.run(set_agenda({step("only")}), facilitator);
    REQUIRE(r.room.data().agenda.size() == 1);
    CHECK(r.room.data().agenda[0].id() == "only");

    r.run(set_agenda({}), facilitator); // an empty agenda clears it
    CHECK(r.room.data().agenda.empty());
    r.check_replica();
}

TEST_CASE("an agenda with bad steps is refused with the error of the first problem")
{
    model::room_state room("workshop");
    std::vector<pb::AgendaStep> too_many;
    for (int i = 0; i < 51; ++i)
        too_many.push_back(step("s" + std::to_string(i)));
    CHECK(outcome(room, set_agenda(too_many), facilitator) == "ERROR_CODE_INVALID_AGENDA");
    too_many.pop_back();
    CHECK(outcome(room, set_agenda(too_many), facilitator) == "accepted"); // 50 is the limit

    const auto dup = refusal(room, set_agenda({step("a"), step("b"), step("a")}), facilitator);
    CHECK(dup.code == pb::ERROR_CODE_INVALID_AGENDA);
    CHECK(dup.message.find("step 2") != std::string::npos);

    CHECK(outcome(room, set_agenda({step("")}), facilitator) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(room, set_agenda({step("no spaces")}), facilitator) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(room, set_agenda({step(std::string(65, 'x'))}), facilitator) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(room, set_agenda({step("a", "   ")}), facilitator) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(room, set_agenda({step("a", "")}), facilitator) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(room, set_agenda({step("a", std::string(model::limits().max_title_chars + 1, 't'))}), facilitator) ==
          "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(outcome(room, set_agenda({step("a", std::string(model::limits().max_title_chars, 't'))}), facilitator) ==
          "accepted");
    CHECK(outcome(room, set_agenda({step("a", "bad \xff utf8")}), facilitator) == "ERROR_CODE_INVALID_UTF8");

    pb::AgendaStep long_prompt = step("a");
    long_prompt.set_prompt(std::string(model::limits().max_description_chars + 1, 'p'));
    CHECK(outcome(room, set_agenda({long_prompt}), facilitator) == "ERROR_CODE_TEXT_TOO_LONG");

    CHECK(outcome(room, set_agenda({step("a", "Timer", 24 * 3600)}), facilitator) == "accepted");
    CHECK(outcome(room, set_agenda({step("a", "Timer", 24 * 3600 + 1)}), facilitator) == "ERROR_CODE_INVALID_TIMER");
}

TEST_CASE("an agenda step's view needs a valid centre and zoom, or valid bounds")
{
    model::room_state room("workshop");
    CHECK(outcome(room, set_agenda({step_with_center("a", 200, 0, 10)}), facilitator) ==
          "ERROR_CODE_INVALID_COORDINATE");
    CHECK(outcome(room, set_agenda({step_with_center("a", 0, 91, 10)}), facilitator) ==
          "ERROR_CODE_INVALID_COORDINATE");
    CHECK(outcome(room, set_agenda({step_with_center("a", 0, 0, 25)}), facilitator) == "ERROR_CODE_INVALID_ZOOM");
    CHECK(outcome(room, set_agenda({step_with_center("a", 0, 0, -1)}), facilitator) == "ERROR_CODE_INVALID_ZOOM");

    pb::AgendaStep empty_view = step("a");
    empty_view.mutable_view(); // set, but neither centre nor bounds
    CHECK(outcome(room, set_agenda({empty_view}), facilitator) == "ERROR_CODE_INVALID_AGENDA");

    pb::AgendaStep inverted = step("a");
    *inverted.mutable_view()->mutable_bounds()->mutable_south_west() = lon_lat(10, 10);
    *inverted.mutable_view()->mutable_bounds()->mutable_north_east() = lon_lat(5, 5);
    CHECK(outcome(room, set_agenda({inverted}), facilitator) == "ERROR_CODE_INVALID_COORDINATE");

    pb::AgendaStep good_bounds = step("a");
    *good_bounds.mutable_view()->mutable_bounds()->mutable_south_west() = lon_lat(5, 5);
    *good_bounds.mutable_view()->mutable_bounds()->mutable_north_east() = lon_lat(10, 10);
    CHECK(outcome(room, set_agenda({good_bounds}), facilitator) == "accepted");
    CHECK(outcome(room, set_agenda({step_with_center("a", 18.4, -33.9, 16)}), facilitator) == "accepted");
}

TEST_CASE("opening a step starts its timer in server time; closing it leaves the timer running")
{
    recorded_room r;
    r.run(set_agenda({step_with_center("intro", 18.42, -33.92, 14), step("walk", "Walk", 300)}), facilitator);

    const pb::Event opened = r.run(open_step("intro"), facilitator);
    CHECK(opened.agenda_step_opened().step_id() == "intro");
    CHECK(r.room.data().current_step == "intro");
    CHECK_FALSE(r.room.data().timer.running()); // intro has no timer

    r.run(open_step("walk"), facilitator, now_ms + 5'000);
    CHECK(r.room.data().current_step == "walk");
    const pb::Timer& t = r.room.data().timer;
    CHECK(t.running());
    CHECK(t.duration_ms() == 300'000);
    CHECK(t.remaining_ms() == 300'000);
    CHECK(t.started_at_ms() == now_ms + 5'000);

    CHECK(outcome(r.room, open_step("walk"), facilitator) == "ERROR_CODE_NO_CHANGE");
    CHECK(outcome(r.room, open_step("nope"), facilitator) == "ERROR_CODE_STEP_NOT_FOUND");
    CHECK(outcome(r.room, open_step("bad id \xff"), facilitator) == "ERROR_CODE_STEP_NOT_FOUND");

    r.run(open_step(""), facilitator); // closes the open step
    CHECK(r.room.data().current_step.empty());
    CHECK(r.room.data().timer.running());
    CHECK(outcome(r.room, open_step(""), facilitator) == "ERROR_CODE_NO_CHANGE");
    r.check_replica();
}

TEST_CASE("a new agenda without the open step closes it; one that keeps it keeps it open")
{
    recorded_room r;
    r.run(set_agenda({step("a"), step("b")}), facilitator);
    r.run(open_step("b"), facilitator);
    r.run(set_agenda({step("b", "Renamed"), step("c")}), facilitator);
    CHECK(r.room.data().current_step == "b");
    r.run(set_agenda({step("c")}), facilitator);
    CHECK(r.room.data().current_step.empty());
    r.check_replica();
}

// ---------------------------------------------------------------- timer

TEST_CASE("the timer starts, pauses, resumes and resets in server time")
{
    recorded_room r;
    const pb::Event started = r.run(timer(pb::ControlTimer::ACTION_START, 60'000), facilitator, now_ms);
    CHECK(started.timer_changed().timer().running());
    CHECK(started.timer_changed().timer().started_at_ms() == now_ms);
    CHECK(started.timer_changed().timer().remaining_ms() == 60'000);

    // Paused 20 s later: 40 s remain, whatever the client's clock says.
    const pb::Event paused = r.run(timer(pb::ControlTimer::ACTION_PAUSE), facilitator, now_ms + 20'000);
    CHECK_FALSE(paused.timer_changed().timer().running());
    CHECK(paused.timer_changed().timer().remaining_ms() == 40'000);
    CHECK(r.room.data().timer.remaining_ms() == 40'000);
    CHECK(r.room.data().timer.duration_ms() == 60'000);

    const pb::Event resumed = r.run(timer(pb::ControlTimer::ACTION_RESUME), facilitator, now_ms + 100'000);
    CHECK(resumed.timer_changed().timer().running());
    CHECK(resumed.timer_changed().timer().started_at_ms() == now_ms + 100'000);
    CHECK(resumed.timer_changed().timer().remaining_ms() == 40'000);

    const pb::Event reset = r.run(timer(pb::ControlTimer::ACTION_RESET), facilitator, now_ms + 110'000);
    CHECK_FALSE(reset.timer_changed().timer().running());
    CHECK(reset.timer_changed().timer().remaining_ms() == 60'000);
    CHECK(reset.timer_changed().timer().duration_ms() == 60'000);
    r.check_replica();
}

TEST_CASE("a timer paused after it ran out has 0 left and cannot be resumed")
{
    recorded_room r;
    r.run(timer(pb::ControlTimer::ACTION_START, 10'000), facilitator, now_ms);
    r.run(timer(pb::ControlTimer::ACTION_PAUSE), facilitator, now_ms + 15'000);
    CHECK(r.room.data().timer.remaining_ms() == 0);
    CHECK(outcome(r.room, timer(pb::ControlTimer::ACTION_RESUME), facilitator) == "ERROR_CODE_INVALID_TIMER");
    // A restart brings it back.
    r.run(timer(pb::ControlTimer::ACTION_RESET), facilitator, now_ms + 16'000);
    CHECK(r.room.data().timer.remaining_ms() == 10'000);
    r.run(timer(pb::ControlTimer::ACTION_RESUME), facilitator, now_ms + 17'000);
    CHECK(r.room.data().timer.running());
    r.check_replica();
}

TEST_CASE("a server clock that went backwards pauses the timer with nothing elapsed")
{
    model::room_state room("workshop");
    run(room, timer(pb::ControlTimer::ACTION_START, 10'000), facilitator, now_ms);
    run(room, timer(pb::ControlTimer::ACTION_PAUSE), facilitator, now_ms - 5'000);
    CHECK(room.data().timer.remaining_ms() == 10'000);
}

TEST_CASE("timer actions the timer's state does not allow, and bad durations, are INVALID_TIMER")
{
    model::room_state room("workshop");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_PAUSE), facilitator) == "ERROR_CODE_INVALID_TIMER");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_RESUME), facilitator) == "ERROR_CODE_INVALID_TIMER");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_RESET), facilitator) == "ERROR_CODE_INVALID_TIMER");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_UNSPECIFIED, 60'000), facilitator) ==
          "ERROR_CODE_INVALID_TIMER");
    CHECK(outcome(room, timer(static_cast<pb::ControlTimer::Action>(9), 60'000), facilitator) ==
          "ERROR_CODE_INVALID_TIMER");

    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_START, 0), facilitator) == "ERROR_CODE_INVALID_TIMER");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_START, 999), facilitator) == "ERROR_CODE_INVALID_TIMER");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_START, -60'000), facilitator) == "ERROR_CODE_INVALID_TIMER");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_START, 86'400'001), facilitator) == "ERROR_CODE_INVALID_TIMER");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_START, 1'000), facilitator) == "accepted");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_START, 86'400'000), facilitator) == "accepted");

    run(room, timer(pb::ControlTimer::ACTION_START, 60'000), facilitator);
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_RESUME), facilitator) == "ERROR_CODE_INVALID_TIMER");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_START, 30'000), facilitator) == "accepted"); // restart
    run(room, timer(pb::ControlTimer::ACTION_PAUSE), facilitator, now_ms + 1'000);
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_PAUSE), facilitator) == "ERROR_CODE_INVALID_TIMER");
    run(room, timer(pb::ControlTimer::ACTION_RESET), facilitator);
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_RESET), facilitator) == "ERROR_CODE_NO_CHANGE");
}

// ---------------------------------------------------------------- views

TEST_CASE("share view sends a checked viewport to everyone and leaves the state as it was")
{
    recorded_room r;
    pb::RoomState before = r.room.to_proto();
    const pb::Event e = r.run(share(viewport(18.40, -33.95, 18.45, -33.90, 15)), facilitator);
    CHECK(e.view_shared().viewport().zoom() == 15);
    CHECK(e.view_shared().viewport().north_east().lon() == 18.45);
    CHECK(r.room.seq() == 1);
    CHECK(outcome(r.room, share(viewport(-181, 0, 0, 0, 3)), facilitator) == "ERROR_CODE_INVALID_COORDINATE");
    CHECK(outcome(r.room, share(viewport(0, 0, 0, 95, 3)), facilitator) == "ERROR_CODE_INVALID_COORDINATE");
    CHECK(outcome(r.room, share(viewport(0, 0, 1, 1, 30)), facilitator) == "ERROR_CODE_INVALID_ZOOM");
    CHECK(outcome(r.room, command([](pb::ClientMessage& m) { m.mutable_share_view(); }), facilitator) ==
          "ERROR_CODE_INVALID_COORDINATE");
    r.check_replica();
    before.set_seq(1); // only the seq moved
    CHECK(before.SerializeAsString() == r.room.to_proto().SerializeAsString());
}

TEST_CASE("follow: a facilitator leads; another takes over; the leader or any facilitator stops it")
{
    const model::actor facilitator2{"fac-2", "Gil", pb::ROLE_FACILITATOR, ""};
    recorded_room r;
    CHECK(outcome(r.room, follow(false), facilitator) == "ERROR_CODE_NO_CHANGE");

    r.run(follow(true), facilitator);
    CHECK(r.room.data().follow.leader_id() == "fac-1");
    CHECK(r.room.data().follow.leader_name() == "Fay");
    CHECK(outcome(r.room, follow(true), facilitator) == "ERROR_CODE_NO_CHANGE");

    r.run(follow(true), facilitator2); // takes the lead
    CHECK(r.room.data().follow.leader_id() == "fac-2");
    r.run(follow(false), facilitator2); // the leader stops
    CHECK(r.room.data().follow.leader_id().empty());

    r.run(follow(true), facilitator2);
    r.run(follow(false), facilitator); // any facilitator stops it, e.g. when the leader left
    CHECK(r.room.data().follow.leader_id().empty());
    r.check_replica();
}

TEST_CASE("spotlight a feature, change it, clear it; a missing feature or the same one is refused")
{
    recorded_room r;
    r.run(add(point("bench")), participant);
    r.run(add(point("tree")), participant);
    CHECK(outcome(r.room, spotlight(""), facilitator) == "ERROR_CODE_NO_CHANGE");
    CHECK(outcome(r.room, spotlight("nope"), facilitator) == "ERROR_CODE_FEATURE_NOT_FOUND");

    r.run(spotlight("bench"), facilitator);
    CHECK(r.room.data().spotlight_feature_id == "bench");
    CHECK(outcome(r.room, spotlight("bench"), facilitator) == "ERROR_CODE_NO_CHANGE");
    r.run(spotlight("tree"), facilitator);
    CHECK(r.room.data().spotlight_feature_id == "tree");
    r.run(spotlight(""), facilitator);
    CHECK(r.room.data().spotlight_feature_id.empty());

    // Deleting the spotlit feature clears the spotlight.
    r.run(spotlight("tree"), facilitator);
    r.run(command([](pb::ClientMessage& m) { m.mutable_delete_feature()->set_id("tree"); }), participant);
    CHECK(r.room.data().spotlight_feature_id.empty());
    r.check_replica();
}

// ---------------------------------------------------------------- hands

TEST_CASE("raised hands queue in the order raised; the facilitator calls the first, then clears")
{
    recorded_room r;
    CHECK(outcome(r.room, call_next(), facilitator) == "ERROR_CODE_NO_CHANGE");
    CHECK(outcome(r.room, clear_hands(), facilitator) == "ERROR_CODE_NO_CHANGE");
    CHECK(outcome(r.room, raise_hand(false), participant) == "ERROR_CODE_NO_CHANGE");

    const pb::Event first = r.run(raise_hand(true), participant2);
    CHECK(first.hand_raised().raised());
    CHECK(first.actor_id() == "par-2");
    r.run(raise_hand(true), participant);
    r.run(raise_hand(true), facilitator);
    CHECK(outcome(r.room, raise_hand(true), participant) == "ERROR_CODE_NO_CHANGE");
    REQUIRE(r.room.data().hands.size() == 3);
    CHECK(r.room.data().hands[0].participant_id() == "par-2");
    CHECK(r.room.data().hands[0].name() == "Quinn");
    CHECK(r.room.data().hands[0].raised_seq() == first.seq());
    CHECK(r.room.data().hands[1].participant_id() == "par-1");
    CHECK(r.room.data().hands[2].participant_id() == "fac-1");

    r.run(raise_hand(false), participant); // lowers: leaves the queue
    REQUIRE(r.room.data().hands.size() == 2);
    CHECK(r.room.data().hands[1].participant_id() == "fac-1");

    const pb::Event called = r.run(call_next(), facilitator);
    CHECK(called.hand_called().participant_id() == "par-2");
    CHECK(r.room.data().speaking.participant_id() == "par-2");
    REQUIRE(r.room.data().hands.size() == 1);
    CHECK(r.room.data().hands[0].participant_id() == "fac-1");

    // Raised again after speaking: to the back of the queue.
    r.run(raise_hand(true), participant2);
    CHECK(r.room.data().hands.back().participant_id() == "par-2");

    r.run(clear_hands(), facilitator);
    CHECK(r.room.data().hands.empty());
    CHECK(r.room.data().speaking.participant_id().empty());
    r.check_replica();
}

TEST_CASE("clearing hands with an empty queue still clears who has the floor")
{
    model::room_state room("workshop");
    run(room, raise_hand(true), participant);
    run(room, call_next(), facilitator);
    REQUIRE(room.data().hands.empty());
    CHECK(outcome(room, call_next(), facilitator) == "ERROR_CODE_NO_CHANGE");
    run(room, clear_hands(), facilitator);
    CHECK(room.data().speaking.participant_id().empty());
    CHECK(outcome(room, clear_hands(), facilitator) == "ERROR_CODE_NO_CHANGE");
}

TEST_CASE("workshop commands other than raising a hand are for facilitators")
{
    model::room_state room("workshop");
    run(room, set_agenda({step("a")}), facilitator);
    CHECK(outcome(room, set_agenda({step("b")}), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, open_step("a"), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, timer(pb::ControlTimer::ACTION_START, 60'000), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, share(viewport(0, 0, 1, 1, 3)), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, follow(true), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, call_next(), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, raise_hand(true), participant) == "accepted");
    CHECK(outcome(room, raise_hand(true), observer) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, open_step("a"), admin) == "accepted");
}

TEST_CASE("a replica applying a workshop log with unknown ids stays equal to the room (apply is total)")
{
    // Events a room would never produce: they must change nothing but the seq.
    model::room_state room("workshop");
    std::vector<pb::Event> events;
    auto push = [&](auto fill) {
        pb::Event e;
        e.set_seq(room.seq() + 1);
        e.set_time_ms(now_ms);
        e.set_actor_id("par-1");
        fill(e);
        REQUIRE(room.apply(e));
        events.push_back(e);
    };
    push([](pb::Event& e) { e.mutable_agenda_step_opened()->set_step_id("ghost"); });
    push([](pb::Event& e) { e.mutable_hand_called()->set_participant_id("ghost"); });
    push([](pb::Event& e) { e.mutable_spotlight_changed()->set_feature_id("ghost"); });
    push([](pb::Event& e) { e.mutable_hand_raised()->set_raised(false); });
    CHECK(room.data().current_step.empty());
    CHECK(room.data().speaking.participant_id().empty());
    CHECK(room.data().spotlight_feature_id.empty());
    CHECK(room.data().hands.empty());
    CHECK(room.seq() == 4);
    CHECK(replica_of("workshop", events).canonical_hash() == room.canonical_hash());
}
