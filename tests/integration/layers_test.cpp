// Reference layers against a real server: a file of each format (GeoJSON,
// KML, GPX, CSV) uploaded with a join token becomes a layer that a joined
// client sees and that is still there after a restart; malformed and
// oversized files, observers and other rooms' tokens are refused with a JSON
// reason and nothing is stored (the room's seq does not move); a
// facilitator renames, recolours, copies and removes layers; the GeoJSON
// export carries them; a retried upload with its Idempotency-Key adds one
// layer.
#include "http_probe.hpp"
#include "server_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>

using namespace maptable;
using namespace maptable::test;
namespace json = boost::json;

namespace {

constexpr const char* admin_key = "test-admin-key-0123456789";

struct upload_options {
    std::string query = "";
    std::string idempotency_key = "";
};

http_reply upload(const server_process& server, const std::string& room, const std::string& token,
                  const std::string& body, const upload_options& o = {})
{
    std::string request = "POST /v1/rooms/" + room + "/layers" + (o.query.empty() ? "" : "?" + o.query) +
        " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!token.empty())
        request += "Authorization: Bearer " + token + "\r\n";
    if (!o.idempotency_key.empty())
        request += "Idempotency-Key: " + o.idempotency_key + "\r\n";
    request += "Content-Type: application/octet-stream\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    return raw_request(server.port(), request);
}

http_reply get(const server_process& server, const std::string& target, const std::string& credential = admin_key)
{
    return call_api(server.port(), {.target = target, .bearer = credential});
}

std::string error_of(const http_reply& r)
{
    const auto body = json_body(r);
    if (!body.is_object() || !body.as_object().contains("error"))
        return "(no JSON error: " + r.body.substr(0, 200) + ")";
    return std::string(body.at("error").as_string());
}

std::string code_of(const http_reply& r)
{
    const auto body = json_body(r);
    if (!body.is_object() || !body.as_object().contains("code"))
        return "(no code)";
    return std::string(body.at("code").as_string());
}

// The room's seq as its log says (0 for a room without events).
std::uint64_t seq_of(const server_process& server, const std::string& room)
{
    const auto r = get(server, "/v1/rooms/" + room + "/state");
    if (r.status == 404) // never created, nothing in its log
        return 0;
    REQUIRE_MESSAGE(r.status == 200, r.body);
    const auto state = json_body(r);
    if (!state.as_object().contains("seq"))
        return 0;
    const auto& seq = state.at("seq");
    return seq.is_string() ? std::stoull(std::string(seq.as_string())) : seq.to_number<std::uint64_t>();
}

const std::string geojson_file =
    R"({"type":"FeatureCollection","name":"Grünflächen","features":[)"
    R"({"type":"Feature","properties":{"name":"Stadtpark","kategorie":"Park"},)"
    R"("geometry":{"type":"Point","coordinates":[13.40,52.50]}},)"
    R"({"type":"Feature","properties":{"name":"Radweg Süd"},)"
    R"("geometry":{"type":"LineString","coordinates":[[13.40,52.50],[13.41,52.51]]}},)"
    R"({"type":"Feature","properties":{"name":"Spielplatz"},)"
    R"("geometry":{"type":"Polygon","coordinates":[[[13.40,52.50],[13.41,52.50],[13.41,52.51],[13.40,52.50]]]}}]})";

const std::string kml_file = R"(<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Schulen</name>
<Placemark><name>Grundschule am Markt</name><description>Ganztagsschule</description>
<Point><coordinates>13.40,52.50,0</coordinates></Point></Placemark>
<Placemark><name>Gymnasium</name><Point><coordinates>13.42,52.52</coordinates></Point></Placemark>
</Document></kml>
)";

const std::string gpx_file = R"(<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
<metadata><name>Radroute</name></metadata>
<wpt lat="52.50" lon="13.40"><name>Start</name></wpt>
<trk><name>Route entlang des Flusses</name><trkseg>
<trkpt lat="52.50" lon="13.40"/><trkpt lat="52.505" lon="13.405"/><trkpt lat="52.51" lon="13.41"/>
</trkseg></trk></gpx>
)";

const std::string csv_file = "nome;lon;lat;linha\n"
                             "Paragem Central;13,40;52,50;7\n"
                             "Escola;13,41;52,51;12\n";

struct format_case {
    const char* format;
    const std::string* file;
    std::size_t features;
    std::string malformed;
    // More features than a layer may hold.
    std::string too_many;
};

