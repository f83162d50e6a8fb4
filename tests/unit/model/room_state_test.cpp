// Layer: model. The room state machine, tested by feeding commands and events
// and looking at the outcome and the resulting state. No sockets, no clock:
// time is a constant passed in.
#include "model/limits.hpp"
#include "model/room_state.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <variant>
#include <vector>

namespace model = maptable::model;
namespace pb = maptable::v1;
using model::actor;
using model::limits;
using model::rejection;
using model::room_state;

namespace {

constexpr std::int64_t now_ms = 1'700'000'000'000;

const actor facilitator{"fac-1", "Fay", pb::ROLE_FACILITATOR};
const actor participant{"par-1", "Pat", pb::ROLE_PARTICIPANT};
const actor observer{"obs-1", "Obi", pb::ROLE_OBSERVER};
const actor no_role{"non-1", "Nel", pb::ROLE_UNSPECIFIED};

pb::LonLat lon_lat(double lon, double lat)
{
    pb::LonLat p;
    p.set_lon(lon);
    p.set_lat(lat);
    return p;
}

pb::Geometry geometry(pb::FeatureKind kind, std::size_t count)
{
    pb::Geometry g;
    g.set_kind(kind);
    for (std::size_t i = 0; i < count; ++i)
        *g.add_positions() = lon_lat(13.4 + 0.001 * static_cast<double>(i), 52.5);
    return g;
}

pb::Feature feature(const std::string& id, pb::FeatureKind kind = pb::FEATURE_KIND_POINT, std::size_t positions = 0)
{
    if (positions == 0)
        positions = kind == pb::FEATURE_KIND_LINE ? 2 : kind == pb::FEATURE_KIND_AREA ? 3 : 1;
    pb::Feature f;
    f.set_id(id);
    *f.mutable_geometry() = geometry(kind, positions);
    f.set_title("Bus stop " + id);
    return f;
}

pb::ClientMessage add(const pb::Feature& f)
{
    pb::ClientMessage m;
    m.set_request_id(1);
    *m.mutable_add_feature()->mutable_feature() = f;
    return m;
}

pb::ClientMessage update(const std::string& id, const pb::FeaturePatch& patch)
{
    pb::ClientMessage m;
    m.mutable_update_feature()->set_id(id);
    *m.mutable_update_feature()->mutable_patch() = patch;
    return m;
}

pb::FeaturePatch title_patch(const std::string& title)
{
    pb::FeaturePatch p;
    p.set_title(title);
    return p;
}

pb::ClientMessage delete_command(const std::string& id)
{
    pb::ClientMessage m;
    m.mutable_delete_feature()->set_id(id);
    return m;
}

pb::ClientMessage chat(const std::string& text, std::uint64_t reply_to = 0, const std::string& feature_id = {})
{
    pb::ClientMessage m;
    m.mutable_send_chat()->set_text(text);
    m.mutable_send_chat()->set_reply_to(reply_to);
    m.mutable_send_chat()->set_feature_id(feature_id);
    return m;
}

pb::ClientMessage room_info(const pb::RoomInfoChanged& change)
{
    pb::ClientMessage m;
    *m.mutable_update_room_info()->mutable_change() = change;
    return m;
}

pb::RoomInfoChanged title_change(const std::string& title)
{
    pb::RoomInfoChanged c;
    c.set_title(title);
    return c;
}

// "accepted", or the name of the error code the command was refused with:
// comparing names makes a failing CHECK print something readable.
std::string outcome(const room_state& room, const pb::ClientMessage& command, const actor& who = participant)
{
    const model::validation result = room.validate(command, who, now_ms);
    if (const auto* refused = std::get_if<rejection>(&result))
        return pb::ErrorCode_Name(refused->code);
    return "accepted";
}

rejection refusal(const room_state& room, const pb::ClientMessage& command, const actor& who = participant)
{
    const model::validation result = room.validate(command, who, now_ms);
    const auto* refused = std::get_if<rejection>(&result);
    REQUIRE_MESSAGE(refused != nullptr, "the command was accepted, a rejection was expected");
    return *refused;
}

pb::Event event_for(const room_state& room, const pb::ClientMessage& command, const actor& who = participant)
{
    const model::validation result = room.validate(command, who, now_ms);
    if (const auto* refused = std::get_if<rejection>(&result))
        FAIL("refused with " << pb::ErrorCode_Name(refused->code) << ": " << refused->message);
    return std::get<pb::Event>(result);
}

// Validates and applies, as the server does.
pb::Event run(room_state& room, const pb::ClientMessage& command, const actor& who = participant)
{
    const pb::Event event = event_for(room, command, who);
    REQUIRE(room.apply(event));
    return event;
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

// A room with the features "a" (point) and "b" (line), at seq 2.
room_state room_with_features()
{
    room_state room("harbour");
    run(room, add(feature("a")));
    run(room, add(feature("b", pb::FEATURE_KIND_LINE)));
    return room;
}

std::vector<pb::ClientMessage> event_commands()
{
    pb::RoomInfoChanged zoom;
    zoom.set_zoom(12);
    return {add(feature("new")), update("a", title_patch("Renamed")), delete_command("a"), chat("hello"),
            room_info(zoom)};
}

} // namespace

// ---------------------------------------------------------------- a new room

TEST_CASE("a new room is titled after its id, centred on 0,0 at zoom 2, at seq 0")
{
    const room_state room("harbour");
    CHECK(room.seq() == 0);
    CHECK(room.info().id() == "harbour");
    CHECK(room.info().title() == "harbour");
    CHECK(room.info().center().lon() == 0);
    CHECK(room.info().center().lat() == 0);
    CHECK(room.info().zoom() == 2);
    CHECK(room.features().empty());
    CHECK(room.recent_chat().empty());
}

// ---------------------------------------------------------------- validate in general

TEST_CASE("an accepted command's event carries the next seq, the time and the actor")
{
    room_state room = room_with_features();
    const pb::Event event = event_for(room, chat("hello"));
    CHECK(event.seq() == 3);
    CHECK(event.time_ms() == now_ms);
    CHECK(event.actor_id() == "par-1");
    CHECK(event.actor_name() == "Pat");
    CHECK(event.has_chat_posted());
}

TEST_CASE("validate does not change the state")
{
    const room_state room = room_with_features();
    const std::string before = room.canonical_hash();
    for (const auto& command : event_commands())
        (void)room.validate(command, facilitator, now_ms);
    CHECK(room.seq() == 2);
    CHECK(room.canonical_hash() == before);
}

TEST_CASE("commands that are not event commands are refused as unknown")
{
    const room_state room("harbour");
    pb::ClientMessage join;
    join.mutable_join()->set_room_id("harbour");
    pb::ClientMessage history;
    history.mutable_get_chat_history()->set_limit(10);
    pb::ClientMessage cursor;
    *cursor.mutable_move_cursor()->mutable_position() = lon_lat(1, 2);
    pb::ClientMessage viewport;
    viewport.mutable_change_viewport()->mutable_viewport()->set_zoom(3);
    const pb::ClientMessage none;

    for (const auto& command : {join, history, cursor, viewport, none}) {
        CAPTURE(command.ShortDebugString());
        const rejection r = refusal(room, command, facilitator);
        CHECK(pb::ErrorCode_Name(r.code) == "ERROR_CODE_UNKNOWN_COMMAND");
        CHECK(contains(r.message, "not an event command"));
    }
    CHECK(contains(refusal(room, join, facilitator).message, "join"));
}

TEST_CASE("produces_event is true for exactly the five event commands")
{
    for (const auto& command : event_commands())
        CHECK(model::produces_event(command));
    pb::ClientMessage join;
    join.mutable_join();
    pb::ClientMessage history;
    history.mutable_get_chat_history();
    pb::ClientMessage cursor;
    cursor.mutable_move_cursor();
    pb::ClientMessage viewport;
    viewport.mutable_change_viewport();
    CHECK_FALSE(model::produces_event(join));
    CHECK_FALSE(model::produces_event(history));
    CHECK_FALSE(model::produces_event(cursor));
    CHECK_FALSE(model::produces_event(viewport));
    CHECK_FALSE(model::produces_event(pb::ClientMessage{}));
}

TEST_CASE("fields unknown to this version do not reach the event")
{
    room_state room("harbour");
    pb::Feature f = feature("a");
    f.GetReflection()->MutableUnknownFields(&f)->AddVarint(1000, 7);
    f.mutable_geometry()->GetReflection()->MutableUnknownFields(f.mutable_geometry())->AddVarint(1001, 8);
    const pb::Event event = event_for(room, add(f));
    CHECK(event.feature_added().feature().GetReflection()->GetUnknownFields(event.feature_added().feature()).empty());
    const pb::Geometry& g = event.feature_added().feature().geometry();
    CHECK(g.GetReflection()->GetUnknownFields(g).empty());
}

// ---------------------------------------------------------------- permissions

TEST_CASE("observer cannot do any event command")
{
    const room_state room = room_with_features();
    for (const auto& command : event_commands()) {
        CAPTURE(command.ShortDebugString());
        const rejection r = refusal(room, command, observer);
        CHECK(pb::ErrorCode_Name(r.code) == "ERROR_CODE_PERMISSION_DENIED");
        CHECK(r.message.find("observers may not") == 0);
    }
}

TEST_CASE("observer cannot add a feature")
{
    CHECK(outcome(room_state("harbour"), add(feature("a")), observer) == "ERROR_CODE_PERMISSION_DENIED");
}

TEST_CASE("observer cannot chat")
{
    CHECK(outcome(room_state("harbour"), chat("hello"), observer) == "ERROR_CODE_PERMISSION_DENIED");
}

TEST_CASE("an actor without a role cannot do any event command")
{
    const room_state room = room_with_features();
    const actor unknown_role{"x", "X", static_cast<pb::Role>(42)};
    for (const auto& command : event_commands()) {
        CAPTURE(command.ShortDebugString());
        CHECK(outcome(room, command, no_role) == "ERROR_CODE_PERMISSION_DENIED");
        CHECK(outcome(room, command, unknown_role) == "ERROR_CODE_PERMISSION_DENIED");
    }
}

TEST_CASE("participant may add, update, delete and chat but not change the room info")
{
    const room_state room = room_with_features();
    const auto commands = event_commands();
    CHECK(outcome(room, commands[0], participant) == "accepted");
    CHECK(outcome(room, commands[1], participant) == "accepted");
    CHECK(outcome(room, commands[2], participant) == "accepted");
    CHECK(outcome(room, commands[3], participant) == "accepted");
    const rejection r = refusal(room, commands[4], participant);
    CHECK(pb::ErrorCode_Name(r.code) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(contains(r.message, "facilitator"));
}

TEST_CASE("facilitator may do every event command")
{
    const room_state room = room_with_features();
    for (const auto& command : event_commands()) {
        CAPTURE(command.ShortDebugString());
        CHECK(outcome(room, command, facilitator) == "accepted");
    }
}

TEST_CASE("a participant edits and deletes only their own features; a facilitator any")
{
    room_state room("harbour");
    run(room, add(feature("a")), facilitator);
    CHECK(outcome(room, update("a", title_patch("Mine now")), participant) == "ERROR_CODE_NOT_AUTHOR");
    CHECK(outcome(room, delete_command("a"), participant) == "ERROR_CODE_NOT_AUTHOR");
    run(room, add(feature("b")), participant);
    CHECK(outcome(room, update("b", title_patch("Still mine")), participant) == "accepted");
    CHECK(outcome(room, delete_command("b"), participant) == "accepted");
    CHECK(outcome(room, update("b", title_patch("Moderated")), facilitator) == "accepted");
    CHECK(outcome(room, delete_command("b"), facilitator) == "accepted");
}

TEST_CASE("permission is checked before the content")
{
    const room_state room("harbour");
    CHECK(outcome(room, add(feature("not valid!")), observer) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, chat(""), observer) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, room_info(pb::RoomInfoChanged{}), participant) == "ERROR_CODE_PERMISSION_DENIED");
}

