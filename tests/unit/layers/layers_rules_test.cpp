// The rules of reference layers (protocol/model/rules/layers.cpp): the
// server adds a layer (admin only); facilitators rename, restyle, remove and
// copy its features into the room's own; every refusal names its cause and
// changes nothing; a replica built from the events equals the state.
#include "../model/model_fixture.hpp"

#include "model/limits.hpp"
#include "model/text.hpp"

using namespace fixture;

namespace {

pb::LayerFeature layer_point(double lon, double lat, const std::string& title, const std::string& description = {})
{
    pb::LayerFeature f;
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    *f.mutable_geometry()->add_positions() = lon_lat(lon, lat);
    f.set_title(title);
    f.set_description(description);
    return f;
}

pb::LayerFeature layer_line()
{
    pb::LayerFeature f;
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_LINE);
    *f.mutable_geometry()->add_positions() = lon_lat(13.40, 52.50);
    *f.mutable_geometry()->add_positions() = lon_lat(13.41, 52.51);
    f.set_title("Radweg Süd");
    return f;
}

pb::ReferenceLayer parks(const std::string& id = "L-parks")
{
    pb::ReferenceLayer layer;
    layer.set_id(id);
    layer.set_name("Parks und Plätze");
    layer.set_source_format("geojson");
    layer.mutable_style()->set_colour("#2e7d32");
    auto first = layer_point(13.40, 52.50, "Stadtpark", "Der große Park");
    auto* kind = first.add_properties();
    kind->set_key("kategorie");
    kind->set_value("Park");
    auto* area = first.add_properties();
    area->set_key("fläche_ha");
    area->set_value("12.5");
    *layer.add_features() = first;
    *layer.add_features() = layer_line();
    *layer.add_features() = layer_point(13.42, 52.52, "Marktplatz");
    return layer;
}

pb::ClientMessage add_layer(const pb::ReferenceLayer& layer)
{
    return command([&](pb::ClientMessage& m) { *m.mutable_add_layer()->mutable_layer() = layer; });
}

pb::ClientMessage remove_layer(const std::string& id, const std::string& reason = {})
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_remove_layer()->set_layer_id(id);
        m.mutable_remove_layer()->set_reason(reason);
    });
}

pb::ClientMessage rename_layer(const std::string& id, const std::string& name)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_update_layer()->set_layer_id(id);
        m.mutable_update_layer()->set_name(name);
    });
}

pb::ClientMessage recolour_layer(const std::string& id, const std::string& colour)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_update_layer()->set_layer_id(id);
        m.mutable_update_layer()->mutable_style()->set_colour(colour);
    });
}

pb::ClientMessage copy(const std::string& id, std::vector<std::uint32_t> indexes, std::vector<std::string> ids)
{
    return command([&](pb::ClientMessage& m) {
        auto& c = *m.mutable_copy_layer_features();
        c.set_layer_id(id);
        for (auto i : indexes)
            c.add_indexes(i);
        for (auto& f : ids)
            c.add_feature_ids(f);
    });
}

// A room with the parks layer, added as the server on Pat's behalf.
model::room_state room_with_parks(std::vector<pb::Event>* log = nullptr)
{
    model::room_state room("living-lab");
    model::actor importer = participant;
    importer.role = pb::ROLE_ADMIN;
    auto event = run(room, add_layer(parks()), importer);
    if (log)
        log->push_back(event);
    return room;
}

} // namespace

TEST_CASE("add_layer is the server's: people may not send it, and the layer keeps its seq")
{
    model::room_state room("living-lab");
    CHECK(outcome(room, add_layer(parks()), facilitator) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, add_layer(parks()), participant) == "ERROR_CODE_PERMISSION_DENIED");
    const auto event = run(room, add_layer(parks()), admin);
    REQUIRE(room.data().layers.count("L-parks"));
    CHECK(room.data().layers.at("L-parks").added_seq() == event.seq());
    CHECK(outcome(room, add_layer(parks()), admin) == "ERROR_CODE_INVALID_LAYER"); // the id is taken
}

TEST_CASE("removing a layer: facilitators only, a missing layer is named, the log keeps it")
{
    std::vector<pb::Event> log;
    auto room = room_with_parks(&log);
    CHECK(outcome(room, remove_layer("L-parks"), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, remove_layer("L-parks"), observer) == "ERROR_CODE_PERMISSION_DENIED");
    const auto missing = refusal(room, remove_layer("L-none"), facilitator);
    CHECK(missing.code == pb::ERROR_CODE_LAYER_NOT_FOUND);
    CHECK(missing.message.find("L-none") != std::string::npos);
    CHECK(outcome(room, remove_layer("L-parks", std::string(201, 'x')), facilitator) == "ERROR_CODE_TEXT_TOO_LONG");

    const auto event = run(room, remove_layer("L-parks", "replaced by the 2026 data"), facilitator);
    log.push_back(event);
    CHECK(event.layer_removed().layer_id() == "L-parks");
    CHECK(event.layer_removed().reason() == "replaced by the 2026 data");
    CHECK(room.data().layers.empty());
    CHECK(outcome(room, remove_layer("L-parks"), facilitator) == "ERROR_CODE_LAYER_NOT_FOUND");
    CHECK(replica_of("living-lab", log).canonical_hash() == room.canonical_hash());
}