std::string many_geojson(int n)
{
    std::string s = R"({"type":"FeatureCollection","features":[)";
    for (int i = 0; i < n; ++i)
        s += std::string(i ? "," : "") +
            R"({"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[13.4,52.5]}})";
    return s + "]}";
}

std::string many_kml(int n)
{
    std::string s = R"(<kml xmlns="http://www.opengis.net/kml/2.2"><Document>)";
    for (int i = 0; i < n; ++i)
        s += "<Placemark><Point><coordinates>13.4,52.5</coordinates></Point></Placemark>";
    return s + "</Document></kml>";
}

std::string many_gpx(int n)
{
    std::string s = R"(<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">)";
    for (int i = 0; i < n; ++i)
        s += R"(<wpt lat="52.5" lon="13.4"/>)";
    return s + "</gpx>";
}

std::string many_csv(int n)
{
    std::string s = "name,lon,lat\n";
    for (int i = 0; i < n; ++i)
        s += "p,13.4,52.5\n";
    return s;
}

std::vector<format_case> formats()
{
    return {
        {"geojson", &geojson_file, 3, R"({"type":"FeatureCollection","features":[{"type":)", many_geojson(5001)},
        {"kml", &kml_file, 2, "<kml><Document><Placemark><name>offen</name></Document></kml>", many_kml(5001)},
        {"gpx", &gpx_file, 2, R"(<gpx version="1.1"><wpt lat="52.5" lon="13.4"></gpx>)", many_gpx(5001)},
        {"csv", &csv_file, 2, "name,lon,lat\n\"nie geschlossen,13.4,52.5\n", many_csv(5001)},
    };
}

const pb::ReferenceLayer* layer_named(const model::room_state& state, const std::string& id)
{
    const auto it = state.data().layers.find(id);
    return it == state.data().layers.end() ? nullptr : &it->second;
}

pb::ClientMessage remove_layer(const std::string& id)
{
    pb::ClientMessage m;
    m.mutable_remove_layer()->set_layer_id(id);
    m.mutable_remove_layer()->set_reason("replaced");
    return m;
}

pb::ClientMessage rename_layer(const std::string& id, const std::string& name, const std::string& colour)
{
    pb::ClientMessage m;
    m.mutable_update_layer()->set_layer_id(id);
    m.mutable_update_layer()->set_name(name);
    m.mutable_update_layer()->mutable_style()->set_colour(colour);
    return m;
}

pb::ClientMessage copy_features(const std::string& id, std::vector<std::uint32_t> indexes,
                                std::vector<std::string> feature_ids)
{
    pb::ClientMessage m;
    auto& c = *m.mutable_copy_layer_features();
    c.set_layer_id(id);
    for (auto i : indexes)
        c.add_indexes(i);
    for (auto& f : feature_ids)
        c.add_feature_ids(f);
    return m;
}

// The admin API, for the networks below.
http_reply admin_call(const server_process& server, const std::string& method, const std::string& target,
                      const std::string& body = {})
{
    return call_api(server.port(), {.method = method, .target = target, .bearer = admin_key, .body = body});
}

void require_made(const http_reply& r)
{
    REQUIRE_MESSAGE((r.status == 201 || r.status == 200), r.status << " " << r.body);
}

// Network `id` with the city of Lisbon, its living lab `{id}-lab` and a
// workshop `{id}-workshop`, made through the admin API.
void make_network(const server_process& server, const std::string& id)
{
    require_made(admin_call(server, "POST", "/v1/admin/networks",
                            R"({"id": ")" + id + R"(", "title": "Safe streets )" + id + R"(", "languages": ["en"]})"));
    const std::string base = "/v1/admin/networks/" + id;
    require_made(admin_call(server, "POST", base + "/cities",
                            R"({"id": "lisbon", "name": "Lisbon", "country": "PT",
                                "position": {"lon": -9.14, "lat": 38.72}})"));
    require_made(admin_call(server, "POST", base + "/rooms",
                            R"({"room_id": ")" + id + R"(-lab", "title": "Intendente", "kind": "living_lab",
                                "city_id": "lisbon"})"));
    require_made(admin_call(server, "POST", base + "/rooms",
                            R"({"room_id": ")" + id + R"(-workshop", "title": "Workshop", "kind": "workshop",
                                "center": {"lon": 10, "lat": 45}, "zoom": 4})"));
}

