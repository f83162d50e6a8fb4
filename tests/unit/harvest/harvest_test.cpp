// The network harvest as pure functions (server/harvest): a network of three
// cities whose log is kept in a real SQLite event_log, rooms built through
// the room's own rules at known times, and the figures, the three forms and
// the maps checked against what the rooms did in the range.
#include "harvest/harvest.hpp"

#include "store/sqlite_event_log.hpp"
#include "temp_dir.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <regex>
#include <string>

namespace harvest = maptable::harvest;
namespace model = maptable::model;
namespace exports = maptable::exports;
namespace store = maptable::store;
namespace json = boost::json;
namespace pb = maptable::v1;

namespace {

// 2026-03-10 00:00 UTC and hours after it.
constexpr std::int64_t march_10 = 1'773'100'800'000;
constexpr std::int64_t hour = 3'600'000;
constexpr std::int64_t day = 24 * hour;

pb::NetworkEvent accepted(const model::network_validation& v)
{
    if (const auto* r = std::get_if<model::rejection>(&v))
        FAIL("refused: " << r->message);
    return std::get<pb::NetworkEvent>(v);
}

pb::NetworkEvent city_added(const std::string& id, const std::string& name, const std::string& country)
{
    pb::NetworkEvent change;
    auto* c = change.mutable_city_added()->mutable_city();
    c->set_id(id);
    c->set_name(name);
    c->set_country(country);
    c->mutable_position()->set_lon(10);
    c->mutable_position()->set_lat(50);
    c->set_living_lab_title("Living lab of " + name);
    return change;
}

// The network's events as the store keeps them: validated, then appended
// under the network's own id in a real SQLite log, and read back.
model::network_state network_from_store(const std::string& file)
{
    model::network_state building("safe-spaces");
    std::vector<pb::NetworkEvent> changes;
    pb::NetworkEvent created;
    auto* n = created.mutable_network_created()->mutable_network();
    n->set_id("safe-spaces");
    n->set_title("Safe <spaces> & \"streets\"");
    n->set_theme("Public space for all");
    changes.push_back(created);
    changes.push_back(city_added("leipzig", "Leipzig", "DE"));
    changes.push_back(city_added("durban", "Durban", "ZA"));
    changes.push_back(city_added("porto", "Porto", "PT"));
    pb::NetworkEvent planned;
    auto* s = planned.mutable_session_planned()->mutable_session();
    s->set_id("kickoff");
    s->set_room_id("plenary");
    s->set_title("Kick-off plenary");
    s->set_starts_ms(march_10 + 9 * hour);
    s->set_ends_ms(march_10 + 11 * hour);
    s->set_time_zone("Europe/Berlin");
    changes.push_back(planned);

    std::vector<store::event_record> records;
    for (auto& change : changes) {
        auto e = accepted(building.validate(change, "operator", march_10 - day));
        building.apply(e);
        store::event_record r;
        r.room_id = harvest::network_log_id("safe-spaces");
        r.seq = e.seq();
        r.time_ms = e.time_ms();
        r.bytes = e.SerializeAsString();
        records.push_back(std::move(r));
    }
    store::sqlite_event_log log(file);
    REQUIRE(log.append(records) == store::append_error::ok);

    model::network_state network("safe-spaces");
    for (const auto& bytes : log.events_between(harvest::network_log_id("safe-spaces"), 1, 1000))
        REQUIRE_FALSE(harvest::fold_network_event(network, bytes).has_value());
    return network;
}

// A room built through its own rules: each command validated as the actor
// at the time given and applied; its events kept.
struct room_builder {
    model::room_state state;
    std::vector<pb::Event> events;

    room_builder(const std::string& id, const std::string& city_id, pb::RoomKind kind, const std::string& title)
        : state(id)
    {
        // The admin API sets the network's fields; the first event of the log.
        pb::Event e;
        e.set_seq(1);
        e.set_time_ms(march_10 - 30 * day);
        e.set_actor_id("admin");
        auto* info = e.mutable_room_info_changed();
        info->set_title(title);
        info->set_network_id("safe-spaces");
        info->set_kind(kind);
        info->set_city_id(city_id);
        keep(e);
    }

    void keep(const pb::Event& e)
    {
        REQUIRE(state.apply(e));
        events.push_back(e);
    }