// ---------------------------------------------------------------- add_feature

TEST_CASE("participant adds a point, and it is in the state with the author and seq")
{
    room_state room("harbour");
    pb::Feature f = feature("stop-1");
    f.set_description("Near the ferry");
    f.set_colour("#1f77b4");
    f.set_category("transport");
    f.set_layer("ideas");
    const pb::Event event = run(room, add(f));

    CHECK(room.seq() == 1);
    const pb::Feature* stored = room.find_feature("stop-1");
    REQUIRE(stored != nullptr);
    CHECK(stored->title() == "Bus stop stop-1");
    CHECK(stored->description() == "Near the ferry");
    CHECK(stored->colour() == "#1f77b4");
    CHECK(stored->category() == "transport");
    CHECK(stored->layer() == "ideas");
    CHECK(stored->geometry().positions_size() == 1);
    CHECK(stored->author_id() == "par-1");
    CHECK(stored->author_name() == "Pat");
    CHECK(stored->created_seq() == 1);
    CHECK(stored->updated_seq() == 1);
    CHECK(event.feature_added().feature().SerializeAsString() == stored->SerializeAsString());
}

TEST_CASE("the author and seqs a client puts in a new feature are overwritten")
{
    room_state room = room_with_features();
    pb::Feature f = feature("c");
    f.set_author_id("someone-else");
    f.set_author_name("Mallory");
    f.set_created_seq(999);
    f.set_updated_seq(1000);
    run(room, add(f), facilitator);
    const pb::Feature* stored = room.find_feature("c");
    REQUIRE(stored != nullptr);
    CHECK(stored->author_id() == "fac-1");
    CHECK(stored->author_name() == "Fay");
    CHECK(stored->created_seq() == 3);
    CHECK(stored->updated_seq() == 3);
}

