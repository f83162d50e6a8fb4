// Layer: model tests. The room and its moderation
// (protocol/model/rules/moderation.cpp): room info with city and bounds (then
// positions outside are refused), lock settings applied at once, mute and
// unmute, remove, archive. Every test that changes the room also checks that a
// replica built from its events has the same hash.
#include "model_fixture.hpp"

#include "model/limits.hpp"

#include <string>
#include <vector>

using namespace fixture;

namespace {

struct logged_room {
    model::room_state room{"harbour"};
    std::vector<pb::Event> log;

    pb::Event go(const pb::ClientMessage& c, const model::actor& who, std::int64_t now = now_ms)
    {
        log.push_back(run(room, c, who, now));
        return log.back();
    }
    void check_replica() const { CHECK(replica_of("harbour", log).canonical_hash() == room.canonical_hash()); }
};

template <typename Fill>
pb::ClientMessage room_info(Fill fill)
{
    return command([&](pb::ClientMessage& m) { fill(*m.mutable_update_room_info()->mutable_change()); });
}

pb::Bounds bounds(double west, double south, double east, double north)
{
    pb::Bounds b;
    *b.mutable_south_west() = lon_lat(west, south);
    *b.mutable_north_east() = lon_lat(east, north);
    return b;
}

template <typename Fill>
pb::ClientMessage settings(Fill fill)
{
    return command([&](pb::ClientMessage& m) { fill(*m.mutable_update_settings()->mutable_change()); });
}

pb::ClientMessage mute(const std::string& id, bool muted, const std::string& reason = {})
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_mute_participant()->set_participant_id(id);
        m.mutable_mute_participant()->set_muted(muted);
        m.mutable_mute_participant()->set_reason(reason);
    });
}

pb::ClientMessage remove_participant(const std::string& id, const std::string& reason = {})
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_remove_participant()->set_participant_id(id);
        m.mutable_remove_participant()->set_reason(reason);
    });
}

pb::ClientMessage archive(bool archived)
{
    return command([&](pb::ClientMessage& m) { m.mutable_archive_room()->set_archived(archived); });
}

pb::ClientMessage say(const std::string& text)
{
    return command([&](pb::ClientMessage& m) { m.mutable_send_chat()->set_text(text); });
}

pb::ClientMessage start_at(const std::string& id, double lon, double lat)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_start_thread()->set_thread_id(id);
        *m.mutable_start_thread()->mutable_position() = lon_lat(lon, lat);
        m.mutable_start_thread()->set_text("look here");
    });
}

pb::ClientMessage raise_hand(bool raised)
{
    return command([&](pb::ClientMessage& m) { m.mutable_raise_hand()->set_raised(raised); });
}

pb::ClientMessage retitle(const std::string& id, const std::string& title)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_update_feature()->set_id(id);
        m.mutable_update_feature()->mutable_patch()->set_title(title);
    });
}

pb::ClientMessage delete_feature(const std::string& id)
{
    return command([&](pb::ClientMessage& m) { m.mutable_delete_feature()->set_id(id); });
}

} // namespace

TEST_CASE("a facilitator sets the room's title, city, centre, zoom and bounds")
{
    logged_room r;
    const pb::Event e = r.go(room_info([](pb::RoomInfoChanged& c) {
                                 c.set_title("Harbour district");
                                 c.set_description("Where should the new ferry stop go?");
                                 c.set_city("Cape Town");
                                 *c.mutable_center() = lon_lat(18.42, -33.92);
                                 c.set_zoom(14);
                                 *c.mutable_bounds() = bounds(18.3, -34.0, 18.6, -33.8);
                             }),
                             facilitator);
    REQUIRE(e.has_room_info_changed());
    const pb::RoomInfo& info = r.room.info();
    CHECK(info.id() == "harbour");
    CHECK(info.title() == "Harbour district");
    CHECK(info.description() == "Where should the new ferry stop go?");
    CHECK(info.city() == "Cape Town");
    CHECK(info.center().lon() == 18.42);
    CHECK(info.zoom() == 14);
    REQUIRE(info.has_bounds());
    CHECK(info.bounds().north_east().lat() == -33.8);

    // A change sets only what it names.
    r.go(room_info([](pb::RoomInfoChanged& c) { c.set_city("Kaapstad"); }), facilitator);
    CHECK(r.room.info().city() == "Kaapstad");
    CHECK(r.room.info().title() == "Harbour district");
    CHECK(r.room.info().has_bounds());
    r.check_replica();
}