    std::uint64_t run(const pb::ClientMessage& command, const std::string& who, std::int64_t at,
                      pb::Role role = pb::ROLE_PARTICIPANT)
    {
        const model::actor a{who, who == "ana" ? "Ana <b>" : who + " name", role, {}};
        auto v = state.validate(command, a, at);
        if (const auto* r = std::get_if<model::rejection>(&v))
            FAIL("refused: " << r->message);
        keep(std::get<pb::Event>(v));
        return state.seq();
    }

    void feature(const std::string& id, const std::string& title, const std::string& category, const std::string& who,
                 std::int64_t at, pb::FeatureKind kind = pb::FEATURE_KIND_POINT)
    {
        pb::ClientMessage m;
        auto* f = m.mutable_add_feature()->mutable_feature();
        f->set_id(id);
        f->set_title(title);
        f->set_category(category);
        if (kind == pb::FEATURE_KIND_NOTE)
            f->set_description("Lights here");
        f->mutable_geometry()->set_kind(kind);
        const int n = kind == pb::FEATURE_KIND_AREA ? 3 : kind == pb::FEATURE_KIND_LINE ? 2 : 1;
        for (int i = 0; i < n; ++i) {
            auto* p = f->mutable_geometry()->add_positions();
            p->set_lon(12.37 + 0.001 * i + 0.01 * static_cast<double>(events.size()));
            p->set_lat(51.34 + 0.001 * (i % 2));
        }
        run(m, who, at);
    }

    void chat(const std::string& who, const std::string& text, std::int64_t at)
    {
        pb::ClientMessage m;
        m.mutable_send_chat()->set_text(text);
        run(m, who, at);
    }

    std::uint64_t thread(const std::string& id, const std::string& feature_id, const std::string& text,
                         const std::string& who, std::int64_t at)
    {
        pb::ClientMessage m;
        m.mutable_start_thread()->set_thread_id(id);
        m.mutable_start_thread()->set_feature_id(feature_id);
        m.mutable_start_thread()->set_text(text);
        return run(m, who, at);
    }

    void comment(const std::string& thread_id, const std::string& text, const std::string& who, std::int64_t at)
    {
        pb::ClientMessage m;
        m.mutable_add_comment()->set_thread_id(thread_id);
        m.mutable_add_comment()->set_text(text);
        run(m, who, at);
    }

    void resolve(const std::string& thread_id, std::int64_t at)
    {
        pb::ClientMessage m;
        m.mutable_resolve_thread()->set_thread_id(thread_id);
        m.mutable_resolve_thread()->set_resolved(true);
        run(m, "fay", at, pb::ROLE_FACILITATOR);
    }

    void vote(const std::string& id, const std::string& title, std::vector<std::pair<std::string, std::string>> dots,
              std::int64_t at)
    {
        pb::ClientMessage open;
        open.mutable_open_vote()->mutable_round()->set_id(id);
        open.mutable_open_vote()->mutable_round()->set_title(title);
        open.mutable_open_vote()->mutable_round()->set_dots_per_person(3);
        run(open, "fay", at, pb::ROLE_FACILITATOR);
        for (const auto& [who, feature] : dots) {
            pb::ClientMessage dot;
            dot.mutable_place_dot()->set_vote_id(id);
            dot.mutable_place_dot()->set_feature_id(feature);
            run(dot, who, at);
        }
        pb::ClientMessage close;
        close.mutable_close_vote()->set_vote_id(id);
        run(close, "fay", at, pb::ROLE_FACILITATOR);
    }

    void session(const std::string& title, std::int64_t start, std::int64_t end)
    {
        pb::ClientMessage s;
        s.mutable_start_session()->set_title(title);
        run(s, "fay", start, pb::ROLE_FACILITATOR);
        pb::ClientMessage e;
        e.mutable_end_session();
        run(e, "fay", end, pb::ROLE_FACILITATOR);
    }

    // Its input for a range ending after every event: the state as it is.
    harvest::room_input input(const harvest::date_range& range) const
    {
        harvest::room_input in{state.info(), exports::room_record(state.info().id()), {}};
        in.at_end.state = state;
        in.activity = harvest::activity_of(events, range);
        return in;
    }
};

harvest::date_range range_of(const std::string& from, const std::string& to)
{
    auto r = harvest::parse_range(from, to);
    REQUIRE(std::holds_alternative<harvest::date_range>(r));
    return std::get<harvest::date_range>(r);
}

// The network of three cities: what happened before the range (March 9) and
// in it (March 10-11).
struct network_fixture {
    store::testing::temp_dir dir;
    model::network_state network = network_from_store(dir.file("maptable.db"));
    room_builder leipzig{"leipzig-lab", "leipzig", pb::ROOM_KIND_LIVING_LAB, "Lindenau <courtyards>"};
    room_builder leipzig_consult{"leipzig-consult", "leipzig", pb::ROOM_KIND_CONSULTATION, "Leipzig asks"};
    room_builder durban{"durban-lab", "durban", pb::ROOM_KIND_LIVING_LAB, "Warwick junction"};
    room_builder plenary{"plenary", "", pb::ROOM_KIND_PLENARY, "Plenary"};
    harvest::date_range range = range_of("2026-03-10", "2026-03-11");