TEST_CASE("lines, areas and notes can be added")
{
    room_state room("harbour");
    run(room, add(feature("line", pb::FEATURE_KIND_LINE, 2)));
    run(room, add(feature("area", pb::FEATURE_KIND_AREA, 3)));
    run(room, add(feature("long-line", pb::FEATURE_KIND_LINE, limits().max_positions)));
    run(room, add(feature("note", pb::FEATURE_KIND_NOTE, 1)));
    CHECK(room.features().size() == 4);
    CHECK(room.find_feature("long-line")->geometry().positions_size() == static_cast<int>(limits().max_positions));
}

TEST_CASE("a feature id must be 1 to 64 of letters, digits, '_' and '-'")
{
    const room_state room("harbour");
    CHECK(outcome(room, add(feature("Az09_-"))) == "accepted");
    CHECK(outcome(room, add(feature(std::string(limits().max_feature_id_bytes, 'x')))) == "accepted");

    CHECK(outcome(room, add(feature(""))) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(room, add(feature(std::string(limits().max_feature_id_bytes + 1, 'x')))) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(room, add(feature("two words"))) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(room, add(feature("caf\xC3\xA9"))) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(room, add(feature("a/b"))) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(room, add(feature("bad\xFF"))) == "ERROR_CODE_INVALID_ID");
}

TEST_CASE("a feature cannot be added twice under one id")
{
    const room_state room = room_with_features();
    const rejection r = refusal(room, add(feature("a")));
    CHECK(pb::ErrorCode_Name(r.code) == "ERROR_CODE_FEATURE_EXISTS");
    CHECK(contains(r.message, "\"a\""));
}

TEST_CASE("a feature needs a known geometry kind")
{
    const room_state room("harbour");
    pb::Feature unspecified = feature("a");
    unspecified.mutable_geometry()->set_kind(pb::FEATURE_KIND_UNSPECIFIED);
    CHECK(outcome(room, add(unspecified)) == "ERROR_CODE_INVALID_GEOMETRY_KIND");

    pb::Feature unknown = feature("a");
    unknown.mutable_geometry()->set_kind(static_cast<pb::FeatureKind>(99));
    CHECK(outcome(room, add(unknown)) == "ERROR_CODE_INVALID_GEOMETRY_KIND");

    pb::Feature no_geometry = feature("a");
    no_geometry.clear_geometry();
    CHECK(outcome(room, add(no_geometry)) == "ERROR_CODE_INVALID_GEOMETRY_KIND");
}

TEST_CASE("points and notes have exactly one position")
{
    const room_state room("harbour");
    for (const auto kind : {pb::FEATURE_KIND_POINT, pb::FEATURE_KIND_NOTE}) {
        CAPTURE(kind);
        pb::Feature none = feature("a", kind);
        none.mutable_geometry()->clear_positions();
        CHECK(outcome(room, add(none)) == "ERROR_CODE_TOO_FEW_POSITIONS");
        CHECK(outcome(room, add(feature("a", kind, 2))) == "ERROR_CODE_TOO_MANY_POSITIONS");
    }
}

TEST_CASE("a line needs two positions and an area three")
{
    const room_state room("harbour");
    const rejection line = refusal(room, add(feature("a", pb::FEATURE_KIND_LINE, 1)));
    CHECK(pb::ErrorCode_Name(line.code) == "ERROR_CODE_TOO_FEW_POSITIONS");
    CHECK(line.message == "a line needs at least 2 positions, got 1");

    const rejection area = refusal(room, add(feature("a", pb::FEATURE_KIND_AREA, 2)));
    CHECK(pb::ErrorCode_Name(area.code) == "ERROR_CODE_TOO_FEW_POSITIONS");
    CHECK(area.message == "an area needs at least 3 positions, got 2");
}

