// Layer: model tests. Actors, builders and runners shared by the suites that
// test the room's rules: feed commands, look at the outcome and the state.
#pragma once

#include "model/room_state.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <variant>

namespace fixture {

namespace model = maptable::model;
namespace pb = maptable::v1;

inline constexpr std::int64_t now_ms = 1'700'000'000'000;

inline const model::actor facilitator{"fac-1", "Fay", pb::ROLE_FACILITATOR, ""};
inline const model::actor participant{"par-1", "Pat", pb::ROLE_PARTICIPANT, ""};
inline const model::actor participant2{"par-2", "Quinn", pb::ROLE_PARTICIPANT, ""};
inline const model::actor observer{"obs-1", "Obi", pb::ROLE_OBSERVER, ""};
inline const model::actor admin{"admin", "Administrator", pb::ROLE_ADMIN, ""};

inline pb::LonLat lon_lat(double lon, double lat)
{
    pb::LonLat p;
    p.set_lon(lon);
    p.set_lat(lat);
    return p;
}

inline pb::Feature point(const std::string& id, double lon = 13.4, double lat = 52.5, const std::string& category = {})
{
    pb::Feature f;
    f.set_id(id);
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    *f.mutable_geometry()->add_positions() = lon_lat(lon, lat);
    f.set_title("Place " + id);
    f.set_category(category);
    return f;
}

// The outcome of validating a command: "accepted" or the error code's name.
inline std::string outcome(const model::room_state& room, const pb::ClientMessage& command, const model::actor& who,
                           std::int64_t now = now_ms)
{
    const auto result = room.validate(command, who, now);
    if (std::holds_alternative<pb::Event>(result))
        return "accepted";
    return pb::ErrorCode_Name(std::get<model::rejection>(result).code);
}

// The rejection of a command that must be refused.
inline model::rejection refusal(const model::room_state& room, const pb::ClientMessage& command,
                                const model::actor& who, std::int64_t now = now_ms)
{
    const auto result = room.validate(command, who, now);
    REQUIRE_MESSAGE(std::holds_alternative<model::rejection>(result), "accepted: " << command.ShortDebugString());
    return std::get<model::rejection>(result);
}

// Validates and applies a command that must be accepted; returns its event.
inline pb::Event run(model::room_state& room, const pb::ClientMessage& command, const model::actor& who,
                     std::int64_t now = now_ms)
{
    auto result = room.validate(command, who, now);
    if (auto* refused = std::get_if<model::rejection>(&result))
        FAIL("refused " << command.ShortDebugString() << ": " << pb::ErrorCode_Name(refused->code) << " "
                        << refused->message);
    pb::Event event = std::get<pb::Event>(result);
    REQUIRE(room.apply(event));
    return event;
}

// A command built by a setter on a fresh ClientMessage:
//     command([](pb::ClientMessage& m) { m.mutable_raise_hand()->set_raised(true); })
template <typename Fill>
pb::ClientMessage command(Fill fill)
{
    pb::ClientMessage m;
    fill(m);
    return m;
}

inline pb::ClientMessage add(const pb::Feature& f)
{
    return command([&](pb::ClientMessage& m) { *m.mutable_add_feature()->mutable_feature() = f; });
}

// Replays events into a fresh room: the replica a client would build.
inline model::room_state replica_of(const std::string& room_id, const std::vector<pb::Event>& events)
{
    model::room_state replica(room_id);
    for (const pb::Event& e : events)
        REQUIRE(replica.apply(e));
    return replica;
}

} // namespace fixture