struct invitation {
    std::string token;
    std::string jti;
};

// A network invitation (no room in it): its token and token id.
invitation invite(const server_process& server, const std::string& network, const std::string& body)
{
    const auto r = admin_call(server, "POST", "/v1/admin/networks/" + network + "/invitations", body);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const auto v = json_body(r);
    return {std::string(v.at("token").as_string()), std::string(v.at("jti").as_string())};
}
} // namespace

TEST_CASE("a file of each format becomes a layer a joined client sees, and it survives a restart")
{
    server_process server({"--admin-key", admin_key});
    client watcher(server.options("lab", "olga", pb::ROLE_OBSERVER));
    join_or_fail(watcher);
    event_recorder seen(watcher);

    std::vector<std::pair<std::string, std::size_t>> added; // id, features
    for (const auto& f : formats()) {
        CAPTURE(f.format);
        // A participant of the city's team imports; the format is found from the content.
        const auto r = upload(server, "lab", server.token("lab", std::string("pat-") + f.format), *f.file,
                              {.query = std::string("filename=lab.") + f.format});
        REQUIRE_MESSAGE(r.status == 201, r.body);
        const auto answer = json_body(r).as_object();
        const std::string id(answer.at("id").as_string());
        CHECK(answer.at("features").to_number<std::size_t>() == f.features);
        CHECK(answer.at("source_format") == f.format);
        CHECK(answer.at("seq").to_number<std::uint64_t>() > 0);
        CHECK(answer.contains("vertices"));
        CHECK(answer.at("notes").is_array());
        added.emplace_back(id, f.features);
        REQUIRE(seen.wait_until([&] { return layer_named(watcher.replica(), id) != nullptr; }));
        const auto now = watcher.replica(); // a copy: the layer points into it
        const auto* layer = layer_named(now, id);
        CHECK(static_cast<std::size_t>(layer->features_size()) == f.features);
        CHECK(layer->source_format() == f.format);
        CHECK(layer->source_name() == std::string("lab.") + f.format);
        CHECK(layer->added_seq() == answer.at("seq").to_number<std::uint64_t>());
    }
    // Names: the file's own (GeoJSON, KML, GPX) or the file name's stem (CSV).
    const auto state = watcher.replica();
    CHECK(layer_named(state, added[0].first)->name() == "Grünflächen");
    CHECK(layer_named(state, added[1].first)->name() == "Schulen");
    CHECK(layer_named(state, added[2].first)->name() == "Radroute");
    CHECK(layer_named(state, added[3].first)->name() == "lab");
    // CSV with a decimal comma, Portuguese column names kept as properties.
    const auto& stop = layer_named(state, added[3].first)->features(0);
    CHECK(stop.title() == "Paragem Central");
    CHECK(stop.geometry().positions(0).lon() == 13.40);
    REQUIRE(stop.properties_size() == 1);
    CHECK(stop.properties(0).key() == "linha");
    // The event names the person who imported it.
    bool named = false;
    for (const auto& e : seen.events())
        if (e.has_layer_added() && e.layer_added().layer().id() == added[0].first)
            named = e.actor_id() == "pat-geojson";
    CHECK(named);

    // The list route: the layers without their features.
    const auto listed = get(server, "/v1/rooms/lab/layers", server.token("lab", "olga", pb::ROLE_OBSERVER));
    REQUIRE_MESSAGE(listed.status == 200, listed.body);
    CHECK(json_body(listed).at("layers").as_array().size() == 4);

    // A restart keeps every layer; a fresh client's Welcome has them.
    server.stop();
    server.start();
    client later(server.options("lab", "ana", pb::ROLE_FACILITATOR));
    join_or_fail(later);
    const auto welcome = later.replica();
    for (const auto& entry : added) {
        // Not a structured binding: clang 14 cannot capture one in the
        // lambda that doctest's assertion macros expand to.
        const auto* layer = layer_named(welcome, entry.first);
        REQUIRE_MESSAGE(layer, entry.first);
        CHECK(static_cast<std::size_t>(layer->features_size()) == entry.second);
    }
}