TEST_CASE("room info changes are checked: something to change, valid bounds, texts and zoom; facilitators only")
{
    logged_room r;
    const auto city = [](const std::string& v) { return room_info([&](pb::RoomInfoChanged& c) { c.set_city(v); }); };
    CHECK(outcome(r.room, city("Durban"), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, city("Durban"), observer) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, room_info([](pb::RoomInfoChanged&) {}), facilitator) == "ERROR_CODE_EMPTY_PATCH");
    CHECK(outcome(r.room, city(std::string(model::limits().max_title_chars + 1, 'c')), facilitator) ==
          "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(outcome(r.room, city("\xc0\xaf"), facilitator) == "ERROR_CODE_INVALID_UTF8");
    CHECK(outcome(r.room, room_info([](pb::RoomInfoChanged& c) { c.set_zoom(25); }), facilitator) ==
          "ERROR_CODE_INVALID_ZOOM");
    CHECK(outcome(r.room, room_info([](pb::RoomInfoChanged& c) { *c.mutable_center() = lon_lat(0, 95); }),
                  facilitator) == "ERROR_CODE_INVALID_COORDINATE");
    const auto inverted = refusal(
        r.room, room_info([](pb::RoomInfoChanged& c) { *c.mutable_bounds() = bounds(14, 52, 13, 53); }), facilitator);
    CHECK(inverted.code == pb::ERROR_CODE_INVALID_COORDINATE);
    CHECK(inverted.message.find("south_west below and left of north_east") != std::string::npos);
    CHECK(outcome(r.room, room_info([](pb::RoomInfoChanged& c) { *c.mutable_bounds() = bounds(13, 52, 200, 53); }),
                  facilitator) == "ERROR_CODE_INVALID_COORDINATE");
    CHECK(outcome(r.room, room_info([](pb::RoomInfoChanged& c) {
                      *c.mutable_bounds() = bounds(13, 52, 14, 53);
                      c.set_clear_bounds(true);
                  }),
                  facilitator) == "ERROR_CODE_INVALID_COORDINATE");
    CHECK(outcome(r.room, city("Durban"), admin) == "accepted");
}

TEST_CASE("with bounds set, features and threads outside them are refused; cleared, they are accepted")
{
    logged_room r;
    r.go(room_info([](pb::RoomInfoChanged& c) { *c.mutable_bounds() = bounds(13.0, 52.0, 14.0, 53.0); }), facilitator);

    const auto outside = refusal(r.room, add(point("paris", 2.35, 48.85)), participant);
    CHECK(outside.code == pb::ERROR_CODE_OUTSIDE_BOUNDS);
    CHECK(outside.message == "position 0: position [2.35, 48.85] is outside the room's bounds [13, 52] to [14, 53]");
    pb::Feature line = point("edge", 13.5, 52.5);
    line.mutable_geometry()->set_kind(pb::FEATURE_KIND_LINE);
    *line.mutable_geometry()->add_positions() = lon_lat(14.5, 52.5);
    CHECK(refusal(r.room, add(line), participant).message.find("position 1:") == 0);
    CHECK(outcome(r.room, start_at("far", 2.35, 48.85), participant) == "ERROR_CODE_OUTSIDE_BOUNDS");
    // The edge is inside.
    r.go(add(point("corner", 14.0, 53.0)), participant);
    r.go(start_at("near", 13.0, 52.0), participant);
    // A move outside is refused as well.
    const auto move_out = command([](pb::ClientMessage& m) {
        m.mutable_update_feature()->set_id("corner");
        auto& g = *m.mutable_update_feature()->mutable_patch()->mutable_geometry();
        g.set_kind(pb::FEATURE_KIND_POINT);
        *g.add_positions() = lon_lat(15, 53);
    });
    CHECK(outcome(r.room, move_out, participant) == "ERROR_CODE_OUTSIDE_BOUNDS");

    r.go(room_info([](pb::RoomInfoChanged& c) { c.set_clear_bounds(true); }), facilitator);
    CHECK_FALSE(r.room.info().has_bounds());
    r.go(add(point("paris", 2.35, 48.85)), participant);
    r.go(start_at("far", 2.35, 48.85), participant);
    r.check_replica();
}

