// A study trip's itinerary against a real server: a facilitator sets it
// (every client and a later joiner see the stops in order); participants
// may not; bad stops (ids, titles, positions, bounds, too many, an unknown
// feature) are refused with a reason and change nothing.
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace maptable;
using namespace maptable::test;

namespace {

pb::ItineraryStop stop(const std::string& id, const std::string& title, double lon, double lat)
{
    pb::ItineraryStop s;
    s.set_id(id);
    s.set_title(title);
    s.mutable_position()->set_lon(lon);
    s.mutable_position()->set_lat(lat);
    return s;
}

pb::ClientMessage itinerary(std::vector<pb::ItineraryStop> stops)
{
    pb::ClientMessage m;
    m.mutable_set_itinerary(); // set even with no stops: an empty itinerary clears it
    for (auto& s : stops)
        *m.mutable_set_itinerary()->add_stops() = std::move(s);
    return m;
}

} // namespace

TEST_CASE("a facilitator sets the itinerary; everyone sees its stops in order; a participant may not")
{
    server_process server;
    client fay(server.options("walk", "fay", pb::ROLE_FACILITATOR));
    join_or_fail(fay);
    auto market = stop("market", "Market hall", 18.42, -33.92);
    market.set_planned_ms(1'780'000'000'000);
    market.set_note("meet the traders' association");
    const auto set = fay.send(itinerary({market, stop("station", "Station square", 18.43, -33.93),
                                         stop("park", "Park", 18.41, -33.91)}))
                         .get();
    REQUIRE_MESSAGE(set.ok, set.message);

    client bob(server.options("walk", "bob"));
    join_or_fail(bob);
    const auto seen = bob.replica();
    REQUIRE(seen.data().itinerary.size() == 3);
    CHECK(seen.data().itinerary[0].id() == "market");
    CHECK(seen.data().itinerary[0].note() == "meet the traders' association");
    CHECK(seen.data().itinerary[0].planned_ms() == 1'780'000'000'000);
    CHECK(seen.data().itinerary[1].id() == "station");
    CHECK(seen.data().itinerary[2].title() == "Park");

    const auto refused = bob.send(itinerary({stop("x", "Mine", 18.4, -33.9)})).get();
    CHECK(refused.code == pb::ERROR_CODE_PERMISSION_DENIED);

    // Reordered and shortened: the list replaces the old one.
    const auto again = fay.send(itinerary({stop("park", "Park", 18.41, -33.91), market})).get();
    REQUIRE(again.ok);
    CHECK(fay.replica().data().itinerary.size() == 2);
    CHECK(fay.replica().data().itinerary[0].id() == "park");
    // Emptied.
    REQUIRE(fay.send(itinerary({})).get().ok);
    CHECK(fay.replica().data().itinerary.empty());
}

TEST_CASE("bad itineraries are refused with a reason and change nothing")
{
    server_process server;
    client fay(server.options("walk", "fay", pb::ROLE_FACILITATOR));
    join_or_fail(fay);
    REQUIRE(fay.send(itinerary({stop("first", "First", 18.42, -33.92)})).get().ok);

    const auto code_of = [&](std::vector<pb::ItineraryStop> stops) {
        return fay.send(itinerary(std::move(stops))).get();
    };

    auto r = code_of({stop("a", "A", 18.4, -33.9), stop("a", "Again", 18.4, -33.9)});
    CHECK(r.code == pb::ERROR_CODE_INVALID_ITINERARY);
    CHECK(r.message.find("stop 2") != std::string::npos);
    CHECK(code_of({stop("bad id!", "A", 18.4, -33.9)}).code == pb::ERROR_CODE_INVALID_ITINERARY);
    CHECK(code_of({stop("a", "", 18.4, -33.9)}).code == pb::ERROR_CODE_EMPTY_MESSAGE);
    CHECK(code_of({stop("a", std::string(300, 'x'), 18.4, -33.9)}).code == pb::ERROR_CODE_TEXT_TOO_LONG);
    CHECK(code_of({stop("a", "A", 200, -33.9)}).code == pb::ERROR_CODE_INVALID_COORDINATE);
    CHECK(code_of({stop("a", "A", 18.4, std::nan(""))}).code == pb::ERROR_CODE_INVALID_COORDINATE);
    auto at_nothing = stop("a", "A", 18.4, -33.9);
    at_nothing.set_feature_id("no-such-feature");
    CHECK(code_of({at_nothing}).code == pb::ERROR_CODE_FEATURE_NOT_FOUND);
    std::vector<pb::ItineraryStop> many;
    for (int i = 0; i < 51; ++i)
        many.push_back(stop("s" + std::to_string(i), "Stop", 18.4, -33.9));
    r = code_of(many);
    CHECK(r.code == pb::ERROR_CODE_INVALID_ITINERARY);
    CHECK(r.message.find("at most 50") != std::string::npos);
    many.pop_back();
    CHECK(code_of(many).ok); // 50 is fine

    // Inside the room's bounds once it has some.
    pb::ClientMessage bounds;
    auto& b = *bounds.mutable_update_room_info()->mutable_change()->mutable_bounds();
    b.mutable_south_west()->set_lon(18.3);
    b.mutable_south_west()->set_lat(-34.0);
    b.mutable_north_east()->set_lon(18.5);
    b.mutable_north_east()->set_lat(-33.8);
    REQUIRE(fay.send(bounds).get().ok);
    const auto outside = code_of({stop("a", "A", 18.42, -33.92), stop("far", "Far away", 13.4, 52.5)});
    CHECK(outside.code == pb::ERROR_CODE_OUTSIDE_BOUNDS);
    CHECK(outside.message.find("stop 2") != std::string::npos);
    CHECK(fay.replica().data().itinerary.size() == 50);
}
