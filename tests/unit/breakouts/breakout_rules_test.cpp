// The rules of breakout groups (model/rules/breakouts.cpp): what a round, a
// group's opening, the end and a broadcast need, what they refuse with which
// code, and the state the events fold into in the plenary and a group room.
#include "../model/model_fixture.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace fixture;

namespace {

pb::BreakoutGroup group(const std::string& id, const std::string& name, std::vector<std::string> members)
{
    pb::BreakoutGroup g;
    g.set_id(id);
    g.set_name(name);
    g.set_room_id("plenary.r1." + id);
    for (auto& m : members)
        g.add_participant_ids(m);
    return g;
}

pb::ClientMessage start(const std::string& round_id, std::vector<pb::BreakoutGroup> groups, std::int64_t ends_ms = 0,
                        pb::BreakoutMode mode = pb::BREAKOUT_MODE_BY_HAND)
{
    return command([&](pb::ClientMessage& m) {
        auto* r = m.mutable_start_breakouts()->mutable_round();
        r->set_id(round_id);
        r->set_mode(mode);
        r->set_ends_ms(ends_ms);
        for (auto& g : groups)
            *r->add_groups() = g;
    });
}

pb::ClientMessage end(const std::string& round_id)
{
    return command([&](pb::ClientMessage& m) { m.mutable_end_breakouts()->set_round_id(round_id); });
}

pb::ClientMessage broadcast(const std::string& text)
{
    return command([&](pb::ClientMessage& m) { m.mutable_broadcast_to_groups()->set_text(text); });
}

pb::ClientMessage open_group(const std::string& round_id, const std::string& group_id, bool with_view = true)
{
    return command([&](pb::ClientMessage& m) {
        auto* o = m.mutable_open_breakout_group();
        auto* mem = o->mutable_membership();
        mem->set_parent_room_id("plenary");
        mem->set_round_id(round_id);
        mem->set_group_id(group_id);
        mem->set_group_name("Group " + group_id);
        mem->set_ends_ms(now_ms + 600'000);
        mem->set_group_number(1);
        mem->set_group_count(2);
        if (with_view) {
            *o->mutable_viewport()->mutable_south_west() = lon_lat(13.0, 52.0);
            *o->mutable_viewport()->mutable_north_east() = lon_lat(14.0, 53.0);
            o->mutable_viewport()->set_zoom(12);
        }
        o->set_step_title("Where is it unsafe at night?");
    });
}

std::vector<pb::BreakoutGroup> two_groups()
{
    return {group("g1", "North", {"par-1"}), group("g2", "South", {"par-2", "par-3"})};
}

} // namespace

TEST_CASE("a round starts in the plenary, is refused while open, and ends")
{
    model::room_state room("plenary");
    const pb::Event started = run(room, start("r1", two_groups(), now_ms + 600'000), admin);
    CHECK(started.has_breakouts_started());
    CHECK(room.data().breakouts.id() == "r1");
    CHECK(room.data().breakouts.open());
    CHECK(room.data().breakouts.started_ms() == now_ms);
    CHECK(room.data().breakouts.ends_ms() == now_ms + 600'000);
    REQUIRE(room.data().breakouts.groups_size() == 2);
    CHECK(room.data().breakouts.groups(1).participant_ids(1) == "par-3");

    CHECK(outcome(room, start("r2", two_groups()), admin) == "ERROR_CODE_BREAKOUTS_RUNNING");
    CHECK(outcome(room, end("other"), admin) == "ERROR_CODE_NO_BREAKOUTS");

    const pb::Event ended = run(room, end("r1"), admin);
    CHECK(ended.breakouts_ended().round_id() == "r1");
    CHECK_FALSE(room.data().breakouts.open());
    CHECK(room.data().breakouts.groups_size() == 2); // the last round is kept
    CHECK(outcome(room, end("r1"), admin) == "ERROR_CODE_NO_BREAKOUTS");
    CHECK(outcome(room, broadcast("hello"), admin) == "ERROR_CODE_NO_BREAKOUTS");
    // A round id is not held twice in one room; a new one starts.
    CHECK(outcome(room, start("r1", two_groups()), admin) == "ERROR_CODE_INVALID_BREAKOUT");
    CHECK(outcome(room, start("r2", two_groups()), admin) == "accepted");
}

TEST_CASE("an empty round id ends the open round")
{
    model::room_state room("plenary");
    run(room, start("r1", two_groups()), admin);
    CHECK(run(room, end(""), admin).breakouts_ended().round_id() == "r1");
}

TEST_CASE("a round's groups, members, mode and timer are checked")
{
    model::room_state room("plenary");
    CHECK(outcome(room, start("r1", {}), admin) == "ERROR_CODE_INVALID_BREAKOUT");
    std::vector<pb::BreakoutGroup> many;
    for (int i = 1; i <= 21; ++i)
        many.push_back(group("g" + std::to_string(i), "Group " + std::to_string(i), {}));
    CHECK(outcome(room, start("r1", many), admin) == "ERROR_CODE_INVALID_BREAKOUT");
    many.pop_back();
    CHECK(outcome(room, start("r1", many), admin) == "accepted");

    CHECK(outcome(room, start("bad id!", two_groups()), admin) == "ERROR_CODE_INVALID_BREAKOUT");
    CHECK(outcome(room, start("r1", {group("g1", "A", {}), group("g1", "B", {})}), admin) ==
          "ERROR_CODE_INVALID_BREAKOUT");
    CHECK(outcome(room, start("r1", {group("g1", "Same", {}), group("g2", "Same", {})}), admin) ==
          "ERROR_CODE_INVALID_BREAKOUT");
    CHECK(outcome(room, start("r1", {group("g1", "A", {"par-1"}), group("g2", "B", {"par-1"})}), admin) ==
          "ERROR_CODE_INVALID_BREAKOUT");
    CHECK(outcome(room, start("r1", {group("g1", "A", {"has space"})}), admin) == "ERROR_CODE_INVALID_PARTICIPANT");
    CHECK(outcome(room, start("r1", {group("g1", "   ", {})}), admin) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(room, start("r1", {group("g!", "A", {})}), admin) == "ERROR_CODE_INVALID_BREAKOUT");

    auto own_room = group("g1", "A", {});
    own_room.set_room_id("plenary");
    CHECK(outcome(room, start("r1", {own_room}), admin) == "ERROR_CODE_INVALID_BREAKOUT");
    auto shared_room = group("g2", "B", {});
    shared_room.set_room_id("plenary.r1.g1");
    CHECK(outcome(room, start("r1", {group("g1", "A", {}), shared_room}), admin) == "ERROR_CODE_INVALID_BREAKOUT");
    auto bad_room = group("g1", "A", {});
    bad_room.set_room_id("no/slashes");
    CHECK(outcome(room, start("r1", {bad_room}), admin) == "ERROR_CODE_INVALID_BREAKOUT");

    CHECK(outcome(room, start("r1", two_groups(), 0, pb::BREAKOUT_MODE_UNSPECIFIED), admin) ==
          "ERROR_CODE_INVALID_BREAKOUT");
    CHECK(outcome(room, start("r1", two_groups(), 0, pb::BreakoutMode(99)), admin) == "ERROR_CODE_INVALID_BREAKOUT");
    CHECK(outcome(room, start("r1", two_groups(), 0, pb::BREAKOUT_MODE_RANDOM), admin) == "accepted");
    CHECK(outcome(room, start("r1", two_groups(), 0, pb::BREAKOUT_MODE_BY_CITY), admin) == "accepted");

    CHECK(outcome(room, start("r1", two_groups(), now_ms), admin) == "ERROR_CODE_INVALID_BREAKOUT");
    CHECK(outcome(room, start("r1", two_groups(), now_ms + 25LL * 3600 * 1000), admin) ==
          "ERROR_CODE_INVALID_BREAKOUT");
    CHECK(outcome(room, start("r1", two_groups(), now_ms + 1), admin) == "accepted");
}

TEST_CASE("breakout commands are the server's own: refused from a facilitator")
{
    model::room_state room("plenary");
    CHECK(outcome(room, start("r1", two_groups()), facilitator) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, open_group("r1", "g1"), facilitator) == "ERROR_CODE_PERMISSION_DENIED");
    run(room, start("r1", two_groups()), admin);
    CHECK(outcome(room, end("r1"), facilitator) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, broadcast("hi"), participant) == "ERROR_CODE_PERMISSION_DENIED");
}

TEST_CASE("a group's room opens at the plenary's view, takes broadcasts, and ends")
{
    model::room_state room("plenary.r1.g1");
    CHECK(outcome(room, broadcast("hi"), admin) == "ERROR_CODE_NO_BREAKOUTS");
    CHECK(outcome(room, end("r1"), admin) == "ERROR_CODE_NO_BREAKOUTS");

    run(room, open_group("r1", "g1"), admin);
    const pb::BreakoutMembership& m = room.data().breakout_of;
    CHECK(m.parent_room_id() == "plenary");
    CHECK(m.round_id() == "r1");
    CHECK(m.group_id() == "g1");
    CHECK(m.group_name() == "Group g1");
    CHECK(m.ends_ms() == now_ms + 600'000);
    CHECK(m.group_number() == 1);
    CHECK(m.group_count() == 2);
    CHECK_FALSE(m.ended());
    CHECK(m.step_title() == "Where is it unsafe at night?");
    CHECK(m.viewport().zoom() == 12);
    CHECK(room.info().center().lon() == doctest::Approx(13.5));
    CHECK(room.info().center().lat() == doctest::Approx(52.5));
    CHECK(room.info().zoom() == 12);

    CHECK(outcome(room, open_group("r1", "g1"), admin) == "ERROR_CODE_BREAKOUTS_RUNNING");
    CHECK(outcome(room, start("r9", two_groups()), admin) == "ERROR_CODE_INVALID_BREAKOUT");

    CHECK(run(room, broadcast("Five minutes left"), admin).groups_broadcast().text() == "Five minutes left");
    CHECK(outcome(room, broadcast(""), admin) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(room, broadcast(std::string(501, 'x')), admin) == "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(outcome(room, broadcast(std::string(500, 'x')), admin) == "accepted");

    CHECK(outcome(room, end("r2"), admin) == "ERROR_CODE_NO_BREAKOUTS");
    run(room, end("r1"), admin);
    CHECK(room.data().breakout_of.ended());
    CHECK(outcome(room, end("r1"), admin) == "ERROR_CODE_NO_BREAKOUTS");
    CHECK(outcome(room, broadcast("late"), admin) == "ERROR_CODE_NO_BREAKOUTS");
    // A later round may use the room again.
    run(room, open_group("r2", "g1", false), admin);
    CHECK(room.data().breakout_of.round_id() == "r2");
    CHECK_FALSE(room.data().breakout_of.has_viewport());
}

TEST_CASE("an opening's membership and view are checked")
{
    model::room_state room("plenary.r1.g1");
    auto bad = open_group("r1", "g1");
    bad.mutable_open_breakout_group()->mutable_membership()->set_parent_room_id("plenary.r1.g1");
    CHECK(outcome(room, bad, admin) == "ERROR_CODE_INVALID_BREAKOUT");
    bad = open_group("r1", "g 1");
    CHECK(outcome(room, bad, admin) == "ERROR_CODE_INVALID_BREAKOUT");
    bad = open_group("", "g1");
    CHECK(outcome(room, bad, admin) == "ERROR_CODE_INVALID_BREAKOUT");
    bad = open_group("r1", "g1");
    bad.mutable_open_breakout_group()->mutable_viewport()->set_zoom(99);
    CHECK(outcome(room, bad, admin) != "accepted");
    bad = open_group("r1", "g1");
    bad.mutable_open_breakout_group()->mutable_membership()->set_group_number(3);
    CHECK(outcome(room, bad, admin) == "ERROR_CODE_INVALID_BREAKOUT");
    bad = open_group("r1", "g1");
    bad.mutable_open_breakout_group()->mutable_membership()->set_group_name("");
    CHECK(outcome(room, bad, admin) == "ERROR_CODE_EMPTY_MESSAGE");

    model::room_state plenary("plenary");
    run(plenary, start("r1", two_groups()), admin);
    CHECK(outcome(plenary, open_group("r0", "g1"), admin) == "ERROR_CODE_INVALID_BREAKOUT");
}

TEST_CASE("a replica folds the same events into the same state")
{
    model::room_state room("plenary");
    std::vector<pb::Event> events;
    events.push_back(run(room, start("r1", two_groups(), now_ms + 60'000), admin));
    events.push_back(run(room, broadcast("Back in five"), admin));
    events.push_back(run(room, end("r1"), admin));
    const auto replica = replica_of("plenary", events);
    CHECK(replica.canonical_hash() == room.canonical_hash());
    CHECK(model::room_state::from_proto(room.to_proto()).canonical_hash() == room.canonical_hash());

    model::room_state group_room("plenary.r1.g1");
    std::vector<pb::Event> group_events{run(group_room, open_group("r1", "g1"), admin)};
    group_events.push_back(run(group_room, end("r1"), admin));
    CHECK(replica_of("plenary.r1.g1", group_events).canonical_hash() == group_room.canonical_hash());
    CHECK(group_room.to_proto().breakout_of().ended());
}

TEST_CASE("apply is total: events naming no round change nothing")
{
    model::room_state room("plenary");
    pb::Event e;
    e.set_seq(1);
    e.mutable_breakouts_ended()->set_round_id("nothing");
    REQUIRE(room.apply(e));
    CHECK_FALSE(room.data().breakouts.open());
    CHECK(room.data().breakout_of.round_id().empty());
    pb::Event opened;
    opened.set_seq(2);
    opened.mutable_breakout_group_opened();
    REQUIRE(room.apply(opened));
    CHECK(room.seq() == 2);
}
