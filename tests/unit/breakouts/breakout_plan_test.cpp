// The pure logic of the breakout routes (server/breakout/breakout_plan): how
// people are dealt into groups, the rooms' ids, and the layer a group's room
// leaves in the plenary.
#include "breakout/breakout_plan.hpp"

#include "model/limits.hpp"
#include "model/text.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace breakout = maptable::breakout;
namespace model = maptable::model;
namespace pb = maptable::v1;

namespace {

pb::LonLat at(double lon, double lat)
{
    pb::LonLat p;
    p.set_lon(lon);
    p.set_lat(lat);
    return p;
}

pb::Feature feature(const std::string& id, pb::FeatureKind kind, int positions, const std::string& title)
{
    pb::Feature f;
    f.set_id(id);
    f.mutable_geometry()->set_kind(kind);
    for (int i = 0; i < positions; ++i)
        *f.mutable_geometry()->add_positions() = at(10 + i * 0.001, 50 + i * 0.001);
    f.set_title(title);
    f.set_author_id("p-" + id);
    f.set_author_name("Author of " + id);
    return f;
}

pb::BreakoutGroup north()
{
    pb::BreakoutGroup g;
    g.set_id("g1");
    g.set_name("North");
    g.set_room_id("plenary.r1.g1");
    return g;
}

std::string property(const pb::LayerFeature& f, const std::string& key)
{
    for (const auto& p : f.properties())
        if (p.key() == key)
            return p.value();
    return "(none)";
}

} // namespace

TEST_CASE("random dealing puts everyone in one group, sizes differing by one at most, the same for a seed")
{
    std::vector<std::string> ids;
    for (int i = 0; i < 23; ++i)
        ids.push_back("p" + std::to_string(i));
    const auto groups = breakout::deal_random(ids, 4, 42);
    REQUIRE(groups.size() == 4);
    std::multiset<std::string> seen;
    for (const auto& g : groups) {
        CHECK((g.size() == 5 || g.size() == 6));
        seen.insert(g.begin(), g.end());
    }
    CHECK(seen == std::multiset<std::string>(ids.begin(), ids.end()));
    CHECK(breakout::deal_random(ids, 4, 42) == groups);
    CHECK(breakout::deal_random(ids, 4, 43) != groups);
    CHECK(breakout::deal_random(ids, 0, 1).empty());
    CHECK(breakout::deal_random({}, 3, 1) == std::vector<std::vector<std::string>>(3));
}

TEST_CASE("by city: one group per city, by the cities' names, people in their order")
{
    const std::vector<breakout::person> people{{"a", "Leipzig"}, {"b", "Durban"}, {"c", "Leipzig"}, {"d", "Porto"}};
    CHECK(breakout::every_city_known(people));
    const auto groups = breakout::deal_by_city(people);
    REQUIRE(groups.size() == 3);
    CHECK(groups[0].city == "Durban");
    CHECK(groups[1].city == "Leipzig");
    CHECK(groups[1].ids == std::vector<std::string>{"a", "c"});
    CHECK_FALSE(breakout::every_city_known({{"a", "Leipzig"}, {"b", ""}}));
}

TEST_CASE("a group's room id is a room id a Join accepts, and long plenary ids are cut in front of the round")
{
    CHECK(breakout::group_room_id("plenary", "b1a2b3c4d", "g3") == "plenary.b1a2b3c4d.g3");
    const std::string long_plenary(64, 'x');
    const auto id = breakout::group_room_id(long_plenary, "b1a2b3c4d", "g12");
    CHECK(id.size() == 64);
    CHECK(id.ends_with(".b1a2b3c4d.g12"));
    CHECK(breakout::group_room_id("p", std::string(70, 'r'), "g1").size() <= 64);
    CHECK(breakout::captured_layer_id("b1a2b3c4d", "g3") == "breakout.b1a2b3c4d.g3");
}