TEST_CASE("the map lock freezes drawing for everyone; a facilitator may still delete")
{
    logged_room r;
    r.go(add(point("mine")), participant);
    const pb::Event e = r.go(settings([](pb::RoomSettingsChange& c) { c.set_map_locked(true); }), facilitator);
    REQUIRE(e.has_settings_changed());
    CHECK(r.room.data().settings.map_locked());

    CHECK(outcome(r.room, add(point("new")), participant) == "ERROR_CODE_LOCKED");
    CHECK(outcome(r.room, retitle("mine", "renamed"), participant) == "ERROR_CODE_LOCKED");
    CHECK(outcome(r.room, delete_feature("mine"), participant) == "ERROR_CODE_LOCKED");
    CHECK(refusal(r.room, add(point("new")), facilitator).message == "the map is locked: a facilitator has frozen it");
    CHECK(outcome(r.room, retitle("mine", "renamed"), facilitator) == "ERROR_CODE_LOCKED");
    // Talking about the map goes on.
    r.go(say("why is it locked?"), participant);
    r.go(start_at("t", 13.4, 52.5), participant);
    r.go(delete_feature("mine"), facilitator);

    r.go(settings([](pb::RoomSettingsChange& c) { c.set_map_locked(false); }), facilitator);
    r.go(add(point("new")), participant);
    r.check_replica();
}

TEST_CASE("audiences: who draws, chats and comments changes at once")
{
    logged_room r;
    r.go(settings([](pb::RoomSettingsChange& c) {
             c.set_annotate(pb::AUDIENCE_FACILITATORS);
             c.set_chat(pb::AUDIENCE_FACILITATORS);
             c.set_comment(pb::AUDIENCE_FACILITATORS);
         }),
         facilitator);
    CHECK(refusal(r.room, add(point("p")), participant).message == "only facilitators may draw on the map right now");
    CHECK(refusal(r.room, say("hi"), participant).message == "only facilitators may chat right now");
    CHECK(refusal(r.room, start_at("t", 13.4, 52.5), participant).message == "only facilitators may comment right now");
    r.go(add(point("f")), facilitator);
    r.go(say("facilitators only for a moment"), facilitator);
    r.go(start_at("t", 13.4, 52.5), facilitator);

    r.go(settings([](pb::RoomSettingsChange& c) {
             c.set_chat(pb::AUDIENCE_EVERYONE);
             c.set_comment(pb::AUDIENCE_EVERYONE);
         }),
         facilitator);
    CHECK(r.room.data().settings.annotate() == pb::AUDIENCE_FACILITATORS); // not named, not changed
    r.go(say("now everyone"), participant);
    r.go(say("even me"), observer);
    r.go(start_at("o", 13.4, 52.5), observer);
    CHECK(outcome(r.room, add(point("p")), participant) == "ERROR_CODE_LOCKED");

    // Observers never draw, whatever the annotate audience.
    r.go(settings([](pb::RoomSettingsChange& c) { c.set_annotate(pb::AUDIENCE_EVERYONE); }), facilitator);
    r.go(add(point("p")), participant);
    CHECK(outcome(r.room, add(point("o")), observer) == "ERROR_CODE_PERMISSION_DENIED");

    // Back to the default: participants, not observers.
    r.go(settings([](pb::RoomSettingsChange& c) {
             c.set_chat(pb::AUDIENCE_UNSPECIFIED);
             c.set_comment(pb::AUDIENCE_PARTICIPANTS);
         }),
         facilitator);
    CHECK(outcome(r.room, say("still here?"), observer) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, start_at("o2", 13.4, 52.5), observer) == "ERROR_CODE_PERMISSION_DENIED");
    r.go(say("yes"), participant);
    r.check_replica();
}

TEST_CASE("settings changes are checked: something to change, known audiences, facilitators only")
{
    logged_room r;
    const auto hide = settings([](pb::RoomSettingsChange& c) { c.set_hide_cursors(true); });
    CHECK(outcome(r.room, hide, participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, hide, observer) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, settings([](pb::RoomSettingsChange&) {}), facilitator) == "ERROR_CODE_EMPTY_PATCH");
    const auto unknown = refusal(
        r.room, settings([](pb::RoomSettingsChange& c) { c.set_chat(static_cast<pb::Audience>(9)); }), facilitator);
    CHECK(unknown.code == pb::ERROR_CODE_INVALID_SETTING);
    CHECK(unknown.message == "chat must be default, facilitators, participants or everyone, got 9");

    r.go(hide, facilitator);
    CHECK(r.room.data().settings.hide_cursors());
    CHECK(r.room.to_proto().settings().hide_cursors()); // what a Welcome carries
    r.go(settings([](pb::RoomSettingsChange& c) { c.set_hide_cursors(false); }), facilitator);
    CHECK_FALSE(r.room.data().settings.hide_cursors());
    r.check_replica();
}