    network_fixture()
    {
        const auto before = march_10 - 12 * hour;
        const auto in = march_10 + 10 * hour;
        // Before the range: on the map, but not counted as the range's work.
        leipzig.feature("old-bench", "Old bench", "seating", "ben", before);
        leipzig.thread("t-old", "old-bench", "Settled long ago", "ben", before);
        leipzig.resolve("t-old", before);
        leipzig.chat("ben", "an old message", before);

        // In the range.
        leipzig.session("Consultation <1>", in, in + 2 * hour);
        leipzig.feature("tree", "Shade <trees> & benches", "green", "ana", in);
        leipzig.feature("path", "Night path", "safety", "ben", in + hour, pb::FEATURE_KIND_LINE);
        leipzig.feature("park", "Pocket park", "green", "ana", in + hour, pb::FEATURE_KIND_AREA);
        leipzig.feature("note", "", "", "ana", in + hour, pb::FEATURE_KIND_NOTE);
        leipzig.chat("ana", "hello <script>alert(1)</script>", in);
        leipzig.chat("ben", "hi", in);
        leipzig.thread("t-open", "tree", "Which species?", "ben", in);
        leipzig.comment("t-open", "Lime trees", "ana", in);
        leipzig.thread("t-done", "path", "Lights at night?", "ana", in);
        leipzig.resolve("t-done", in + hour);
        leipzig.vote("priorities", "Top <priorities>", {{"ana", "park"}, {"ben", "park"}, {"ben", "tree"}}, in);

        leipzig_consult.chat("cem", "from the consultation", in);
        leipzig_consult.chat("ana", "me too", in);

        durban.feature("market", "Market shelter", "", "dee", in);
        durban.chat("dee", "sawubona", in);

        plenary.chat("fay", "welcome all", in);

        // After the range: not counted.
        durban.chat("dee", "too late", march_10 + 3 * day);
    }

    harvest::harvest_input input(bool per_person = false) const
    {
        harvest::harvest_input in{network, {}, range, march_10 + 5 * day, per_person};
        for (const auto* room : {&leipzig, &leipzig_consult, &durban, &plenary})
            in.rooms.push_back(room->input(range));
        return in;
    }
};

const harvest::city_figures& city(const harvest::harvest_figures& f, const std::string& id)
{
    for (const auto& c : f.cities)
        if (c.city_id == id)
            return c;
    FAIL("no city " << id);
    throw;
}

std::size_t count_of(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
        ++n;
    return n;
}

} // namespace

TEST_CASE("a day is YYYY-MM-DD in UTC, and a range runs from the start of from to the end of to")
{
    CHECK(harvest::day_start_ms("2026-03-10") == march_10);
    CHECK_FALSE(harvest::day_start_ms("2026-02-30"));
    CHECK_FALSE(harvest::day_start_ms("2026-3-10"));
    CHECK_FALSE(harvest::day_start_ms("2026-03-10T00:00"));
    CHECK_FALSE(harvest::day_start_ms("yesterday"));
    const auto r = range_of("2026-03-10", "2026-03-10");
    CHECK(r.contains(march_10));
    CHECK(r.contains(march_10 + day - 1));
    CHECK_FALSE(r.contains(march_10 + day));
    CHECK_FALSE(r.contains(march_10 - 1));
    const auto open = range_of("", "");
    CHECK(open.contains(0));
    CHECK(open.contains(march_10 * 10));

    const auto backwards = harvest::parse_range("2026-03-11", "2026-03-10");
    REQUIRE(std::holds_alternative<std::string>(backwards));
    CHECK(std::get<std::string>(backwards).find("after") != std::string::npos);
    CHECK(std::holds_alternative<std::string>(harvest::parse_range("2026-13-01", "")));
    CHECK(std::holds_alternative<std::string>(harvest::parse_range("", "31.12.2026")));
}