TEST_CASE("the captured layer: features as they are, notes as points, threads with their comments")
{
    model::room_data room;
    room.features.emplace("lamp", feature("lamp", pb::FEATURE_KIND_POINT, 1, "Broken lamp"));
    auto route = feature("route", pb::FEATURE_KIND_LINE, 3, "Safe route");
    route.set_category("walking");
    route.set_colour("#ff0000");
    room.features.emplace("route", route);
    auto note = feature("note", pb::FEATURE_KIND_NOTE, 1, "");
    note.set_description("Ask the council");
    room.features.emplace("note", note);

    pb::Thread on_lamp;
    on_lamp.set_id("t1");
    on_lamp.set_feature_id("lamp");
    auto* c1 = on_lamp.add_comments();
    c1->set_author_name("Ana");
    c1->set_text("Out since May");
    auto* c2 = on_lamp.add_comments();
    c2->set_author_name("Ben");
    c2->set_text("spam");
    c2->set_deleted(true);
    c2->set_text("");
    auto* c3 = on_lamp.add_comments();
    c3->set_author_id("carla");
    c3->set_text("Reported it");
    room.threads.emplace("t1", on_lamp);
    pb::Thread at_place;
    at_place.set_id("t2");
    *at_place.mutable_position() = at(11, 51);
    at_place.set_resolved(true);
    at_place.add_comments()->set_text("A bench here?");
    room.threads.emplace("t2", at_place);
    pb::Thread empty;
    empty.set_id("t3");
    empty.add_comments()->set_deleted(true);
    room.threads.emplace("t3", empty);

    const auto layer = breakout::captured_layer(room, "r1", north());
    CHECK(layer.id() == "breakout.r1.g1");
    CHECK(layer.name() == "North");
    CHECK(layer.source_format() == "breakout");
    CHECK(layer.source_name() == "North");
    REQUIRE(layer.features_size() == 5); // three features, two threads with words
    CHECK(layer.features(0).title() == "Broken lamp");
    CHECK(property(layer.features(0), "author") == "Author of lamp");
    CHECK(property(layer.features(0), "group") == "North");
    CHECK(layer.features(1).geometry().kind() == pb::FEATURE_KIND_POINT); // the note
    CHECK(layer.features(1).description() == "Ask the council");
    CHECK(layer.features(2).geometry().positions_size() == 3);
    CHECK(property(layer.features(2), "category") == "walking");
    CHECK(property(layer.features(2), "colour") == "#ff0000");

    const auto& t1 = layer.features(3);
    CHECK(t1.geometry().positions(0).lon() == doctest::Approx(10)); // its feature's place
    CHECK(t1.title() == "Out since May");
    CHECK(t1.description() == "Ana: Out since May\ncarla: Reported it");
    CHECK(property(t1, "kind") == "thread");
    CHECK(property(layer.features(4), "resolved") == "true");
    CHECK(layer.features(4).geometry().positions(0).lat() == doctest::Approx(51));
    CHECK(layer.notes_size() == 0);
}

TEST_CASE("the captured layer stays within the layer limits and says what it left out")
{
    model::room_data room;
    CHECK(breakout::captured_layer(room, "r1", north()).features_size() == 0);

    const auto max = model::limits().max_layer_features;
    for (std::size_t i = 0; i < max + 3; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "f%05zu", i);
        room.features.emplace(id, feature(id, pb::FEATURE_KIND_POINT, 1, std::string(300, 'x')));
    }
    const auto layer = breakout::captured_layer(room, "r1", north());
    CHECK(static_cast<std::size_t>(layer.features_size()) == max);
    REQUIRE(layer.notes_size() == 1);
    CHECK(layer.notes(0).starts_with("3 of"));
    CHECK(model::utf8_length(layer.features(0).title()) == model::limits().max_title_chars);
}

TEST_CASE("long UTF-8 text is cut between characters")
{
    model::room_data room;
    auto f = feature("f", pb::FEATURE_KIND_POINT, 1, "");
    std::string title;
    for (int i = 0; i < 150; ++i)
        title += "\xC3\xBC\xE2\x82\xAC"; // ü€
    f.set_title(title);
    room.features.emplace("f", f);
    const auto layer = breakout::captured_layer(room, "r1", north());
    CHECK(model::is_valid_utf8(layer.features(0).title()));
    CHECK(model::utf8_length(layer.features(0).title()) == model::limits().max_title_chars);
}