TEST_CASE("malformed and oversized files of each format are refused with the parser's reason, nothing stored")
{
    server_process server({"--admin-key", admin_key});
    const auto token = server.token("lab", "pat");
    // One layer first, so that the room exists and has a seq to keep.
    REQUIRE(upload(server, "lab", token, geojson_file).status == 201);
    const auto seq = seq_of(server, "lab");

    for (const auto& f : formats()) {
        CAPTURE(f.format);
        const auto malformed = upload(server, "lab", token, f.malformed, {.query = std::string("format=") + f.format});
        CHECK(malformed.status == 422);
        CHECK(code_of(malformed) == "malformed");
        CHECK(!error_of(malformed).empty());

        const auto too_many = upload(server, "lab", token, f.too_many);
        CHECK(too_many.status == 422);
        CHECK(code_of(too_many) == "too_many_features");
        CHECK(error_of(too_many).find("5000") != std::string::npos);

        // 9 MiB announced, nothing sent: refused from the header alone.
        const auto too_large = raw_request(server.port(),
                                           "POST /v1/rooms/lab/layers?format=" + std::string(f.format) +
                                               " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                                               "\r\nContent-Length: " + std::to_string(9 * 1024 * 1024) + "\r\n\r\n");
        CHECK(too_large.status == 413);
        CHECK(code_of(too_large) == "too_large");
        CHECK(error_of(too_large).find("8 MiB") != std::string::npos);
    }
    // A geometry of more positions than the model allows.
    std::string long_track = R"(<gpx version="1.1" creator="t"><trk><name>Lang</name><trkseg>)";
    for (int i = 0; i < 2001; ++i)
        long_track += "<trkpt lat=\"52.5\" lon=\"" + std::to_string(13.0 + i * 0.0001) + "\"/>";
    long_track += "</trkseg></trk></gpx>";
    const auto vertices = upload(server, "lab", token, long_track);
    CHECK(vertices.status == 422);
    CHECK(code_of(vertices) == "too_many_vertices");

    // Not one of the formats, or a format that does not exist.
    const auto binary = upload(server, "lab", token, std::string("\x89PNG\r\n\x1a\n\0\0\0", 11));
    CHECK(binary.status == 415);
    CHECK(code_of(binary) == "unknown_format");
    CHECK(upload(server, "lab", token, geojson_file, {.query = "format=shapefile"}).status == 415);
    // The wrong format asked for: the XML is KML, not GPX.
    const auto wrong = upload(server, "lab", token, kml_file, {.query = "format=gpx"});
    CHECK(wrong.status == 415);
    CHECK(code_of(wrong) == "unknown_format");
    const auto empty = upload(server, "lab", token, "");
    CHECK(empty.status == 422);
    CHECK(code_of(empty) == "empty");
    // A colour the model refuses: the room says why.
    const auto colour = upload(server, "lab", token, geojson_file, {.query = "colour=green"});
    CHECK(colour.status == 422);
    CHECK(code_of(colour) == "ERROR_CODE_INVALID_COLOUR");
    CHECK(upload(server, "lab", token, geojson_file, {.query = "name=%zz"}).status == 400);

    CHECK(seq_of(server, "lab") == seq);
    CHECK(server.log().find("layer upload to room lab by pat refused (422 malformed)") != std::string::npos);
}

TEST_CASE("observers, other rooms' tokens and missing tokens may not import; a removed participant neither")
{
    server_process server({"--admin-key", admin_key});
    CHECK(upload(server, "lab", server.token("lab", "olga", pb::ROLE_OBSERVER), geojson_file).status == 403);
    CHECK(upload(server, "lab", server.token("elsewhere", "pat"), geojson_file).status == 403);
    const auto none = upload(server, "lab", "", geojson_file);
    CHECK(none.status == 401);
    CHECK(none.header("WWW-Authenticate").find("Bearer") != std::string::npos);
    CHECK(upload(server, "lab", "not-a-token", geojson_file).status == 401);
    CHECK(seq_of(server, "lab") == 0);

    // Facilitators import too, and may remove a participant, who may then not.
    client ana(server.options("lab", "ana", pb::ROLE_FACILITATOR));
    join_or_fail(ana);
    REQUIRE(upload(server, "lab", server.token("lab", "ana", pb::ROLE_FACILITATOR), kml_file).status == 201);
    pb::ClientMessage remove;
    remove.mutable_remove_participant()->set_participant_id("pat");
    REQUIRE(ana.send(remove).get().ok);
    const auto seq = seq_of(server, "lab");
    const auto removed = upload(server, "lab", server.token("lab", "pat"), geojson_file);
    CHECK(removed.status == 403);
    CHECK(error_of(removed).find("removed") != std::string::npos);
    CHECK(seq_of(server, "lab") == seq);
}

TEST_CASE("a facilitator renames, recolours, copies and removes a layer; participants may not")
{
    server_process server({"--admin-key", admin_key});
    const auto r =
        upload(server, "lab", server.token("lab", "pat"), geojson_file, {.query = "name=Parks&colour=%232e7d32"});
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const std::string id(json_body(r).at("id").as_string());
    CHECK(json_body(r).at("name") == "Parks");
    CHECK(json_body(r).at("colour") == "#2e7d32");

    client ana(server.options("lab", "ana", pb::ROLE_FACILITATOR));
    client pat(server.options("lab", "pat"));
    join_or_fail(ana);
    join_or_fail(pat);
    event_recorder pats(pat);

    const auto refused = pat.send(rename_layer(id, "Meins", "#000000")).get();
    CHECK_FALSE(refused.ok);
    CHECK(refused.code == pb::ERROR_CODE_PERMISSION_DENIED);
    CHECK(pat.send(copy_features(id, {0}, {"f-mine"})).get().code == pb::ERROR_CODE_PERMISSION_DENIED);

    const auto renamed = ana.send(rename_layer(id, "Grün 2026", "#1565c0")).get();
    REQUIRE_MESSAGE(renamed.ok, renamed.message);
    REQUIRE(pats.wait_for_seq(renamed.seq));
    CHECK(layer_named(pat.replica(), id)->name() == "Grün 2026");
    CHECK(layer_named(pat.replica(), id)->style().colour() == "#1565c0");

    const auto out_of_range = ana.send(copy_features(id, {0, 9}, {"f-a", "f-b"})).get();
    CHECK(out_of_range.code == pb::ERROR_CODE_INVALID_LAYER);
    const auto copied = ana.send(copy_features(id, {0, 1}, {"f-park", "f-radweg"})).get();
    REQUIRE_MESSAGE(copied.ok, copied.message);
    REQUIRE(pats.wait_for_seq(copied.seq));
    const auto state = pat.replica();
    REQUIRE(state.find_feature("f-park"));
    CHECK(state.find_feature("f-park")->title() == "Stadtpark");
    CHECK(state.find_feature("f-park")->layer() == "Grün 2026");
    CHECK(state.find_feature("f-park")->author_id() == "ana");
    CHECK(state.find_feature("f-park")->description() == "kategorie: Park");
    CHECK(state.find_feature("f-radweg")->geometry().kind() == pb::FEATURE_KIND_LINE);
    CHECK(ana.send(copy_features(id, {2}, {"f-park"})).get().code == pb::ERROR_CODE_FEATURE_EXISTS);

    // The export carries the layer, apart from the room's own features.
    const auto exported = get(server, "/v1/rooms/lab/export/geojson");
    REQUIRE_MESSAGE(exported.status == 200, exported.body);
    const auto doc = json_body(exported);
    std::size_t own = 0;
    std::size_t reference = 0;
    for (const auto& f : doc.at("features").as_array()) {
        const auto& p = f.at("properties").as_object();
        if (const auto* layer = p.if_contains("reference_layer")) {
            ++reference;
            CHECK(layer->at("id") == json::value(id));
            CHECK(layer->at("name") == "Grün 2026");
        } else {
            ++own;
        }
    }
    CHECK(own == 2);
    CHECK(reference == 3);
    REQUIRE(doc.as_object().contains("reference_layers"));
    CHECK(doc.at("reference_layers").at(0).at("name") == "Grün 2026");

    const auto removed = ana.send(remove_layer(id)).get();
    REQUIRE_MESSAGE(removed.ok, removed.message);
    REQUIRE(pats.wait_for_seq(removed.seq));
    CHECK(layer_named(pat.replica(), id) == nullptr);
    CHECK(pat.replica().find_feature("f-park")); // copies are the room's own
    CHECK(ana.send(remove_layer(id)).get().code == pb::ERROR_CODE_LAYER_NOT_FOUND);
    const auto after = json_body(get(server, "/v1/rooms/lab/export/geojson"));
    CHECK(after.at("features").as_array().size() == 2);
}

TEST_CASE("a retried upload with the same Idempotency-Key gets the first answer and adds one layer")
{
    server_process server({"--admin-key", admin_key});
    const auto token = server.token("lab", "pat");
    const auto first =
        upload(server, "lab", token, csv_file, {.query = "name=Haltestellen", .idempotency_key = "req-1"});
    REQUIRE_MESSAGE(first.status == 201, first.body);
    const auto seq = seq_of(server, "lab");
    const auto again =
        upload(server, "lab", token, csv_file, {.query = "name=Haltestellen", .idempotency_key = "req-1"});
    REQUIRE_MESSAGE(again.status == 200, again.body);
    CHECK(again.header("Idempotent-Replayed") == "true");
    CHECK(json_body(again).at("id") == json_body(first).at("id"));
    CHECK(json_body(again).at("seq") == json_body(first).at("seq"));
    CHECK(seq_of(server, "lab") == seq);
    // Another key is another layer.
    const auto other = upload(server, "lab", token, csv_file, {.idempotency_key = "req-2"});
    CHECK(other.status == 201);
    CHECK(json_body(other).at("id") != json_body(first).at("id"));
    CHECK(upload(server, "lab", token, csv_file, {.idempotency_key = "bad key"}).status == 400);
}

TEST_CASE("a network invitation imports where the network makes its holder a participant, and nowhere else")
{
    server_process server({"--admin-key", admin_key});
    make_network(server, "na");
    make_network(server, "nb");
    const auto luis =
        invite(server, "na", R"({"subject": "lu", "name": "Luis", "role": "participant", "city_id": "lisbon"})");
    const auto olga = invite(server, "na", R"({"subject": "ol", "name": "Olga", "role": "observer"})");
    const auto ben = invite(server, "nb", R"({"subject": "be", "name": "Ben", "role": "participant"})");

    // Luis is a participant in his city's living lab: he imports there, and
    // the layer is in the room's log under his name.
    const auto seq = seq_of(server, "na-lab");
    const auto imported = upload(server, "na-lab", luis.token, geojson_file, {.query = "name=Parks"});
    REQUIRE_MESSAGE(imported.status == 201, imported.body);
    CHECK(json_body(imported).at("features").to_number<int>() == 3);
    CHECK(seq_of(server, "na-lab") == seq + 1);
    const auto listed = get(server, "/v1/rooms/na-lab/layers", luis.token);
    REQUIRE_MESSAGE(listed.status == 200, listed.body);
    REQUIRE(json_body(listed).at("layers").as_array().size() == 1);
    CHECK(json_body(listed).at("layers").at(0).at("name").as_string() == "Parks");
    {
        client reader(server.options("na-lab", "fay", pb::ROLE_FACILITATOR));
        join_or_fail(reader);
        REQUIRE(reader.replica().data().layers.size() == 1);
        CHECK(reader.replica().data().layers.begin()->second.source_format() == "geojson");
    }

    // Elsewhere in the network he is an observer (members_elsewhere): the
    // role the server computes for the room is refused, not the one he
    // claims.
    const auto workshop_seq = seq_of(server, "na-workshop");
    const auto elsewhere = upload(server, "na-workshop", luis.token, geojson_file);
    CHECK(elsewhere.status == 403);
    CHECK(error_of(elsewhere).find("role is observer") != std::string::npos);
    CHECK(error_of(elsewhere).find("ERROR_CODE_PERMISSION_DENIED") != std::string::npos);
    // He may still look.
    CHECK(get(server, "/v1/rooms/na-workshop/layers", luis.token).status == 200);

    // An observer's invitation, another network's, and a revoked one.
    const auto observer = upload(server, "na-lab", olga.token, geojson_file);
    CHECK(observer.status == 403);
    CHECK(error_of(observer).find("ERROR_CODE_PERMISSION_DENIED") != std::string::npos);
    const auto other_network = upload(server, "na-lab", ben.token, geojson_file);
    CHECK(other_network.status == 403);
    CHECK(error_of(other_network).find("ERROR_CODE_TOKEN_WRONG_NETWORK") != std::string::npos);
    CHECK(get(server, "/v1/rooms/na-lab/layers", ben.token).status == 403);
    REQUIRE(admin_call(server, "POST", "/v1/admin/revocations", R"({"jti": ")" + luis.jti + R"("})").status < 300);
    const auto revoked = upload(server, "na-lab", luis.token, geojson_file);
    CHECK(revoked.status == 401);
    CHECK(error_of(revoked).find("ERROR_CODE_TOKEN_REVOKED") != std::string::npos);

    // Nothing refused reached a log.
    CHECK(seq_of(server, "na-lab") == seq + 1);
    CHECK(seq_of(server, "na-workshop") == workshop_seq);
}
