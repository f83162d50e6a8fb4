// Workshop tools over the wire: a facilitator's agenda,
// timer, shared view, follow, spotlight and the hand queue reach every other
// client as events, and their replicas show the same state. Commands go
// through client::send, the way any client may send them.
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <optional>
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

// The event with that seq among what the recorder saw.
std::optional<pb::Event> event_at(const event_recorder& seen, std::uint64_t seq)
{
    for (const pb::Event& e : seen.events())
        if (e.seq() == seq)
            return e;
    return std::nullopt;
}

pb::LonLat lon_lat(double lon, double lat)
{
    pb::LonLat p;
    p.set_lon(lon);
    p.set_lat(lat);
    return p;
}

// An agenda of two steps: "intro" takes the map to a centre and zoom;
// "walk" fits bounds and starts a 5-minute timer.
void fill_agenda(pb::ClientMessage& m)
{
    pb::AgendaStep& intro = *m.mutable_set_agenda()->add_steps();
    intro.set_id("intro");
    intro.set_title("Welcome and introductions");
    *intro.mutable_view()->mutable_center() = lon_lat(18.4241, -33.9249);
    intro.mutable_view()->set_zoom(13);
    pb::AgendaStep& walk = *m.mutable_set_agenda()->add_steps();
    walk.set_id("walk");
    walk.set_title("Walk the route");
    walk.set_prompt("Where do you feel unsafe?");
    walk.set_timer_seconds(300);
    *walk.mutable_view()->mutable_bounds()->mutable_south_west() = lon_lat(18.41, -33.93);
    *walk.mutable_view()->mutable_bounds()->mutable_north_east() = lon_lat(18.43, -33.91);
}

} // namespace