TEST_CASE("a muted participant may not chat or comment until unmuted; drawing goes on")
{
    logged_room r;
    r.go(say("first"), participant);
    r.go(start_at("t", 13.4, 52.5), participant);

    const pb::Event e = r.go(mute(participant.id, true, "cool down"), facilitator);
    REQUIRE(e.has_participant_muted());
    CHECK(e.participant_muted().participant_id() == participant.id);
    CHECK(e.participant_muted().muted());
    CHECK(e.participant_muted().reason() == "cool down");
    CHECK(r.room.data().muted.count(participant.id) == 1);

    const auto muted = refusal(r.room, say("let me speak"), participant);
    CHECK(muted.code == pb::ERROR_CODE_MUTED);
    CHECK(muted.message == "a facilitator muted you: you may not chat or comment for now");
    CHECK(outcome(r.room, start_at("t2", 13.4, 52.5), participant) == "ERROR_CODE_MUTED");
    CHECK(outcome(r.room, command([](pb::ClientMessage& m) {
                      m.mutable_add_comment()->set_thread_id("t");
                      m.mutable_add_comment()->set_text("but");
                  }),
                  participant) == "ERROR_CODE_MUTED");
    CHECK(outcome(r.room, command([](pb::ClientMessage& m) {
                      m.mutable_edit_chat()->set_message_seq(1);
                      m.mutable_edit_chat()->set_text("edited while muted");
                  }),
                  participant) == "ERROR_CODE_MUTED");
    r.go(add(point("still-drawing")), participant);
    r.go(say("others talk on"), participant2);

    CHECK(outcome(r.room, mute(participant.id, true), facilitator) == "ERROR_CODE_NO_CHANGE");
    CHECK(outcome(r.room, mute(participant.id, false), participant2) == "ERROR_CODE_PERMISSION_DENIED");
    r.go(mute(participant.id, false), facilitator);
    CHECK(r.room.data().muted.empty());
    r.go(say("thanks"), participant);
    CHECK(outcome(r.room, mute(participant.id, false), facilitator) == "ERROR_CODE_NO_CHANGE");
    r.check_replica();
}