TEST_CASE("the network's log is read back from the store and folded")
{
    store::testing::temp_dir dir;
    const auto network = network_from_store(dir.file("maptable.db"));
    CHECK(network.exists());
    CHECK(network.cities().size() == 3);
    CHECK(network.sessions().size() == 1);

    model::network_state other("safe-spaces");
    pb::NetworkEvent out_of_order;
    out_of_order.set_seq(2);
    const auto failed = harvest::fold_network_event(other, out_of_order.SerializeAsString());
    REQUIRE(failed);
    CHECK(failed->find("seq 2") != std::string::npos);
    CHECK(harvest::fold_network_event(other, "\xff\xff not protobuf").has_value());
}

TEST_CASE("participation is counted per city from the events in the range only")
{
    network_fixture n;
    const auto in = n.input();
    const auto f = harvest::figures_of(in);

    const auto& leipzig = city(f, "leipzig");
    REQUIRE(leipzig.rooms.size() == 2);
    // ana, ben and fay in the lab; cem and ana in the consultation: ana once.
    CHECK(leipzig.totals.participants == 4);
    CHECK(leipzig.totals.messages == 4); // 2 in the lab, 2 in the consultation; the old one is before the range
    CHECK(leipzig.totals.features == 4); // the old bench was drawn before the range
    CHECK(leipzig.totals.comments == 3); // two threads' first comments and one reply
    CHECK(leipzig.features_on_map == 5); // the old bench is still on the map
    CHECK(leipzig.sessions == 1);
    CHECK(leipzig.decisions == 1);
    CHECK(leipzig.threads_open == 1);
    CHECK(leipzig.threads_resolved == 1); // t-old was resolved before the range

    const auto& durban = city(f, "durban");
    CHECK(durban.totals.participants == 1);
    CHECK(durban.totals.messages == 1); // "too late" is after the range
    CHECK(durban.totals.features == 1);

    const auto& porto = city(f, "porto");
    CHECK(porto.rooms.empty());
    CHECK(porto.totals.participants == 0);

    const auto& whole = city(f, "");
    CHECK(whole.rooms.size() == 1);
    CHECK(whole.totals.messages == 1);

    CHECK(f.rooms == 4);
    CHECK(f.totals.participants == 5); // ana, ben, cem, dee and fay (in Leipzig and the plenary), never "admin"
    CHECK(f.totals.messages == 6);
    CHECK(f.totals.features == 5);
    CHECK(f.decisions == 1);
}

TEST_CASE("the decision is the closed vote with its results, most dots first")
{
    network_fixture n;
    const auto in = n.input();
    const auto& activity = in.rooms[0].activity;
    REQUIRE(activity.decisions.size() == 1);
    const auto& d = activity.decisions[0];
    CHECK(d.vote_id == "priorities");
    REQUIRE(d.results.size() == 2);
    CHECK(d.results[0].feature_id() == "park");
    CHECK(d.results[0].dots() == 2);
    CHECK(d.results[1].feature_id() == "tree");
    CHECK(d.results[1].dots() == 1);

    const auto bundle = json::parse(harvest::harvest_bundle(in));
    const auto& rooms = bundle.at("cities").at(1).at("rooms").as_array(); // leipzig
    const json::object* lab = nullptr;
    for (const auto& room : rooms)
        if (room.at("room_id") == "leipzig-lab")
            lab = &room.as_object();
    REQUIRE(lab);
    const auto& decision = lab->at("decisions").at(0);
    CHECK(decision.at("title") == "Top <priorities>");
    CHECK(decision.at("results").at(0).at("title") == "Pocket park");
    CHECK(decision.at("results").at(0).at("dots").to_number<int>() == 2);
    CHECK(lab->at("open_threads").as_array().size() == 1);
    CHECK(lab->at("open_threads").at(0).at("id") == "t-open");
    CHECK(lab->at("open_threads").at(0).at("comments").to_number<int>() == 2);
    CHECK(lab->at("resolved_threads").as_array().size() == 1);
    CHECK(lab->at("resolved_threads").at(0).at("id") == "t-done");
    CHECK(lab->at("sessions").as_array().size() == 1);
    CHECK(lab->at("sessions").at(0).at("title") == "Consultation <1>");
    CHECK(lab->at("features_by_category").at("green").to_number<int>() == 2);
}