TEST_CASE("a facilitator opens an agenda step: everyone sees it, with the step's view and its running timer")
{
    server_process server;
    client fran(server.options("harbour", "fran", pb::ROLE_FACILITATOR));
    client pat(server.options("harbour", "pat"));
    event_recorder pat_sees(pat);
    join_or_fail(fran);
    join_or_fail(pat);

    const auto agenda = send(fran, fill_agenda);
    REQUIRE(agenda.ok);
    const auto opened = send(fran, [](pb::ClientMessage& m) { m.mutable_open_agenda_step()->set_step_id("walk"); });
    REQUIRE(opened.ok);
    REQUIRE(pat_sees.wait_for_seq(opened.seq));

    const auto event = event_at(pat_sees, opened.seq);
    REQUIRE(event.has_value());
    REQUIRE(event->has_agenda_step_opened());
    CHECK(event->agenda_step_opened().step_id() == "walk");
    CHECK(event->actor_id() == "fran");

    const auto replica = pat.replica();
    CHECK(replica.data().current_step == "walk");
    REQUIRE(replica.data().agenda.size() == 2);
    // The view a client moves its map to when it sees the event.
    const pb::MapView& view = replica.data().agenda[1].view();
    CHECK(view.bounds().south_west().lon() == 18.41);
    CHECK(view.bounds().north_east().lat() == -33.91);
    CHECK(replica.data().agenda[1].prompt() == "Where do you feel unsafe?");
    // The timer started with the step, in server time (the event's time).
    const pb::Timer& timer = replica.data().timer;
    CHECK(timer.running());
    CHECK(timer.duration_ms() == 300'000);
    CHECK(timer.remaining_ms() == 300'000);
    CHECK(timer.started_at_ms() == event->time_ms());
    CHECK(replica.canonical_hash() == fran.replica().canonical_hash());

    // A late joiner gets the open step and the timer in its Welcome.
    client lou(server.options("harbour", "lou", pb::ROLE_OBSERVER));
    join_or_fail(lou);
    CHECK(lou.replica().data().current_step == "walk");
    CHECK(lou.replica().data().timer.started_at_ms() == event->time_ms());

    // Closing the step: nobody's step is open any more.
    const auto closed = send(fran, [](pb::ClientMessage& m) { m.mutable_open_agenda_step(); });
    REQUIRE(closed.ok);
    REQUIRE(pat_sees.wait_for_seq(closed.seq));
    CHECK(pat.replica().data().current_step.empty());

    const auto missing = send(fran, [](pb::ClientMessage& m) { m.mutable_open_agenda_step()->set_step_id("nope"); });
    CHECK_FALSE(missing.ok);
    CHECK(missing.code == pb::ERROR_CODE_STEP_NOT_FOUND);
    CHECK_FALSE(missing.message.empty());
}

TEST_CASE("the timer pauses, resumes and resets in server time, the same for every client")
{
    server_process server;
    client fran(server.options("square", "fran", pb::ROLE_FACILITATOR));
    client pat(server.options("square", "pat"));
    event_recorder pat_sees(pat);
    join_or_fail(fran);
    join_or_fail(pat);

    auto timer = [&](pb::ControlTimer::Action action, std::int64_t duration_ms = 0) {
        return send(fran, [&](pb::ClientMessage& m) {
            m.mutable_control_timer()->set_action(action);
            m.mutable_control_timer()->set_duration_ms(duration_ms);
        });
    };
    const auto bad = timer(pb::ControlTimer::ACTION_PAUSE);
    CHECK_FALSE(bad.ok);
    CHECK(bad.code == pb::ERROR_CODE_INVALID_TIMER);
    const auto too_short = timer(pb::ControlTimer::ACTION_START, 10);
    CHECK(too_short.code == pb::ERROR_CODE_INVALID_TIMER);

    const auto started = timer(pb::ControlTimer::ACTION_START, 600'000);
    REQUIRE(started.ok);
    const auto paused = timer(pb::ControlTimer::ACTION_PAUSE);
    REQUIRE(paused.ok);
    REQUIRE(pat_sees.wait_for_seq(paused.seq));
    const auto start_event = event_at(pat_sees, started.seq);
    const auto pause_event = event_at(pat_sees, paused.seq);
    REQUIRE(start_event.has_value());
    REQUIRE(pause_event.has_value());
    const pb::Timer& at_start = start_event->timer_changed().timer();
    const pb::Timer& at_pause = pause_event->timer_changed().timer();
    CHECK(at_start.running());
    CHECK(at_start.started_at_ms() == start_event->time_ms());
    CHECK_FALSE(at_pause.running());
    // What remained is computed from the two events' server times, not from
    // any client's clock.
    CHECK(at_pause.remaining_ms() ==
          std::max<std::int64_t>(0, 600'000 - (pause_event->time_ms() - start_event->time_ms())));
    CHECK(pat.replica().data().timer.remaining_ms() == at_pause.remaining_ms());
    CHECK_FALSE(pat.replica().data().timer.running());

    const auto resumed = timer(pb::ControlTimer::ACTION_RESUME);
    REQUIRE(resumed.ok);
    REQUIRE(pat_sees.wait_for_seq(resumed.seq));
    const auto resume_event = event_at(pat_sees, resumed.seq);
    REQUIRE(resume_event.has_value());
    CHECK(resume_event->timer_changed().timer().running());
    CHECK(resume_event->timer_changed().timer().started_at_ms() == resume_event->time_ms());
    CHECK(resume_event->timer_changed().timer().remaining_ms() == at_pause.remaining_ms());
    const auto again = timer(pb::ControlTimer::ACTION_RESUME);
    CHECK(again.code == pb::ERROR_CODE_INVALID_TIMER);

    const auto reset = timer(pb::ControlTimer::ACTION_RESET);
    REQUIRE(reset.ok);
    REQUIRE(pat_sees.wait_for_seq(reset.seq));
    CHECK_FALSE(pat.replica().data().timer.running());
    CHECK(pat.replica().data().timer.remaining_ms() == 600'000);
    CHECK(pat.replica().canonical_hash() == fran.replica().canonical_hash());
}

TEST_CASE("share view, follow and spotlight reach the others")
{
    server_process server;
    client fran(server.options("park", "fran", pb::ROLE_FACILITATOR));
    client gil(server.options("park", "gil", pb::ROLE_FACILITATOR));
    client pat(server.options("park", "pat"));
    event_recorder pat_sees(pat);
    join_or_fail(fran);
    join_or_fail(gil);
    join_or_fail(pat);

    const auto shared = send(fran, [](pb::ClientMessage& m) {
        pb::Viewport& v = *m.mutable_share_view()->mutable_viewport();
        *v.mutable_south_west() = lon_lat(13.37, 52.50);
        *v.mutable_north_east() = lon_lat(13.42, 52.53);
        v.set_zoom(15);
    });
    REQUIRE(shared.ok);
    REQUIRE(pat_sees.wait_for_seq(shared.seq));
    const auto view_event = event_at(pat_sees, shared.seq);
    REQUIRE(view_event.has_value());
    REQUIRE(view_event->has_view_shared());
    CHECK(view_event->view_shared().viewport().zoom() == 15);
    CHECK(view_event->view_shared().viewport().south_west().lon() == 13.37);
    CHECK(view_event->actor_id() == "fran");

    const auto bad_view = send(fran, [](pb::ClientMessage& m) {
        pb::Viewport& v = *m.mutable_share_view()->mutable_viewport();
        *v.mutable_south_west() = lon_lat(200, 0);
        v.set_zoom(3);
    });
    CHECK(bad_view.code == pb::ERROR_CODE_INVALID_COORDINATE);

    // Follow: fran leads; gil, another facilitator, stops it.
    const auto on = send(fran, [](pb::ClientMessage& m) { m.mutable_set_follow()->set_on(true); });
    REQUIRE(on.ok);
    REQUIRE(pat_sees.wait_for_seq(on.seq));
    CHECK(pat.replica().data().follow.leader_id() == "fran");
    CHECK(pat.replica().data().follow.leader_name() == "fran");
    const auto twice = send(fran, [](pb::ClientMessage& m) { m.mutable_set_follow()->set_on(true); });
    CHECK(twice.code == pb::ERROR_CODE_NO_CHANGE);
    const auto off = send(gil, [](pb::ClientMessage& m) { m.mutable_set_follow()->set_on(false); });
    REQUIRE(off.ok);
    REQUIRE(pat_sees.wait_for_seq(off.seq));
    CHECK(pat.replica().data().follow.leader_id().empty());
    const auto participant_follow = send(pat, [](pb::ClientMessage& m) { m.mutable_set_follow()->set_on(true); });
    CHECK(participant_follow.code == pb::ERROR_CODE_PERMISSION_DENIED);

    // Spotlight on pat's feature, then cleared.
    REQUIRE(pat.add_feature(point_feature("broken-lamp", 13.40, 52.51, "Broken lamp")).get().ok);
    const auto missing = send(fran, [](pb::ClientMessage& m) { m.mutable_spotlight()->set_feature_id("nope"); });
    CHECK(missing.code == pb::ERROR_CODE_FEATURE_NOT_FOUND);
    const auto lit = send(fran, [](pb::ClientMessage& m) { m.mutable_spotlight()->set_feature_id("broken-lamp"); });
    REQUIRE(lit.ok);
    REQUIRE(pat_sees.wait_for_seq(lit.seq));
    CHECK(pat.replica().data().spotlight_feature_id == "broken-lamp");
    const auto cleared = send(fran, [](pb::ClientMessage& m) { m.mutable_spotlight(); });
    REQUIRE(cleared.ok);
    REQUIRE(pat_sees.wait_for_seq(cleared.seq));
    CHECK(pat.replica().data().spotlight_feature_id.empty());
    CHECK(pat.replica().canonical_hash() == fran.replica().canonical_hash());
}

TEST_CASE("participants raise hands in order; the facilitator calls the next and clears the queue")
{
    server_process server;
    client fran(server.options("hall", "fran", pb::ROLE_FACILITATOR));
    client pat(server.options("hall", "pat"));
    client quinn(server.options("hall", "quinn"));
    client obi(server.options("hall", "obi", pb::ROLE_OBSERVER));
    event_recorder fran_sees(fran);
    event_recorder quinn_sees(quinn);
    join_or_fail(fran);
    join_or_fail(pat);
    join_or_fail(quinn);
    join_or_fail(obi);

    auto raise = [](bool up) { return [up](pb::ClientMessage& m) { m.mutable_raise_hand()->set_raised(up); }; };
    const auto first = send(quinn, raise(true));
    REQUIRE(first.ok);
    const auto second = send(pat, raise(true));
    REQUIRE(second.ok);
    CHECK(send(pat, raise(true)).code == pb::ERROR_CODE_NO_CHANGE);
    CHECK(send(obi, raise(true)).code == pb::ERROR_CODE_PERMISSION_DENIED);

    REQUIRE(fran_sees.wait_for_seq(second.seq));
    auto hands = fran.replica().data().hands;
    REQUIRE(hands.size() == 2);
    CHECK(hands[0].participant_id() == "quinn");
    CHECK(hands[0].raised_seq() == first.seq);
    CHECK(hands[1].participant_id() == "pat");

    CHECK(send(pat, [](pb::ClientMessage& m) { m.mutable_call_next_hand(); }).code == pb::ERROR_CODE_PERMISSION_DENIED);
    const auto called = send(fran, [](pb::ClientMessage& m) { m.mutable_call_next_hand(); });
    REQUIRE(called.ok);
    REQUIRE(fran_sees.wait_for_seq(called.seq));
    const auto call_event = event_at(fran_sees, called.seq);
    REQUIRE(call_event.has_value());
    CHECK(call_event->hand_called().participant_id() == "quinn");
    CHECK(fran.replica().data().speaking.participant_id() == "quinn");
    REQUIRE(fran.replica().data().hands.size() == 1);
    CHECK(fran.replica().data().hands[0].participant_id() == "pat");

    const auto lowered = send(pat, raise(false));
    REQUIRE(lowered.ok);
    CHECK(send(pat, raise(false)).code == pb::ERROR_CODE_NO_CHANGE);
    REQUIRE(send(pat, raise(true)).ok);

    const auto cleared = send(fran, [](pb::ClientMessage& m) { m.mutable_clear_hands(); });
    REQUIRE(cleared.ok);
    REQUIRE(fran_sees.wait_for_seq(cleared.seq));
    CHECK(fran.replica().data().hands.empty());
    CHECK(fran.replica().data().speaking.participant_id().empty());
    CHECK(send(fran, [](pb::ClientMessage& m) { m.mutable_call_next_hand(); }).code == pb::ERROR_CODE_NO_CHANGE);
    CHECK(send(fran, [](pb::ClientMessage& m) { m.mutable_clear_hands(); }).code == pb::ERROR_CODE_NO_CHANGE);
    REQUIRE(quinn_sees.wait_for_seq(cleared.seq));
    CHECK(quinn.replica().canonical_hash() == fran.replica().canonical_hash());
}

TEST_CASE("a participant cannot steer the workshop: PERMISSION_DENIED on the wire, nothing changes")
{
    server_process server;
    client fran(server.options("lab", "fran", pb::ROLE_FACILITATOR));
    client pat(server.options("lab", "pat"));
    join_or_fail(fran);
    join_or_fail(pat);
    REQUIRE(send(fran, fill_agenda).ok);
    const auto before = fran.seq(); // the sender's replica holds its event when the ack arrives

    const auto open = send(pat, [](pb::ClientMessage& m) { m.mutable_open_agenda_step()->set_step_id("intro"); });
    CHECK_FALSE(open.ok);
    CHECK(open.code == pb::ERROR_CODE_PERMISSION_DENIED);
    CHECK(open.message.find("open_agenda_step") != std::string::npos);
    const auto agenda = send(pat, fill_agenda);
    CHECK(agenda.code == pb::ERROR_CODE_PERMISSION_DENIED);
    const auto timer = send(pat, [](pb::ClientMessage& m) {
        m.mutable_control_timer()->set_action(pb::ControlTimer::ACTION_START);
        m.mutable_control_timer()->set_duration_ms(60'000);
    });
    CHECK(timer.code == pb::ERROR_CODE_PERMISSION_DENIED);

    // Nothing was sequenced: the next accepted event follows the agenda.
    const auto opened = send(fran, [](pb::ClientMessage& m) { m.mutable_open_agenda_step()->set_step_id("intro"); });
    REQUIRE(opened.ok);
    CHECK(opened.seq == before + 1);
}