TEST_CASE("mute and remove name a real participant id, not oneself, with a short reason")
{
    logged_room r;
    CHECK(outcome(r.room, mute("", true), facilitator) == "ERROR_CODE_INVALID_PARTICIPANT");
    CHECK(outcome(r.room, mute("has space", true), facilitator) == "ERROR_CODE_INVALID_PARTICIPANT");
    CHECK(outcome(r.room, mute(facilitator.id, true), facilitator) == "ERROR_CODE_INVALID_PARTICIPANT");
    CHECK(outcome(r.room, mute(participant.id, true, std::string(model::limits().max_title_chars + 1, 'r')),
                  facilitator) == "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(outcome(r.room, remove_participant(""), facilitator) == "ERROR_CODE_INVALID_PARTICIPANT");
    CHECK(outcome(r.room, remove_participant(facilitator.id), facilitator) == "ERROR_CODE_INVALID_PARTICIPANT");
    CHECK(outcome(r.room, remove_participant(participant.id, std::string(1000, 'r')), facilitator) ==
          "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(outcome(r.room, remove_participant(participant2.id), participant) == "ERROR_CODE_PERMISSION_DENIED");
}

TEST_CASE("a removed participant's commands are refused and their raised hand is gone")
{
    logged_room r;
    r.go(add(point("theirs")), participant);
    r.go(raise_hand(true), participant2);
    r.go(raise_hand(true), participant);
    r.go(raise_hand(true), facilitator);
    REQUIRE(r.room.data().hands.size() == 3);

    const pb::Event e = r.go(remove_participant(participant.id, "spamming"), facilitator);
    REQUIRE(e.has_participant_removed());
    CHECK(e.participant_removed().participant_id() == participant.id);
    CHECK(e.participant_removed().reason() == "spamming");
    CHECK(r.room.data().removed.count(participant.id) == 1);
    REQUIRE(r.room.data().hands.size() == 2);
    CHECK(r.room.data().hands[0].participant_id() == participant2.id); // the queue keeps its order
    CHECK(r.room.data().hands[1].participant_id() == facilitator.id);

    const auto removed = refusal(r.room, say("let me back"), participant);
    CHECK(removed.code == pb::ERROR_CODE_PARTICIPANT_REMOVED);
    CHECK(removed.message == "a facilitator removed you from this room");
    CHECK(outcome(r.room, add(point("more")), participant) == "ERROR_CODE_PARTICIPANT_REMOVED");
    CHECK(outcome(r.room, delete_feature("theirs"), participant) == "ERROR_CODE_PARTICIPANT_REMOVED");
    CHECK(outcome(r.room, raise_hand(true), participant) == "ERROR_CODE_PARTICIPANT_REMOVED");
    // Even with another role: removal follows the participant id.
    const model::actor promoted{participant.id, participant.name, pb::ROLE_FACILITATOR, ""};
    CHECK(outcome(r.room, remove_participant(participant2.id), promoted) == "ERROR_CODE_PARTICIPANT_REMOVED");
    // What they drew stays, and others go on.
    CHECK(r.room.find_feature("theirs"));
    r.go(say("back to work"), participant2);
    CHECK(outcome(r.room, remove_participant(participant.id), facilitator) == "ERROR_CODE_NO_CHANGE");
    r.check_replica();
}

TEST_CASE("a removed leader stops leading")
{
    logged_room r;
    const model::actor co_facilitator{"fac-2", "Gil", pb::ROLE_FACILITATOR, ""};
    r.go(command([](pb::ClientMessage& m) { m.mutable_set_follow()->set_on(true); }), co_facilitator);
    REQUIRE(r.room.data().follow.leader_id() == co_facilitator.id);
    r.go(remove_participant(co_facilitator.id), facilitator);
    CHECK(r.room.data().follow.leader_id().empty());
    r.check_replica();
}

TEST_CASE("a facilitator or the admin archives; an archived room refuses everything until one of them reopens it")
{
    logged_room r;
    r.go(add(point("p")), participant);
    CHECK(outcome(r.room, archive(true), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, archive(true), observer) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, archive(false), admin) == "ERROR_CODE_NO_CHANGE");

    const pb::Event e = r.go(archive(true), facilitator);
    REQUIRE(e.has_room_archived());
    CHECK(r.room.data().archived);
    CHECK(r.room.to_proto().archived());

    const auto archived = refusal(r.room, say("hello?"), participant);
    CHECK(archived.code == pb::ERROR_CODE_ROOM_ARCHIVED);
    CHECK(archived.message == "the room is archived: it can be read and exported, not changed");
    CHECK(outcome(r.room, add(point("q")), facilitator) == "ERROR_CODE_ROOM_ARCHIVED");
    CHECK(outcome(r.room, delete_feature("p"), facilitator) == "ERROR_CODE_ROOM_ARCHIVED");
    CHECK(outcome(r.room, settings([](pb::RoomSettingsChange& c) { c.set_map_locked(true); }), facilitator) ==
          "ERROR_CODE_ROOM_ARCHIVED");
    CHECK(outcome(r.room, mute(participant.id, true), facilitator) == "ERROR_CODE_ROOM_ARCHIVED");
    CHECK(outcome(r.room, start_at("t", 13.4, 52.5), participant) == "ERROR_CODE_ROOM_ARCHIVED");
    CHECK(outcome(r.room, raise_hand(true), participant) == "ERROR_CODE_ROOM_ARCHIVED");
    CHECK(outcome(r.room, room_info([](pb::RoomInfoChanged& c) { c.set_city("x"); }), admin) ==
          "ERROR_CODE_ROOM_ARCHIVED");
    CHECK(outcome(r.room, say("hello?"), observer) == "ERROR_CODE_ROOM_ARCHIVED"); // archive is said first
    CHECK(outcome(r.room, archive(true), admin) == "ERROR_CODE_NO_CHANGE");
    CHECK(outcome(r.room, archive(false), participant) == "ERROR_CODE_PERMISSION_DENIED");

    r.go(archive(false), facilitator);
    CHECK_FALSE(r.room.data().archived);
    r.go(say("we are back"), participant);
    r.go(archive(true), admin);
    r.go(archive(false), admin);
    r.check_replica();
}

TEST_CASE("new bounds that leave the centre outside move it to their middle; an explicit centre outside is refused")
{
    logged_room r;
    // The new room is centred on (0, 0); bounds around Berlin leave it outside.
    const pb::Event moved =
        r.go(room_info([](pb::RoomInfoChanged& c) { *c.mutable_bounds() = bounds(13, 52, 14, 53); }), facilitator);
    REQUIRE(moved.room_info_changed().has_center()); // in the event itself: every replica applies the same
    CHECK(r.room.info().center().lon() == doctest::Approx(13.5));
    CHECK(r.room.info().center().lat() == doctest::Approx(52.5));

    // A centre inside the bounds is kept as given.
    r.go(room_info([](pb::RoomInfoChanged& c) { *c.mutable_center() = lon_lat(13.4, 52.52); }), facilitator);
    CHECK(r.room.info().center().lon() == doctest::Approx(13.4));
    // A centre outside the bounds, given or together with new bounds, is refused.
    CHECK(outcome(r.room, room_info([](pb::RoomInfoChanged& c) { *c.mutable_center() = lon_lat(2.35, 48.85); }),
                  facilitator) == "ERROR_CODE_OUTSIDE_BOUNDS");
    CHECK(outcome(r.room, room_info([](pb::RoomInfoChanged& c) {
                      *c.mutable_bounds() = bounds(2, 48, 3, 49);
                      *c.mutable_center() = lon_lat(13.4, 52.5);
                  }),
                  facilitator) == "ERROR_CODE_OUTSIDE_BOUNDS");
    r.check_replica();
}

TEST_CASE("a removed participant who has the floor loses it")
{
    logged_room r;
    r.go(raise_hand(true), participant);
    r.go(command([](pb::ClientMessage& m) { m.mutable_call_next_hand(); }), facilitator);
    REQUIRE(r.room.data().speaking.participant_id() == participant.id);
    r.go(remove_participant(participant.id, "spam"), facilitator);
    CHECK(r.room.data().speaking.participant_id().empty());
    r.check_replica();
}

TEST_CASE("a facilitator chooses the room's base map; \"\" brings back the server's default")
{
    logged_room r;
    CHECK(r.room.info().base_map().empty());
    const pb::Event e = r.go(room_info([](pb::RoomInfoChanged& c) { c.set_base_map("satellite"); }), facilitator);
    REQUIRE(e.has_room_info_changed());
    CHECK(e.room_info_changed().base_map() == "satellite");
    CHECK(r.room.info().base_map() == "satellite");

    // Other info changes keep it.
    r.go(room_info([](pb::RoomInfoChanged& c) { c.set_title("Harbour"); }), facilitator);
    CHECK(r.room.info().base_map() == "satellite");

    r.go(room_info([](pb::RoomInfoChanged& c) { c.set_base_map(""); }), facilitator);
    CHECK(r.room.info().base_map().empty());
    // Back at the default, the state encodes to what it did before a base map was ever chosen.
    logged_room titled;
    for (int i = 0; i < 3; ++i)
        titled.go(room_info([](pb::RoomInfoChanged& c) { c.set_title("Harbour"); }), facilitator);
    CHECK(titled.room.canonical_hash() == r.room.canonical_hash());
    r.check_replica();
}

TEST_CASE("a base map is a tile source id of 1-32 of [a-z0-9_-]; facilitators only")
{
    logged_room r;
    const auto base_map = [](const std::string& v) {
        return room_info([&](pb::RoomInfoChanged& c) { c.set_base_map(v); });
    };
    CHECK(outcome(r.room, base_map("topo"), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, base_map("topo"), observer) == "ERROR_CODE_PERMISSION_DENIED");
    for (const std::string& bad :
         std::vector<std::string>{"Topo", "topo map", "topo/1", "https://tiles.example.org/{z}/{x}/{y}.png",
                                  std::string(33, 'a'), std::string("to\0po", 5), "\xc3\xa9t\xc3\xa9"}) {
        CAPTURE(bad);
        const auto refused = refusal(r.room, base_map(bad), facilitator);
        CHECK(refused.code == pb::ERROR_CODE_INVALID_SETTING);
        CHECK(refused.message.find("base_map must be the id of one of the server's tile sources") != std::string::npos);
    }
    CHECK(outcome(r.room, base_map(std::string(32, 'a')), facilitator) == "accepted");
    CHECK(outcome(r.room, base_map("osm_de-2"), facilitator) == "accepted");
    CHECK(outcome(r.room, base_map(""), facilitator) == "accepted");
}