TEST_CASE("a feature may have at most max_positions positions")
{
    const room_state room("harbour");
    const std::size_t too_many = limits().max_positions + 1;
    CHECK(outcome(room, add(feature("a", pb::FEATURE_KIND_LINE, too_many))) == "ERROR_CODE_TOO_MANY_POSITIONS");
    CHECK(outcome(room, add(feature("a", pb::FEATURE_KIND_AREA, too_many))) == "ERROR_CODE_TOO_MANY_POSITIONS");
    CHECK(outcome(room, add(feature("a", pb::FEATURE_KIND_POINT, too_many))) == "ERROR_CODE_TOO_MANY_POSITIONS");
}

TEST_CASE("a position must be finite and inside WGS84, and the message names it")
{
    const room_state room("harbour");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const auto line_with = [](pb::LonLat bad) {
        pb::Feature f = feature("a", pb::FEATURE_KIND_LINE, 3);
        *f.mutable_geometry()->mutable_positions(2) = bad;
        return add(f);
    };

    for (const auto& bad : {lon_lat(nan, 0), lon_lat(0, nan), lon_lat(inf, 0), lon_lat(0, -inf), lon_lat(180.0001, 0),
                            lon_lat(-180.5, 0), lon_lat(0, 90.5), lon_lat(0, -91)}) {
        CAPTURE(bad.ShortDebugString());
        const rejection r = refusal(room, line_with(bad));
        CHECK(pb::ErrorCode_Name(r.code) == "ERROR_CODE_INVALID_COORDINATE");
        CHECK(contains(r.message, "position 2"));
    }
    const rejection r = refusal(room, line_with(lon_lat(200, 10)));
    CHECK(contains(r.message, "200"));
    CHECK(contains(r.message, "lon"));
    CHECK(contains(refusal(room, line_with(lon_lat(10, nan))).message, "NaN"));

    for (const auto& edge : {lon_lat(-180, -90), lon_lat(180, 90), lon_lat(-0.0, 0)}) {
        CAPTURE(edge.ShortDebugString());
        CHECK(outcome(room, line_with(edge)) == "accepted");
    }
}

TEST_CASE("every text of a feature must be UTF-8, and the message names the field")
{
    const room_state room("harbour");
    const std::string bad = "ok \xC0\xAF";
    const std::vector<std::pair<std::string, void (pb::Feature::*)(const std::string&)>> fields = {
        {"title", &pb::Feature::set_title},   {"description", &pb::Feature::set_description},
        {"colour", &pb::Feature::set_colour}, {"category", &pb::Feature::set_category},
        {"layer", &pb::Feature::set_layer},
    };
    for (const auto& [field_name, setter] : fields) {
        const std::string& name = field_name; // clang 14 cannot capture a structured binding, and CAPTURE does
        CAPTURE(name);
        pb::Feature f = feature("a");
        (f.*setter)(bad);
        const rejection r = refusal(room, add(f));
        CHECK(pb::ErrorCode_Name(r.code) == "ERROR_CODE_INVALID_UTF8");
        CHECK(contains(r.message, name));
    }
}

TEST_CASE("feature texts have limits in characters, and the message names field and limit")
{
    const room_state room("harbour");
    const std::string e_acute = "\xC3\xA9";
    const auto repeat = [](const std::string& s, std::size_t n) {
        std::string out;
        for (std::size_t i = 0; i < n; ++i)
            out += s;
        return out;
    };

    pb::Feature at_limit = feature("a");
    at_limit.set_title(repeat(e_acute, limits().max_title_chars)); // twice as many bytes: still fits
    at_limit.set_description(repeat("d", limits().max_description_chars));
    at_limit.set_category(repeat(e_acute, limits().max_short_text_chars));
    at_limit.set_layer(repeat("l", limits().max_short_text_chars));
    CHECK(outcome(room, add(at_limit)) == "accepted");

    const std::vector<std::tuple<std::string, void (pb::Feature::*)(const std::string&), std::size_t>> fields = {
        {"title", &pb::Feature::set_title, limits().max_title_chars},
        {"description", &pb::Feature::set_description, limits().max_description_chars},
        {"category", &pb::Feature::set_category, limits().max_short_text_chars},
        {"layer", &pb::Feature::set_layer, limits().max_short_text_chars},
    };
    for (const auto& [field_name, setter, limit] : fields) {
        const std::string& name = field_name; // clang 14 cannot capture a structured binding, and CAPTURE does
        CAPTURE(name);
        pb::Feature f = feature("a");
        (f.*setter)(repeat(e_acute, limit + 1));
        const rejection r = refusal(room, add(f));
        CHECK(pb::ErrorCode_Name(r.code) == "ERROR_CODE_TEXT_TOO_LONG");
        CHECK(contains(r.message, name));
        CHECK(contains(r.message, std::to_string(limit)));
    }
}

TEST_CASE("a colour is empty or #rrggbb in either case")
{
    const room_state room("harbour");
    for (const std::string ok : {"", "#000000", "#ffffff", "#A1b2C3"}) {
        CAPTURE(ok);
        pb::Feature f = feature("a");
        f.set_colour(ok);
        CHECK(outcome(room, add(f)) == "accepted");
    }
    for (const std::string bad : {"red", "#12345", "#1234567", "#12345g", "123456#", "#fff", " #123456"}) {
        CAPTURE(bad);
        pb::Feature f = feature("a");
        f.set_colour(bad);
        CHECK(outcome(room, add(f)) == "ERROR_CODE_INVALID_COLOUR");
    }
}

// ---------------------------------------------------------------- update_feature