TEST_CASE("renaming and recolouring a layer: checked, applied one property at a time")
{
    std::vector<pb::Event> log;
    auto room = room_with_parks(&log);
    CHECK(outcome(room, rename_layer("L-parks", "Grün"), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, rename_layer("L-none", "Grün"), facilitator) == "ERROR_CODE_LAYER_NOT_FOUND");
    CHECK(outcome(room, rename_layer("L-parks", "   "), facilitator) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(room, rename_layer("L-parks", std::string(201, 'a')), facilitator) == "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(outcome(room, rename_layer("L-parks", "\xff"), facilitator) == "ERROR_CODE_INVALID_UTF8");
    CHECK(outcome(room, recolour_layer("L-parks", "green"), facilitator) == "ERROR_CODE_INVALID_COLOUR");
    const auto nothing = command([](pb::ClientMessage& m) { m.mutable_update_layer()->set_layer_id("L-parks"); });
    CHECK(outcome(room, nothing, facilitator) == "ERROR_CODE_EMPTY_PATCH");

    log.push_back(run(room, rename_layer("L-parks", "Grünflächen"), facilitator));
    CHECK(room.data().layers.at("L-parks").name() == "Grünflächen");
    CHECK(room.data().layers.at("L-parks").style().colour() == "#2e7d32"); // untouched
    log.push_back(run(room, recolour_layer("L-parks", "#1565c0"), facilitator));
    CHECK(room.data().layers.at("L-parks").name() == "Grünflächen"); // untouched
    CHECK(room.data().layers.at("L-parks").style().colour() == "#1565c0");
    log.push_back(run(room, recolour_layer("L-parks", ""), facilitator)); // back to the app's default
    CHECK(room.data().layers.at("L-parks").style().colour().empty());
    CHECK(room.data().layers.at("L-parks").features_size() == 3);
    CHECK(replica_of("living-lab", log).canonical_hash() == room.canonical_hash());
}

TEST_CASE("copying a layer's features makes editable features of the facilitator's")
{
    std::vector<pb::Event> log;
    auto room = room_with_parks(&log);
    const auto event = run(room, copy("L-parks", {0, 1}, {"f-park", "f-radweg"}), facilitator);
    log.push_back(event);
    REQUIRE(room.features().count("f-park"));
    REQUIRE(room.features().count("f-radweg"));
    const pb::Feature& park = room.features().at("f-park");
    CHECK(park.title() == "Stadtpark");
    CHECK(park.description() == "Der große Park\nkategorie: Park\nfläche_ha: 12.5");
    CHECK(park.layer() == "Parks und Plätze");
    CHECK(park.category().empty());
    CHECK(park.colour() == "#2e7d32");
    CHECK(park.author_id() == facilitator.id);
    CHECK(park.author_name() == facilitator.name);
    CHECK(park.created_seq() == event.seq());
    CHECK(park.updated_seq() == event.seq());
    CHECK(park.geometry().kind() == pb::FEATURE_KIND_POINT);
    CHECK(park.geometry().positions(0).lon() == 13.40);
    const pb::Feature& route = room.features().at("f-radweg");
    CHECK(route.geometry().kind() == pb::FEATURE_KIND_LINE);
    CHECK(route.geometry().positions_size() == 2);
    CHECK(route.description().empty());
    // The layer stays as it was: copies are the room's own from now on.
    CHECK(room.data().layers.at("L-parks").features_size() == 3);

    // A copy is an ordinary feature: its author may edit it.
    const auto patch = command([](pb::ClientMessage& m) {
        m.mutable_update_feature()->set_id("f-park");
        m.mutable_update_feature()->mutable_patch()->set_title("Stadtpark (neu)");
    });
    log.push_back(run(room, patch, facilitator));
    CHECK(replica_of("living-lab", log).canonical_hash() == room.canonical_hash());
}

TEST_CASE("a copy is refused whole: indexes out of range or twice, ids taken or bad, wrong counts")
{
    auto room = room_with_parks();
    run(room, add(point("f-taken")), participant);
    const auto seq = room.seq();
    CHECK(outcome(room, copy("L-parks", {0}, {"f-a"}), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(room, copy("L-none", {0}, {"f-a"}), facilitator) == "ERROR_CODE_LAYER_NOT_FOUND");
    CHECK(outcome(room, copy("L-parks", {}, {}), facilitator) == "ERROR_CODE_INVALID_LAYER");
    CHECK(outcome(room, copy("L-parks", {0, 1}, {"f-a"}), facilitator) == "ERROR_CODE_INVALID_LAYER");
    const auto out_of_range = refusal(room, copy("L-parks", {0, 3}, {"f-a", "f-b"}), facilitator);
    CHECK(out_of_range.code == pb::ERROR_CODE_INVALID_LAYER);
    CHECK(out_of_range.message.find("no feature 3") != std::string::npos);
    CHECK(outcome(room, copy("L-parks", {1, 1}, {"f-a", "f-b"}), facilitator) == "ERROR_CODE_INVALID_LAYER");
    CHECK(outcome(room, copy("L-parks", {0, 1}, {"f-a", "f-taken"}), facilitator) == "ERROR_CODE_FEATURE_EXISTS");
    CHECK(outcome(room, copy("L-parks", {0, 1}, {"f-a", "f-a"}), facilitator) == "ERROR_CODE_FEATURE_EXISTS");
    CHECK(outcome(room, copy("L-parks", {0}, {"no spaces"}), facilitator) == "ERROR_CODE_INVALID_ID");
    CHECK(room.seq() == seq);
    CHECK_FALSE(room.features().count("f-a"));
}

TEST_CASE("a copy outside the room's bounds is refused, naming the layer's feature")
{
    auto room = room_with_parks();
    const auto bounds = command([](pb::ClientMessage& m) {
        auto& b = *m.mutable_update_room_info()->mutable_change()->mutable_bounds();
        *b.mutable_south_west() = lon_lat(13.39, 52.49);
        *b.mutable_north_east() = lon_lat(13.415, 52.515);
    });
    run(room, bounds, facilitator);
    CHECK(outcome(room, copy("L-parks", {0, 1}, {"f-a", "f-b"}), facilitator) == "accepted");
    const auto outside = refusal(room, copy("L-parks", {2}, {"f-c"}), facilitator);
    CHECK(outside.code == pb::ERROR_CODE_OUTSIDE_BOUNDS);
    CHECK(outside.message.find("the layer's feature 2") != std::string::npos);
}

TEST_CASE("a copied feature takes what fits: a long layer name is cut, properties stop at the limit")
{
    model::room_state room("living-lab");
    pb::ReferenceLayer layer = parks();
    std::string long_name;
    for (int i = 0; i < 70; ++i)
        long_name += "ü"; // two bytes, one character
    layer.set_name(long_name);
    auto& first = *layer.mutable_features(0);
    // "kategorie: Park" is 15 characters and a newline: with 4984 before it
    // the description is 5000, the limit; "fläche_ha: 12.5" no longer fits.
    first.set_description(std::string(4984, 'd'));
    run(room, add_layer(layer), admin);
    run(room, copy("L-parks", {0}, {"f-1"}), facilitator);
    const pb::Feature& copied = room.features().at("f-1");
    CHECK(model::utf8_length(copied.layer()) == model::limits().max_short_text_chars);
    CHECK(copied.layer().size() == 2 * model::limits().max_short_text_chars);
    CHECK(copied.description() == std::string(4984, 'd') + "\nkategorie: Park");
    CHECK(model::utf8_length(copied.description()) == model::limits().max_description_chars);
}

TEST_CASE("apply is total for layer events validate would never make")
{
    auto room = room_with_parks();
    const auto hash = [&] { return room.canonical_hash(); };
    auto next = [&](auto fill) {
        pb::Event e;
        e.set_seq(room.seq() + 1);
        e.set_actor_id("fac-1");
        fill(e);
        return e;
    };
    REQUIRE(room.apply(next([](pb::Event& e) { e.mutable_layer_removed()->set_layer_id("L-none"); })));
    REQUIRE(room.apply(next([](pb::Event& e) { e.mutable_layer_changed()->set_layer_id("L-none"); })));
    REQUIRE(room.apply(next([](pb::Event& e) {
        auto& c = *e.mutable_layer_features_copied();
        c.set_layer_id("L-parks");
        c.add_indexes(7); // out of range
        c.add_feature_ids("f-x");
        c.add_indexes(0); // no id for it
    })));
    CHECK(room.features().empty());
    CHECK(room.data().layers.size() == 1);
    const auto before = hash();
    REQUIRE(room.apply(next([](pb::Event& e) {
        auto& c = *e.mutable_layer_features_copied();
        c.set_layer_id("L-none");
        c.add_indexes(0);
        c.add_feature_ids("f-y");
    })));
    CHECK(room.features().empty());
    CHECK(hash() != before); // only the seq moved
}