TEST_CASE("sessions count only when they started in the range")
{
    network_fixture n;
    n.leipzig.session("Earlier", march_10 - 2 * day, march_10 - 2 * day + hour);
    auto in = n.input();
    // The earlier session was appended last but started before the range:
    // its events fall outside the range, and its start too.
    CHECK(city(harvest::figures_of(in), "leipzig").sessions == 1);
    in.range = range_of("2026-03-08", "2026-03-11");
    CHECK(city(harvest::figures_of(in), "leipzig").sessions == 2);
}

TEST_CASE("people are never listed by name unless per_person is asked")
{
    network_fixture n;
    for (const bool per_person : {false, true}) {
        CAPTURE(per_person);
        const auto in = n.input(per_person);
        const auto html = harvest::harvest_html(in);
        const auto md = harvest::harvest_markdown(in);
        const auto bundle = json::parse(harvest::harvest_bundle(in));
        // "cem name" is only ever a person's name: it is in no title.
        CHECK((html.find("cem name") != std::string::npos) == per_person);
        CHECK((md.find("cem name") != std::string::npos) == per_person);
        const auto& leipzig = bundle.at("cities").at(1); // by city id: durban, leipzig, porto
        CHECK(leipzig.as_object().contains("people") == per_person);
        if (per_person) {
            const auto& people = leipzig.at("people").as_array();
            CHECK(people.size() == 4);
            bool saw_ana = false;
            for (const auto& p : people)
                if (p.at("id") == "ana") {
                    saw_ana = true;
                    CHECK(p.at("messages").to_number<int>() == 2); // one in each Leipzig room
                    CHECK(p.at("features").to_number<int>() == 3);
                }
            CHECK(saw_ana);
        }
    }
}

TEST_CASE("every text from people is escaped in the HTML")
{
    network_fixture n;
    const auto html = harvest::harvest_html(n.input(true));
    CHECK(html.find("<spaces>") == std::string::npos);
    CHECK(html.find("Safe &lt;spaces&gt; &amp; &quot;streets&quot;") != std::string::npos);
    CHECK(html.find("<courtyards>") == std::string::npos);
    CHECK(html.find("Lindenau &lt;courtyards&gt;") != std::string::npos);
    CHECK(html.find("Shade &lt;trees&gt; &amp; benches") != std::string::npos);
    CHECK(html.find("Top &lt;priorities&gt;") != std::string::npos);
    CHECK(html.find("Consultation &lt;1&gt;") != std::string::npos);
    CHECK(html.find("Ana &lt;b&gt;") != std::string::npos);
    CHECK(html.find("<b>") == std::string::npos);
    // The only elements are ours: no script, whatever people wrote.
    CHECK(html.find("<script") == std::string::npos);

    const auto md = harvest::harvest_markdown(n.input(true));
    CHECK(md.find("Safe \\<spaces\\> & \"streets\"") != std::string::npos);
    CHECK(md.find("Lindenau \\<courtyards\\>") != std::string::npos);
}

TEST_CASE("the map has one shape per feature, over the reference layers, fitted to their extent")
{
    network_fixture n;
    const auto svg = harvest::map_svg(n.leipzig.state);
    CHECK(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    CHECK(count_of(svg, "class=\"feature\"") == n.leipzig.state.features().size());
    for (const auto& [id, f] : n.leipzig.state.features())
        CHECK(count_of(svg, "data-feature=\"" + id + "\"") == 1);
    CHECK(count_of(svg, "<circle class=\"feature\"") == 2); // old bench, tree
    CHECK(count_of(svg, "<polyline class=\"feature\"") == 1);
    CHECK(count_of(svg, "<polygon class=\"feature\"") == 1);
    CHECK(count_of(svg, "<rect class=\"feature\"") == 1);
    CHECK(svg.find("<title>Shade &lt;trees&gt; &amp; benches</title>") != std::string::npos);
    CHECK(svg.find("http://") == svg.find("http://www.w3.org/2000/svg")); // nothing fetched

    // Every coordinate lies inside the picture.
    const std::regex number_pair(R"((?:cx|cy|x|y)=\"(-?[0-9.]+)\")");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), number_pair); it != std::sregex_iterator(); ++it) {
        const double v = std::stod((*it)[1]);
        CHECK(v >= -6);
        CHECK(v <= 640);
    }

    // A reference layer is drawn too, under the features.
    pb::Event layer;
    layer.set_seq(n.leipzig.state.seq() + 1);
    layer.set_time_ms(march_10);
    auto* l = layer.mutable_layer_added()->mutable_layer();
    l->set_id("city-data");
    l->set_name("Trees");
    for (int i = 0; i < 3; ++i) {
        auto* lf = l->add_features();
        lf->mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
        auto* p = lf->mutable_geometry()->add_positions();
        p->set_lon(12.5 + i * 0.01);
        p->set_lat(51.3);
    }
    n.leipzig.keep(layer);
    const auto with_layer = harvest::map_svg(n.leipzig.state);
    CHECK(count_of(with_layer, "class=\"layer-feature\"") == 3);
    CHECK(with_layer.find("layer-feature") < with_layer.find("class=\"feature\""));

    const auto empty = harvest::map_svg(model::room_state("empty"));
    CHECK(count_of(empty, "class=\"feature\"") == 0);
    CHECK(empty.find("Nothing is on this map") != std::string::npos);
}