TEST_CASE("participant renames a feature; the rest of it stays and updated_seq advances")
{
    room_state room = room_with_features();
    const pb::Event event = run(room, update("a", title_patch("Ferry stop")));
    CHECK(event.feature_updated().id() == "a");
    CHECK(event.feature_updated().patch().title() == "Ferry stop");

    const pb::Feature* a = room.find_feature("a");
    REQUIRE(a != nullptr);
    CHECK(a->title() == "Ferry stop");
    CHECK(a->geometry().kind() == pb::FEATURE_KIND_POINT);
    CHECK(a->author_id() == "par-1");
    CHECK(a->created_seq() == 1);
    CHECK(a->updated_seq() == 3);
    CHECK(room.seq() == 3);
}

TEST_CASE("two patches of different properties both survive")
{
    room_state room = room_with_features();
    // Two people edit "a" at once: one the title, one the colour. Both
    // commands are validated against seq 2; the server sequences them.
    const pb::Event first = event_for(room, update("a", title_patch("Renamed")), participant);
    pb::FeaturePatch colour;
    colour.set_colour("#ff0000");
    pb::Event second = event_for(room, update("a", colour), facilitator);
    second.set_seq(first.seq() + 1);
    REQUIRE(room.apply(first));
    REQUIRE(room.apply(second));

    const pb::Feature* a = room.find_feature("a");
    CHECK(a->title() == "Renamed");
    CHECK(a->colour() == "#ff0000");
    CHECK(a->updated_seq() == 4);
}

TEST_CASE("a later patch of the same property wins")
{
    room_state room = room_with_features();
    run(room, update("a", title_patch("First")));
    run(room, update("a", title_patch("Second")));
    CHECK(room.find_feature("a")->title() == "Second");
}

TEST_CASE("a patch may set a property to empty")
{
    room_state room = room_with_features();
    run(room, update("a", title_patch("")));
    CHECK(room.find_feature("a")->title().empty());
}

TEST_CASE("a patch may change the geometry and its kind")
{
    room_state room = room_with_features();
    pb::FeaturePatch patch;
    *patch.mutable_geometry() = geometry(pb::FEATURE_KIND_AREA, 4);
    run(room, update("a", patch));
    const pb::Feature* a = room.find_feature("a");
    CHECK(a->geometry().kind() == pb::FEATURE_KIND_AREA);
    CHECK(a->geometry().positions_size() == 4);
    CHECK(a->title() == "Bus stop a");
}

TEST_CASE("updating a feature that does not exist is refused")
{
    const room_state room = room_with_features();
    const rejection r = refusal(room, update("missing", title_patch("x")));
    CHECK(pb::ErrorCode_Name(r.code) == "ERROR_CODE_FEATURE_NOT_FOUND");
    CHECK(contains(r.message, "\"missing\""));
    CHECK(outcome(room, update("", title_patch("x"))) == "ERROR_CODE_FEATURE_NOT_FOUND");
    CHECK(outcome(room, update("bad\xFF", title_patch("x"))) == "ERROR_CODE_FEATURE_NOT_FOUND");
}

TEST_CASE("a patch that sets nothing is refused")
{
    const room_state room = room_with_features();
    CHECK(outcome(room, update("a", pb::FeaturePatch{})) == "ERROR_CODE_EMPTY_PATCH");
    pb::ClientMessage no_patch;
    no_patch.mutable_update_feature()->set_id("a");
    CHECK(outcome(room, no_patch) == "ERROR_CODE_EMPTY_PATCH");
}

