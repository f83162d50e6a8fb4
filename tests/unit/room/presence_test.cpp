// A room's presence without sockets: joins, leaves and moves fed in, what
// the roster announces and what each tick sends checked.
#include "room/presence.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::room;

namespace {

pb::Participant person(const std::string& id, pb::Role role = pb::ROLE_PARTICIPANT)
{
    pb::Participant p;
    p.set_id(id);
    p.set_name("Person " + id);
    p.set_role(role);
    return p;
}

pb::ParticipantPresence cursor(const std::string& id, double lon, double lat)
{
    pb::ParticipantPresence p;
    p.set_participant_id(id);
    p.mutable_cursor()->set_lon(lon);
    p.mutable_cursor()->set_lat(lat);
    return p;
}

pb::ParticipantPresence viewport(const std::string& id, double zoom)
{
    pb::ParticipantPresence p;
    p.set_participant_id(id);
    p.mutable_viewport()->set_zoom(zoom);
    return p;
}

std::vector<std::string> ids_in(const pb::PresenceUpdate& update)
{
    std::vector<std::string> out;
    for (const auto& p : update.presence())
        out.push_back(p.participant_id());
    return out;
}

} // namespace

TEST_CASE("the roster gains someone with their first connection and loses them with their last")
{
    presence room;
    CHECK(room.join(person("ana")));       // ParticipantJoined
    CHECK_FALSE(room.join(person("ana"))); // a second tab: nothing to announce
    CHECK(room.join(person("ben")));
    CHECK(room.size() == 2);
    CHECK_FALSE(room.leave("ana")); // one tab closed, one still open
    CHECK(room.find("ana") != nullptr);
    CHECK(room.leave("ana")); // ParticipantLeft
    CHECK(room.find("ana") == nullptr);
    CHECK_FALSE(room.leave("ana")); // never twice
    CHECK_FALSE(room.leave("nobody"));
    CHECK(room.join(person("ana"))); // back: joined again
    const auto roster = room.roster();
    REQUIRE(roster.size() == 2);
    CHECK(roster[0].id() == "ana");
    CHECK(roster[1].id() == "ben");
}

TEST_CASE("a refreshed token renames someone on the roster, and nobody else")
{
    presence room;
    room.join(person("ana"));
    auto renamed = room.rename("ana", "Ana Silva", pb::ROLE_FACILITATOR);
    REQUIRE(renamed);
    CHECK(renamed->name() == "Ana Silva");
    CHECK(room.sees_hidden("ana"));
    CHECK_FALSE(room.rename("ben", "Ben", pb::ROLE_PARTICIPANT));
}

TEST_CASE("moves are coalesced between ticks: the newest cursor and viewport of each, once")
{
    presence room;
    room.join(person("ana"));
    room.join(person("ben"));
    CHECK(room.move(cursor("ghost", 1, 1)) == move_outcome::ignored); // not on the roster
    CHECK(room.move(cursor("ana", 13.0, 52.0)) == move_outcome::recorded);
    CHECK(room.move(cursor("ana", 13.5, 52.5)) == move_outcome::replaced);
    CHECK(room.move(viewport("ana", 15)) == move_outcome::replaced);
    CHECK(room.move(viewport("ben", 12)) == move_outcome::recorded);

    auto tick = room.tick(false, "");
    REQUIRE(tick.to_everyone);
    CHECK_FALSE(tick.to_facilitators);
    CHECK_FALSE(tick.to_others);
    REQUIRE(ids_in(*tick.to_everyone) == std::vector<std::string>{"ana", "ben"});
    const auto& ana = tick.to_everyone->presence(0);
    CHECK(ana.cursor().lon() == 13.5);  // the newest, not the first
    CHECK(ana.viewport().zoom() == 15); // a viewport sent apart from the cursor stays
    CHECK_FALSE(tick.to_everyone->presence(1).has_cursor());

    // Nothing moved since: the next tick sends nothing.
    CHECK(room.tick(false, "").empty());
    CHECK_FALSE(room.moves_pending());
}

TEST_CASE("someone who leaves takes their unsent moves with them")
{
    presence room;
    room.join(person("ana"));
    room.join(person("ben"));
    room.move(cursor("ana", 1, 1));
    room.move(cursor("ben", 2, 2));
    CHECK(room.leave("ana"));
    auto tick = room.tick(false, "");
    REQUIRE(tick.to_everyone);
    CHECK(ids_in(*tick.to_everyone) == std::vector<std::string>{"ben"});
    CHECK(room.move(cursor("ana", 3, 3)) == move_outcome::ignored);
}

TEST_CASE("cursors hidden: facilitators see everyone, the others see facilitators and the leader's viewport")
{
    presence room;
    room.join(person("fay", pb::ROLE_FACILITATOR));
    room.join(person("leader"));
    room.join(person("pat"));
    auto lead = cursor("leader", 5, 5);
    *lead.mutable_viewport() = viewport("leader", 14).viewport();
    room.move(lead);
    room.move(cursor("fay", 1, 1));
    room.move(cursor("pat", 9, 9));

    auto tick = room.tick(true, "leader");
    CHECK_FALSE(tick.to_everyone);
    REQUIRE(tick.to_facilitators);
    CHECK(ids_in(*tick.to_facilitators) == std::vector<std::string>{"fay", "leader", "pat"});
    REQUIRE(tick.to_others);
    CHECK(ids_in(*tick.to_others) == std::vector<std::string>{"fay", "leader"});
    const auto& leader = tick.to_others->presence(1);
    CHECK(leader.has_viewport());
    CHECK_FALSE(leader.has_cursor()); // the leader's cursor stays hidden
    CHECK(room.sees_hidden("fay"));
    CHECK_FALSE(room.sees_hidden("pat"));

    // Only a participant moved: the others are sent nothing at all.
    room.move(cursor("pat", 8, 8));
    auto quiet = room.tick(true, "leader");
    REQUIRE(quiet.to_facilitators);
    CHECK_FALSE(quiet.to_others);
}

TEST_CASE("a room that stops clears its roster and says who was on it")
{
    presence room;
    room.join(person("ana"));
    room.join(person("ana"));
    room.join(person("ben"));
    room.move(cursor("ben", 1, 1));
    const auto gone = room.clear();
    REQUIRE(gone.size() == 2);
    CHECK(room.size() == 0);
    CHECK_FALSE(room.moves_pending());
    CHECK(room.join(person("ana"))); // a fresh roster
}