TEST_CASE("the HTML holds the summary, each city with its living lab's map, and the planned sessions")
{
    network_fixture n;
    const auto html = harvest::harvest_html(n.input());
    CHECK(html.starts_with("<!DOCTYPE html>"));
    CHECK(count_of(html, "<svg ") == 2); // the two living labs; the consultation and the plenary have no map
    CHECK(count_of(html, "<section class=\"city\"") == 4); // three cities and the rooms of the whole network
    CHECK(html.find("Leipzig (DE)") != std::string::npos);
    CHECK(html.find("Porto (PT)") != std::string::npos);
    CHECK(html.find("No room of this city is in the network.") != std::string::npos);
    CHECK(html.find("Kick-off plenary") != std::string::npos);
    CHECK(html.find("2026-03-10 to 2026-03-11") != std::string::npos);

    const auto md = harvest::harvest_markdown(n.input());
    CHECK(count_of(md, "](data:image/svg+xml;base64,") == 2);
    CHECK(md.find("## Leipzig (DE)") != std::string::npos);
    CHECK(md.find("| Leipzig (DE) | 4 | 4 | 4 | 3 |") != std::string::npos);
}

TEST_CASE("the bundle has a FeatureCollection per city and a summary")
{
    network_fixture n;
    const auto bundle = json::parse(harvest::harvest_bundle(n.input()));
    CHECK(bundle.at("type") == "maptable.harvest");
    CHECK(bundle.at("from") == "2026-03-10");
    CHECK(bundle.at("to") == "2026-03-11");
    const auto& summary = bundle.at("summary");
    CHECK(summary.at("cities").to_number<int>() == 3);
    CHECK(summary.at("rooms").to_number<int>() == 4);
    CHECK(summary.at("participation").at("participants").to_number<int>() == 5);
    CHECK(summary.at("participation").at("messages").to_number<int>() == 6);
    const auto& cities = bundle.at("cities").as_array();
    REQUIRE(cities.size() == 4);
    CHECK(cities[0].at("city_id") == "durban");
    CHECK(cities[1].at("city_id") == "leipzig");
    CHECK(cities[3].at("city_id").is_null());
    const auto& leipzig = cities[1];
    CHECK(leipzig.at("features").at("type") == "FeatureCollection");
    CHECK(leipzig.at("features").at("features").as_array().size() == 5);
    const auto& first = leipzig.at("features").at("features").at(0);
    CHECK(first.at("type") == "Feature");
    CHECK(first.at("properties").at("room_id") == "leipzig-lab");
    CHECK(first.at("geometry").at("type").is_string());
    CHECK(leipzig.at("maps").as_array().size() == 1);
    CHECK(leipzig.at("maps").at(0).at("svg").as_string().starts_with("<svg"));
    CHECK(bundle.at("planned_sessions").as_array().size() == 1);
}

TEST_CASE("a comment deleted after the range's end is withheld from the threads")
{
    network_fixture n;
    auto in = n.input();
    auto& lab = in.rooms[0];
    // The record at the end of the range knows of a later deletion of the
    // thread's first comment (as fold_later_deletion records it).
    const auto* t = lab.at_end.state.find_thread("t-open");
    REQUIRE(t);
    pb::Event deletion;
    deletion.set_seq(lab.at_end.state.seq() + 1);
    deletion.set_time_ms(march_10 + 4 * day);
    deletion.set_actor_id("fay");
    deletion.mutable_comment_deleted()->set_thread_id("t-open");
    deletion.mutable_comment_deleted()->set_comment_seq(t->comments(0).seq());
    exports::fold_later_deletion(lab.at_end, deletion);
    const auto html = harvest::harvest_html(in);
    CHECK(html.find("Which species?") == std::string::npos);
    CHECK(html.find("<em>(deleted)</em>") != std::string::npos);
}