TEST_CASE("each property a patch sets is validated as for a new feature")
{
    const room_state room = room_with_features();
    const auto patched = [&](auto set) {
        pb::FeaturePatch p;
        set(p);
        return outcome(room, update("a", p));
    };
    CHECK(patched([](pb::FeaturePatch& p) { p.set_title("\xED\xA0\x80"); }) == "ERROR_CODE_INVALID_UTF8");
    CHECK(patched([](pb::FeaturePatch& p) {
              p.set_description(std::string(limits().max_description_chars + 1, 'x'));
          }) == "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(patched([](pb::FeaturePatch& p) { p.set_category(std::string(limits().max_short_text_chars + 1, 'x')); }) ==
          "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(patched([](pb::FeaturePatch& p) { p.set_layer("\xF4\x90\x80\x80"); }) == "ERROR_CODE_INVALID_UTF8");
    CHECK(patched([](pb::FeaturePatch& p) { p.set_colour("blue"); }) == "ERROR_CODE_INVALID_COLOUR");
    CHECK(patched([](pb::FeaturePatch& p) { p.mutable_geometry()->set_kind(pb::FEATURE_KIND_UNSPECIFIED); }) ==
          "ERROR_CODE_INVALID_GEOMETRY_KIND");
    CHECK(patched([](pb::FeaturePatch& p) { *p.mutable_geometry() = geometry(pb::FEATURE_KIND_AREA, 2); }) ==
          "ERROR_CODE_TOO_FEW_POSITIONS");
    CHECK(patched([](pb::FeaturePatch& p) { *p.mutable_geometry() = geometry(pb::FEATURE_KIND_NOTE, 2); }) ==
          "ERROR_CODE_TOO_MANY_POSITIONS");
    CHECK(patched([](pb::FeaturePatch& p) {
              *p.mutable_geometry() = geometry(pb::FEATURE_KIND_POINT, 1);
              p.mutable_geometry()->mutable_positions(0)->set_lat(-123);
          }) == "ERROR_CODE_INVALID_COORDINATE");
}

// ---------------------------------------------------------------- delete_feature

TEST_CASE("participant deletes a feature")
{
    room_state room = room_with_features();
    const pb::Event event = run(room, delete_command("a"));
    CHECK(event.feature_deleted().id() == "a");
    CHECK(room.find_feature("a") == nullptr);
    CHECK(room.find_feature("b") != nullptr);
    CHECK(room.seq() == 3);
}

TEST_CASE("deleting a feature that does not exist is refused")
{
    room_state room = room_with_features();
    run(room, delete_command("a"));
    CHECK(outcome(room, delete_command("a")) == "ERROR_CODE_FEATURE_NOT_FOUND");
    CHECK(outcome(room, delete_command("")) == "ERROR_CODE_FEATURE_NOT_FOUND");
}

TEST_CASE("a deleted feature's id can be used again")
{
    room_state room = room_with_features();
    run(room, delete_command("a"));
    run(room, add(feature("a", pb::FEATURE_KIND_NOTE)));
    CHECK(room.find_feature("a")->geometry().kind() == pb::FEATURE_KIND_NOTE);
    CHECK(room.find_feature("a")->created_seq() == 4);
}

// ---------------------------------------------------------------- send_chat

TEST_CASE("participant posts a chat message and it is in the recent chat")
{
    room_state room = room_with_features();
    const pb::Event event = run(room, chat("Is this the right stop?", 0, "a"));
    REQUIRE(room.recent_chat().size() == 1);
    const pb::ChatMessage& m = room.recent_chat().back();
    CHECK(m.seq() == 3);
    CHECK(m.author_id() == "par-1");
    CHECK(m.author_name() == "Pat");
    CHECK(m.text() == "Is this the right stop?");
    CHECK(m.reply_to() == 0);
    CHECK(m.feature_id() == "a");
    CHECK(m.time_ms() == now_ms);
    CHECK(event.chat_posted().message().SerializeAsString() == m.SerializeAsString());
}

TEST_CASE("chat text must be UTF-8, not blank, and at most max_chat_chars")
{
    const room_state room("harbour");
    CHECK(outcome(room, chat("bad \xF0\x9F\x98")) == "ERROR_CODE_INVALID_UTF8");
    CHECK(outcome(room, chat("")) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(room, chat(" \t\n")) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(room, chat("\xE3\x80\x80")) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(room, chat(std::string(limits().max_chat_chars, 'x'))) == "accepted");
    const rejection r = refusal(room, chat(std::string(limits().max_chat_chars + 1, 'x')));
    CHECK(pb::ErrorCode_Name(r.code) == "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(contains(r.message, std::to_string(limits().max_chat_chars)));
}

TEST_CASE("a chat message may only be about a feature that exists")
{
    const room_state room = room_with_features();
    CHECK(outcome(room, chat("about a", 0, "a")) == "accepted");
    CHECK(outcome(room, chat("about z", 0, "z")) == "ERROR_CODE_FEATURE_NOT_FOUND");
}

TEST_CASE("a reply to a message in the recent chat is accepted")
{
    room_state room = room_with_features();
    const pb::Event question = run(room, chat("Where?"));
    const pb::Event answer = run(room, chat("Here.", question.seq()), facilitator);
    CHECK(room.recent_chat().back().reply_to() == question.seq());
    CHECK(answer.chat_posted().message().reply_to() == 3);
}

TEST_CASE("a reply to a seq that has not happened yet is refused")
{
    room_state room("harbour");
    run(room, chat("first"));
    CHECK(outcome(room, chat("reply", 2)) == "ERROR_CODE_REPLY_NOT_FOUND");
    CHECK(outcome(room, chat("reply", 1000)) == "ERROR_CODE_REPLY_NOT_FOUND");
    CHECK(outcome(room_state("empty"), chat("reply", 1)) == "ERROR_CODE_REPLY_NOT_FOUND");
}

TEST_CASE("a reply inside the recent window must name a chat message exactly")
{
    room_state room("harbour");
    run(room, chat("first"));     // seq 1
    run(room, add(feature("a"))); // seq 2: not a chat message
    run(room, chat("second"));    // seq 3
    CHECK(outcome(room, chat("reply", 1)) == "accepted");
    CHECK(outcome(room, chat("reply", 3)) == "accepted");
    CHECK(outcome(room, chat("reply", 2)) == "ERROR_CODE_REPLY_NOT_FOUND");
}

TEST_CASE("a reply to a message older than the recent window is accepted")
{
    room_state room("harbour");
    run(room, add(feature("a"))); // seq 1
    for (std::size_t i = 0; i < limits().recent_chat + 1; ++i)
        run(room, chat("message " + std::to_string(i))); // seqs 2 .. recent_chat + 2
    REQUIRE(room.recent_chat().front().seq() == 3);
    CHECK(outcome(room, chat("late reply", 2)) == "accepted"); // trimmed from the window
    CHECK(outcome(room, chat("odd reply", 1)) == "accepted");  // older than the window: cannot be checked
    CHECK(outcome(room, chat("reply", 3)) == "accepted");
}

TEST_CASE("the recent chat keeps only the newest messages, oldest first")
{
    room_state room("harbour");
    const std::size_t total = limits().recent_chat + 5;
    for (std::size_t i = 1; i <= total; ++i)
        run(room, chat("message " + std::to_string(i)));
    CHECK(room.recent_chat().size() == limits().recent_chat);
    CHECK(room.recent_chat().front().seq() == 6);
    CHECK(room.recent_chat().front().text() == "message 6");
    CHECK(room.recent_chat().back().seq() == total);
}

// ---------------------------------------------------------------- update_room_info

TEST_CASE("facilitator changes the room info; fields not set are kept")
{
    room_state room("harbour");
    pb::RoomInfoChanged change;
    change.set_title("Harbour district workshop");
    *change.mutable_center() = lon_lat(9.99, 53.55);
    change.set_zoom(14.5);
    run(room, room_info(change), facilitator);
    CHECK(room.info().id() == "harbour");
    CHECK(room.info().title() == "Harbour district workshop");
    CHECK(room.info().description().empty());
    CHECK(room.info().center().lon() == 9.99);
    CHECK(room.info().center().lat() == 53.55);
    CHECK(room.info().zoom() == 14.5);

    pb::RoomInfoChanged description;
    description.set_description("Session 3 of 5");
    run(room, room_info(description), facilitator);
    CHECK(room.info().title() == "Harbour district workshop");
    CHECK(room.info().description() == "Session 3 of 5");
    CHECK(room.info().zoom() == 14.5);
    CHECK(room.seq() == 2);
}

TEST_CASE("a room info change that sets nothing is refused")
{
    const room_state room("harbour");
    CHECK(outcome(room, room_info(pb::RoomInfoChanged{}), facilitator) == "ERROR_CODE_EMPTY_PATCH");
    pb::ClientMessage no_change;
    no_change.mutable_update_room_info();
    CHECK(outcome(room, no_change, facilitator) == "ERROR_CODE_EMPTY_PATCH");
}

TEST_CASE("room info fields are validated")
{
    const room_state room("harbour");
    const auto changed = [&](auto set) {
        pb::RoomInfoChanged c;
        set(c);
        return outcome(room, room_info(c), facilitator);
    };
    CHECK(changed([](pb::RoomInfoChanged& c) { c.set_title("\xC0\xAF"); }) == "ERROR_CODE_INVALID_UTF8");
    CHECK(changed([](pb::RoomInfoChanged& c) { c.set_title(std::string(limits().max_title_chars + 1, 't')); }) ==
          "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(changed([](pb::RoomInfoChanged& c) { c.set_description("\xED\xBF\xBF"); }) == "ERROR_CODE_INVALID_UTF8");
    CHECK(changed([](pb::RoomInfoChanged& c) {
              c.set_description(std::string(limits().max_description_chars + 1, 'd'));
          }) == "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(changed([](pb::RoomInfoChanged& c) { *c.mutable_center() = lon_lat(0, 95); }) ==
          "ERROR_CODE_INVALID_COORDINATE");
    CHECK(changed([](pb::RoomInfoChanged& c) { c.set_zoom(-1); }) == "ERROR_CODE_INVALID_ZOOM");
    CHECK(changed([](pb::RoomInfoChanged& c) { c.set_zoom(limits().max_zoom + 0.5); }) == "ERROR_CODE_INVALID_ZOOM");
    CHECK(changed([](pb::RoomInfoChanged& c) { c.set_zoom(std::nan("")); }) == "ERROR_CODE_INVALID_ZOOM");
    CHECK(changed([](pb::RoomInfoChanged& c) { c.set_zoom(0); }) == "accepted");
    CHECK(changed([](pb::RoomInfoChanged& c) { c.set_zoom(limits().max_zoom); }) == "accepted");
    CHECK(changed([](pb::RoomInfoChanged& c) { c.set_title(""); }) == "accepted");
}

// ---------------------------------------------------------------- positions and viewports

TEST_CASE("check_position accepts WGS84 and refuses the rest")
{
    CHECK_FALSE(model::check_position(lon_lat(13.4, 52.5)));
    CHECK_FALSE(model::check_position(lon_lat(-180, 90)));
    const auto r = model::check_position(lon_lat(0, std::numeric_limits<double>::infinity()));
    REQUIRE(r);
    CHECK(pb::ErrorCode_Name(r->code) == "ERROR_CODE_INVALID_COORDINATE");
    CHECK(contains(r->message, "lat"));
}

TEST_CASE("check_viewport needs two valid corners and a valid zoom")
{
    pb::Viewport v;
    *v.mutable_south_west() = lon_lat(13.3, 52.4);
    *v.mutable_north_east() = lon_lat(13.5, 52.6);
    v.set_zoom(12);
    CHECK_FALSE(model::check_viewport(v));

    pb::Viewport bad_corner = v;
    bad_corner.mutable_north_east()->set_lon(181);
    const auto corner = model::check_viewport(bad_corner);
    REQUIRE(corner);
    CHECK(pb::ErrorCode_Name(corner->code) == "ERROR_CODE_INVALID_COORDINATE");
    CHECK(contains(corner->message, "north_east"));

    pb::Viewport bad_zoom = v;
    bad_zoom.set_zoom(std::numeric_limits<double>::quiet_NaN());
    const auto zoom = model::check_viewport(bad_zoom);
    REQUIRE(zoom);
    CHECK(pb::ErrorCode_Name(zoom->code) == "ERROR_CODE_INVALID_ZOOM");
}

// ---------------------------------------------------------------- apply

TEST_CASE("an event out of order is not applied and changes nothing")
{
    room_state room = room_with_features();
    const std::string before = room.canonical_hash();
    pb::Event event = event_for(room, chat("hello"));

    event.set_seq(room.seq() + 2);
    CHECK_FALSE(room.apply(event));
    event.set_seq(room.seq());
    CHECK_FALSE(room.apply(event));
    event.set_seq(0);
    CHECK_FALSE(room.apply(event));
    CHECK(room.seq() == 2);
    CHECK(room.canonical_hash() == before);

    event.set_seq(room.seq() + 1);
    CHECK(room.apply(event));
    CHECK(room.seq() == 3);
}

TEST_CASE("applying an update of an unknown feature only advances the seq")
{
    room_state room = room_with_features();
    pb::Event event;
    event.set_seq(3);
    event.mutable_feature_updated()->set_id("missing");
    event.mutable_feature_updated()->mutable_patch()->set_title("ghost");
    CHECK(room.apply(event));
    CHECK(room.seq() == 3);
    CHECK(room.find_feature("missing") == nullptr);
    CHECK(room.features().size() == 2);
    CHECK(room.find_feature("a")->updated_seq() == 1);
}

TEST_CASE("applying a delete of an unknown feature only advances the seq")
{
    room_state room = room_with_features();
    pb::Event event;
    event.set_seq(3);
    event.mutable_feature_deleted()->set_id("missing");
    CHECK(room.apply(event));
    CHECK(room.seq() == 3);
    CHECK(room.features().size() == 2);
}

TEST_CASE("applying an event without a body only advances the seq")
{
    room_state room = room_with_features();
    const auto features_before = room.to_proto().features_size();
    pb::Event event;
    event.set_seq(3);
    CHECK(room.apply(event));
    CHECK(room.seq() == 3);
    CHECK(room.to_proto().features_size() == features_before);
}

TEST_CASE("apply takes odd content from a stored log without failing")
{
    room_state room("harbour");
    pb::Event event;
    event.set_seq(1);
    event.mutable_feature_added(); // a feature with no id and no geometry
    CHECK(room.apply(event));
    CHECK(room.features().size() == 1);

    pb::Event empty_update;
    empty_update.set_seq(2);
    empty_update.mutable_feature_updated();
    CHECK(room.apply(empty_update));

    pb::Event empty_chat;
    empty_chat.set_seq(3);
    empty_chat.mutable_chat_posted();
    CHECK(room.apply(empty_chat));
    CHECK(room.recent_chat().size() == 1);

    pb::Event empty_info;
    empty_info.set_seq(4);
    empty_info.mutable_room_info_changed();
    CHECK(room.apply(empty_info));
    CHECK(room.info().title() == "harbour");
    CHECK(room.seq() == 4);
}

TEST_CASE("a replica that applies the same events reaches the same state")
{
    room_state server("harbour");
    room_state replica("harbour");
    pb::FeaturePatch patch;
    patch.set_colour("#00ff00");
    *patch.mutable_geometry() = geometry(pb::FEATURE_KIND_LINE, 5);
    const std::vector<std::pair<pb::ClientMessage, actor>> commands = {
        {add(feature("a")), participant},
        {add(feature("b", pb::FEATURE_KIND_AREA)), facilitator},
        {update("a", patch), participant},
        {chat("look at a", 0, "a"), participant},
        {chat("yes", 4), facilitator},
        {delete_command("b"), facilitator},
        {room_info(title_change("Harbour")), facilitator},
    };
    for (const auto& [command, who] : commands) {
        const pb::Event event = run(server, command, who);
        // The replica gets the event over the wire.
        pb::Event received;
        REQUIRE(received.ParseFromString(event.SerializeAsString()));
        REQUIRE(replica.apply(received));
    }
    CHECK(replica.seq() == 7);
    CHECK(replica.canonical_hash() == server.canonical_hash());
}

// ---------------------------------------------------------------- snapshots and hashes

TEST_CASE("to_proto lists features by id and chat oldest first")
{
    room_state room("harbour");
    run(room, add(feature("zeta")));
    run(room, chat("one"));
    run(room, add(feature("Alpha")));
    run(room, add(feature("beta")));
    run(room, chat("two"));
    const pb::RoomState state = room.to_proto();
    CHECK(state.seq() == 5);
    CHECK(state.info().id() == "harbour");
    REQUIRE(state.features_size() == 3);
    CHECK(state.features(0).id() == "Alpha");
    CHECK(state.features(1).id() == "beta");
    CHECK(state.features(2).id() == "zeta");
    REQUIRE(state.recent_chat_size() == 2);
    CHECK(state.recent_chat(0).text() == "one");
    CHECK(state.recent_chat(1).text() == "two");
}

TEST_CASE("a state survives to_proto and from_proto with an equal canonical hash")
{
    room_state room = room_with_features();
    run(room, chat("hello", 0, "b"));
    run(room, update("b", title_patch("Route")));
    pb::RoomInfoChanged change;
    change.set_description("Living lab");
    change.set_zoom(11);
    run(room, room_info(change), facilitator);

    pb::RoomState wire;
    REQUIRE(wire.ParseFromString(room.to_proto().SerializeAsString()));
    const room_state copy = room_state::from_proto(wire);
    CHECK(copy.seq() == room.seq());
    CHECK(copy.info().description() == "Living lab");
    CHECK(copy.features().size() == 2);
    CHECK(copy.recent_chat().size() == 1);
    CHECK(copy.canonical_hash() == room.canonical_hash());
}

TEST_CASE("a restored state goes on accepting commands where it left off")
{
    room_state room = room_with_features();
    room_state copy = room_state::from_proto(room.to_proto());
    const pb::Event event = run(copy, chat("after restore", 0, "a"));
    CHECK(event.seq() == 3);
    CHECK(room.apply(event));
    CHECK(copy.canonical_hash() == room.canonical_hash());
}

TEST_CASE("from_proto keeps only the newest recent_chat messages")
{
    pb::RoomState state = room_state("harbour").to_proto();
    const std::size_t total = limits().recent_chat + 3;
    for (std::size_t i = 1; i <= total; ++i) {
        pb::ChatMessage* m = state.add_recent_chat();
        m->set_seq(i);
        m->set_text("m" + std::to_string(i));
    }
    state.set_seq(total);
    const room_state room = room_state::from_proto(state);
    CHECK(room.recent_chat().size() == limits().recent_chat);
    CHECK(room.recent_chat().front().seq() == 4);
    CHECK(room.recent_chat().back().seq() == total);
}

TEST_CASE("the canonical hash is 64 lowercase hex digits")
{
    const std::string hash = room_state("harbour").canonical_hash();
    CHECK(hash.size() == 64);
    CHECK(hash.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("the canonical hash differs when a feature title differs")
{
    room_state one("harbour");
    room_state other("harbour");
    run(one, add(feature("a")));
    pb::Feature renamed = feature("a");
    renamed.set_title("Something else");
    run(other, add(renamed));
    CHECK(one.canonical_hash() != other.canonical_hash());
}

TEST_CASE("the canonical hash differs with the seq and with the room")
{
    room_state room = room_with_features();
    const std::string before = room.canonical_hash();
    pb::Event nothing;
    nothing.set_seq(3);
    REQUIRE(room.apply(nothing));
    CHECK(room.canonical_hash() != before);
    CHECK(room_state("harbour").canonical_hash() != room_state("market").canonical_hash());
    CHECK(room_state("harbour").canonical_hash() == room_state("harbour").canonical_hash());
}
