// The harvest's three forms. Each room's lines (sessions, decisions,
// features, threads) are gathered once, so the forms cannot disagree.
#include "harvest/harvest.hpp"
#include "harvest/markup.hpp"

#include "model/geojson.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>

namespace maptable::harvest {

namespace {

namespace json = boost::json;

// ---------------------------------------------------------------- what one room shows

struct session_line {
    std::string title;
    std::int64_t started_ms = 0;
    std::int64_t ended_ms = 0; // 0: still running at the end of the range
};

struct decision_line {
    std::string vote_id;
    std::string title;
    std::int64_t closed_ms = 0;
    std::vector<std::pair<std::string, std::uint32_t>> results; // (what, dots), most first
};

struct thread_line {
    std::string id;
    std::string anchor; // "on Benches", "at 18.42000, -33.92000"
    std::string text;   // its first comment, "" when deleted
    bool deleted = false;
    std::size_t comments = 0; // not deleted
    bool resolved = false;
};

struct room_lines {
    std::vector<session_line> sessions;
    std::vector<decision_line> decisions;
    std::map<std::string, std::vector<std::string>> categories; // category -> feature names, by feature id
    std::vector<thread_line> open_threads;
    std::vector<thread_line> resolved_threads;
};

std::string feature_name(const model::room_state& state, const std::string& id, const std::string& fallback = {})
{
    if (const pb::Feature* f = state.find_feature(id)) {
        if (!f->title().empty())
            return f->title();
        if (!f->description().empty()) // a note: its text is its description
            return f->description().size() > 80 ? f->description().substr(0, 77) + "..." : f->description();
    }
    return fallback.empty() ? id : fallback;
}

room_lines lines_of(const room_input& room, const date_range& range)
{
    room_lines out;
    const auto& record = room.at_end;
    const auto& state = record.state;
    for (const auto& s : state.data().sessions)
        if (range.contains(s.started_ms()))
            out.sessions.push_back(
                {s.title().empty() ? "Session " + std::to_string(s.id()) : s.title(), s.started_ms(), s.ended_ms()});
    for (const auto& v : room.activity.decisions) {
        decision_line d{v.vote_id, v.vote_id, v.time_ms, {}};
        if (const pb::VoteRound* round = state.find_vote(v.vote_id); round && !round->title().empty())
            d.title = round->title();
        for (const auto& t : v.results)
            d.results.emplace_back(t.title().empty() ? feature_name(state, t.feature_id()) : t.title(), t.dots());
        out.decisions.push_back(std::move(d));
    }
    for (const auto& [id, f] : state.features())
        out.categories[f.category()].push_back(feature_name(state, id));
    for (const auto& [id, t] : state.data().threads) {
        const bool resolved_now = t.resolved() && room.activity.threads_resolved.contains(id);
        if (t.resolved() && !resolved_now)
            continue; // resolved before the range: settled earlier
        thread_line line{id, {}, {}, false, 0, t.resolved()};
        if (!t.feature_id().empty())
            line.anchor = "on " + feature_name(state, t.feature_id()) + (t.feature_deleted() ? " (deleted)" : "");
        else {
            char place[64];
            std::snprintf(place, sizeof place, "at %.5f, %.5f", t.position().lon(), t.position().lat());
            line.anchor = place;
        }
        for (const auto& stored : t.comments()) {
            // A comment deleted after the range's end is withheld too, as
            // the room's own exports at a past seq withhold it.
            const pb::Comment c = exports::exported_comment(record, t, stored);
            if (&stored == &t.comments(0)) {
                line.deleted = c.deleted();
                line.text = c.deleted() ? std::string() : c.text();
            }
            line.comments += c.deleted() ? 0 : 1;
        }
        (t.resolved() ? out.resolved_threads : out.open_threads).push_back(std::move(line));
    }
    return out;
}

const char* kind_label(pb::RoomKind kind)
{
    switch (kind) {
    case pb::ROOM_KIND_LIVING_LAB: return "living lab";
    case pb::ROOM_KIND_CONSULTATION: return "consultation";
    case pb::ROOM_KIND_WORKSHOP: return "workshop";
    case pb::ROOM_KIND_STUDY_TRIP: return "study trip";
    case pb::ROOM_KIND_PLENARY: return "plenary";
    default: return "room";
    }
}

std::string room_title(const room_input& room)
{
    return room.info.title().empty() ? room.info.id() : room.info.title();
}

// "2026-11-27 13:20 UTC"
std::string date_time(std::int64_t ms)
{
    const std::string iso = exports::iso_time(ms);
    return iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
}

std::string range_text(const date_range& r)
{
    return (r.from.empty() ? std::string("the first record") : r.from) + " to " +
        (r.to.empty() ? std::string("the time of this report") : r.to) + " (UTC days)";
}

std::string dots_text(std::uint64_t n)
{
    return std::to_string(n) + (n == 1 ? " dot" : " dots");
}

std::vector<const pb::PlannedSession*> planned_in_range(const harvest_input& input)
{
    std::vector<const pb::PlannedSession*> out;
    for (const auto& [id, s] : input.network.sessions())
        if (input.range.contains(s.starts_ms()))
            out.push_back(&s);
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->starts_ms() < b->starts_ms(); });
    return out;
}

std::string network_title(const harvest_input& input)
{
    const auto& n = input.network.network();
    return n.title().empty() ? input.network.id() : n.title();
}

std::string city_heading(const city_figures& c)
{
    if (c.city_id.empty())
        return c.name;
    std::string out = c.name + (c.country.empty() ? "" : " (" + c.country + ")");
    return c.in_network ? out : out + ", no longer in the network";
}

// The summary's rows, as (label, figure), in the order every form shows them.
std::uint64_t city_count(const harvest_figures& f)
{
    std::uint64_t n = 0;
    for (const auto& c : f.cities)
        n += c.city_id.empty() ? 0 : 1;
    return n;
}

std::vector<std::pair<std::string, std::uint64_t>> summary_rows(const harvest_figures& f)
{
    return {
        {"Cities", city_count(f)},
        {"Rooms", f.rooms},
        {"Sessions held", f.sessions},
        {"Features on the maps", f.features_on_map},
        {"Features added", f.totals.features},
        {"Decisions (closed votes)", f.decisions},
        {"Threads still open", f.threads_open},
        {"Threads resolved", f.threads_resolved},
        {"Participants", f.totals.participants},
        {"Chat messages", f.totals.messages},
        {"Comments", f.totals.comments},
    };
}

std::vector<const person_activity*> people_by_name(const std::map<std::string, person_activity>& people)
{
    std::vector<const person_activity*> out;
    for (const auto& [id, p] : people)
        out.push_back(&p);
    std::stable_sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
    return out;
}

// ---------------------------------------------------------------- HTML

constexpr const char* html_style =
    R"(body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
td.n,th.n{text-align:right}.muted{color:#666}.map svg{max-width:100%;height:auto;border:1px solid #ccc}
section.city{page-break-before:always})";

void html_participation_row(std::string& out, const std::string& label, const participation& p)
{
    out += "<tr><td>" + escape_html(label) + "</td><td class=\"n\">" + std::to_string(p.participants) +
        "</td><td class=\"n\">" + std::to_string(p.messages) + "</td><td class=\"n\">" + std::to_string(p.features) +
        "</td><td class=\"n\">" + std::to_string(p.comments) + "</td></tr>\n";
}

constexpr const char* html_participation_head =
    "<tr><th></th><th class=\"n\">Participants</th><th class=\"n\">Chat messages</th><th class=\"n\">Features "
    "added</th><th class=\"n\">Comments</th></tr>\n";

void html_people(std::string& out, const std::map<std::string, person_activity>& people)
{
    out += "<table class=\"people\">\n<tr><th>Name</th><th>Id</th><th class=\"n\">Chat messages</th><th "
           "class=\"n\">Features added</th><th class=\"n\">Comments</th></tr>\n";
    for (const auto* p : people_by_name(people))
        out += "<tr><td>" + escape_html(p->name.empty() ? p->id : p->name) + "</td><td><code>" + escape_html(p->id) +
            "</code></td><td class=\"n\">" + std::to_string(p->messages) + "</td><td class=\"n\">" +
            std::to_string(p->features) + "</td><td class=\"n\">" + std::to_string(p->comments) + "</td></tr>\n";
    out += "</table>\n";
}

void html_threads(std::string& out, const std::vector<thread_line>& threads)
{
    out += "<ul>\n";
    for (const auto& t : threads)
        out += "<li><code>" + escape_html(t.id) + "</code> " + escape_html(t.anchor) + ": " +
            (t.deleted ? std::string("<em>(deleted)</em>") : "&ldquo;" + escape_html(t.text) + "&rdquo;") + " (" +
            std::to_string(t.comments) + (t.comments == 1 ? " comment" : " comments") + ")</li>\n";
    out += "</ul>\n";
}

void html_room(std::string& out, const room_input& room, const date_range& range)
{
    const auto lines = lines_of(room, range);
    out += "<h3>" + escape_html(room_title(room)) + " <span class=\"muted\">(" + kind_label(room.info.kind()) +
        ", <code>" + escape_html(room.info.id()) + "</code>)</span></h3>\n";
    if (room.info.kind() == pb::ROOM_KIND_LIVING_LAB)
        out += "<figure class=\"map\">" + map_svg(room.at_end.state) +
            "<figcaption>The living lab's map at the end "
            "of the range: its features over its reference layers.</figcaption></figure>\n";

    out += "<h4>Sessions held</h4>\n";
    if (lines.sessions.empty())
        out += "<p class=\"muted\">No session was held in the range.</p>\n";
    else {
        out += "<ul>\n";
        for (const auto& s : lines.sessions)
            out += "<li><strong>" + escape_html(s.title) + "</strong>: " + date_time(s.started_ms) + " to " +
                (s.ended_ms ? date_time(s.ended_ms) : std::string("(running)")) + "</li>\n";
        out += "</ul>\n";
    }

    out += "<h4>Decisions</h4>\n";
    if (lines.decisions.empty())
        out += "<p class=\"muted\">No vote was closed in the range.</p>\n";
    for (const auto& d : lines.decisions) {
        out += "<p><strong>" + escape_html(d.title) + "</strong>, closed " + date_time(d.closed_ms) + ":</p>\n";
        if (d.results.empty()) {
            out += "<p class=\"muted\">No dots were placed.</p>\n";
            continue;
        }
        out += "<ol>\n";
        for (const auto& [what, dots] : d.results)
            out += "<li>" + escape_html(what) + ": " + dots_text(dots) + "</li>\n";
        out += "</ol>\n";
    }

    out += "<h4>Features by category</h4>\n";
    if (lines.categories.empty())
        out += "<p class=\"muted\">No features are on the map.</p>\n";
    for (const auto& [category, names] : lines.categories) {
        out += "<p><strong>" + escape_html(category.empty() ? std::string("Uncategorised") : category) + "</strong> (" +
            std::to_string(names.size()) + "): ";
        for (std::size_t i = 0; i < names.size(); ++i)
            out += (i ? "; " : "") + escape_html(names[i]);
        out += "</p>\n";
    }

    out += "<h4>Threads still open</h4>\n";
    if (lines.open_threads.empty())
        out += "<p class=\"muted\">None.</p>\n";
    else
        html_threads(out, lines.open_threads);
    out += "<h4>Threads resolved in the range</h4>\n";
    if (lines.resolved_threads.empty())
        out += "<p class=\"muted\">None.</p>\n";
    else
        html_threads(out, lines.resolved_threads);
}

// ---------------------------------------------------------------- Markdown

void md_participation_row(std::string& out, const std::string& label, const participation& p)
{
    out += "| " + label + " | " + std::to_string(p.participants) + " | " + std::to_string(p.messages) + " | " +
        std::to_string(p.features) + " | " + std::to_string(p.comments) + " |\n";
}

void md_threads(std::string& out, const std::vector<thread_line>& threads)
{
    for (const auto& t : threads)
        out += "- `" + escape_markdown(t.id) + "` " + escape_markdown(t.anchor) + ": " +
            (t.deleted ? std::string("*(deleted)*") : "\"" + escape_markdown(t.text) + "\"") + " (" +
            std::to_string(t.comments) + (t.comments == 1 ? " comment" : " comments") + ")\n";
    if (!threads.empty())
        out += "\n";
}

void md_room(std::string& out, const room_input& room, const date_range& range)
{
    const auto lines = lines_of(room, range);
    out += "### " + escape_markdown(room_title(room)) + " (" + kind_label(room.info.kind()) + ", `" +
        escape_markdown(room.info.id()) + "`)\n\n";
    if (room.info.kind() == pb::ROOM_KIND_LIVING_LAB)
        out += "![Map of " + escape_markdown(room_title(room)) + "](data:image/svg+xml;base64," +
            base64(map_svg(room.at_end.state)) + ")\n\n";

    out += "#### Sessions held\n\n";
    for (const auto& s : lines.sessions)
        out += "- **" + escape_markdown(s.title) + "**: " + date_time(s.started_ms) + " to " +
            (s.ended_ms ? date_time(s.ended_ms) : std::string("(running)")) + "\n";
    out += lines.sessions.empty() ? "No session was held in the range.\n\n" : "\n";

    out += "#### Decisions\n\n";
    if (lines.decisions.empty())
        out += "No vote was closed in the range.\n\n";
    for (const auto& d : lines.decisions) {
        out += "**" + escape_markdown(d.title) + "**, closed " + date_time(d.closed_ms) + ":\n\n";
        if (d.results.empty())
            out += "No dots were placed.\n";
        int rank = 0;
        for (const auto& [what, dots] : d.results)
            out += std::to_string(++rank) + ". " + escape_markdown(what) + ": " + dots_text(dots) + "\n";
        out += "\n";
    }

    out += "#### Features by category\n\n";
    if (lines.categories.empty())
        out += "No features are on the map.\n";
    for (const auto& [category, names] : lines.categories) {
        out += "- **" + (category.empty() ? std::string("Uncategorised") : escape_markdown(category)) + "** (" +
            std::to_string(names.size()) + "): ";
        for (std::size_t i = 0; i < names.size(); ++i)
            out += (i ? "; " : "") + escape_markdown(names[i]);
        out += "\n";
    }
    out += "\n#### Threads still open\n\n";
    if (lines.open_threads.empty())
        out += "None.\n\n";
    md_threads(out, lines.open_threads);
    out += "#### Threads resolved in the range\n\n";
    if (lines.resolved_threads.empty())
        out += "None.\n\n";
    md_threads(out, lines.resolved_threads);
}

// ---------------------------------------------------------------- the bundle

json::object participation_json(const participation& p)
{
    return {
        {"participants", p.participants}, {"messages", p.messages}, {"features", p.features}, {"comments", p.comments}};
}

json::array people_json(const std::map<std::string, person_activity>& people)
{
    json::array out;
    for (const auto* p : people_by_name(people))
        out.push_back(json::object{{"id", p->id},
                                   {"name", p->name},
                                   {"messages", p->messages},
                                   {"features", p->features},
                                   {"comments", p->comments}});
    return out;
}

json::array threads_json(const std::vector<thread_line>& threads)
{
    json::array out;
    for (const auto& t : threads)
        out.push_back(json::object{{"id", t.id},
                                   {"anchor", t.anchor},
                                   {"text", t.text},
                                   {"deleted", t.deleted},
                                   {"comments", t.comments},
                                   {"resolved", t.resolved}});
    return out;
}

json::object room_json(const room_input& room, const date_range& range)
{
    const auto lines = lines_of(room, range);
    json::array sessions, decisions;
    for (const auto& s : lines.sessions)
        sessions.push_back(json::object{{"title", s.title},
                                        {"started", exports::iso_time(s.started_ms)},
                                        {"ended", s.ended_ms ? json::value(exports::iso_time(s.ended_ms)) : nullptr}});
    for (const auto& d : lines.decisions) {
        json::array results;
        for (const auto& [what, dots] : d.results)
            results.push_back(json::object{{"title", what}, {"dots", dots}});
        decisions.push_back(json::object{{"vote_id", d.vote_id},
                                         {"title", d.title},
                                         {"closed", exports::iso_time(d.closed_ms)},
                                         {"results", std::move(results)}});
    }
    json::object categories;
    for (const auto& [category, names] : lines.categories)
        categories[category] = names.size();
    return {{"room_id", room.info.id()},
            {"title", room_title(room)},
            {"kind", kind_label(room.info.kind())},
            {"seq_at_end", room.at_end.state.seq()},
            {"participation",
             participation_json({room.activity.people.size(), room.activity.messages, room.activity.features,
                                 room.activity.comments})},
            {"sessions", std::move(sessions)},
            {"decisions", std::move(decisions)},
            {"features_by_category", std::move(categories)},
            {"open_threads", threads_json(lines.open_threads)},
            {"resolved_threads", threads_json(lines.resolved_threads)}};
}

json::object feature_json(const room_input& room, const pb::Feature& f)
{
    return {{"type", "Feature"},
            {"id", room.info.id() + "/" + f.id()},
            {"geometry", model::geojson_geometry(f.geometry())},
            {"properties",
             json::object{{"room_id", room.info.id()},
                          {"id", f.id()},
                          {"kind", model::kind_name(f.geometry().kind())},
                          {"title", f.title()},
                          {"description", f.description()},
                          {"category", f.category()},
                          {"colour", f.colour()},
                          {"layer", f.layer()},
                          {"created_seq", f.created_seq()}}}};
}

} // namespace

std::string harvest_html(const harvest_input& input)
{
    const auto figures = figures_of(input);
    const auto& network = input.network.network();
    const auto title = network_title(input);
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Harvest: " + escape_html(title) +
        "</title>\n<style>" + html_style + "</style>\n</head>\n<body>\n";
    out += "<header>\n<h1>Harvest of " + escape_html(title) + "</h1>\n";
    if (!network.theme().empty())
        out += "<p>" + escape_html(network.theme()) + "</p>\n";
    out += "<p class=\"muted\">From " + escape_html(range_text(input.range)) + ". Made " +
        date_time(input.generated_ms) + " from the rooms' logs.</p>\n</header>\n";

    out += "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"totals\">\n";
    for (const auto& [label, n] : summary_rows(figures))
        out += "<tr><th>" + label + "</th><td class=\"n\">" + std::to_string(n) + "</td></tr>\n";
    out += "</table>\n<h3>Participation by city</h3>\n<table class=\"participation\">\n";
    out += html_participation_head;
    for (const auto& c : figures.cities)
        html_participation_row(out, city_heading(c), c.totals);
    html_participation_row(out, "The whole network", figures.totals);
    out += "</table>\n<p class=\"muted\">People are counted once per city however many rooms they took part in, "
           "and once in the network's total.</p>\n";
    const auto planned = planned_in_range(input);
    if (!planned.empty()) {
        out += "<h3>Planned sessions</h3>\n<ul>\n";
        for (const auto* s : planned)
            out += "<li>" + date_time(s->starts_ms()) + ": <strong>" + escape_html(s->title()) + "</strong> in <code>" +
                escape_html(s->room_id()) + "</code></li>\n";
        out += "</ul>\n";
    }
    out += "</section>\n";

    for (const auto& c : figures.cities) {
        out += "<section class=\"city\"" +
            (c.city_id.empty() ? std::string() : " data-city=\"" + escape_html(c.city_id) + "\"") + ">\n<h2>" +
            escape_html(city_heading(c)) + "</h2>\n";
        if (!c.living_lab_title.empty())
            out += "<p>Living lab: <strong>" + escape_html(c.living_lab_title) + "</strong></p>\n";
        out += "<table class=\"participation\">\n";
        out += html_participation_head;
        html_participation_row(out, "In the range", c.totals);
        out += "</table>\n";
        if (input.per_person && !c.people.empty())
            html_people(out, c.people);
        if (c.rooms.empty())
            out += "<p class=\"muted\">No room of this city is in the network.</p>\n";
        for (const room_input* room : c.rooms)
            html_room(out, *room, input.range);
        out += "</section>\n";
    }
    out += "</body>\n</html>\n";
    return out;
}

std::string harvest_markdown(const harvest_input& input)
{
    const auto figures = figures_of(input);
    const auto& network = input.network.network();
    std::string out = "# Harvest of " + escape_markdown(network_title(input)) + "\n\n";
    if (!network.theme().empty())
        out += escape_markdown(network.theme()) + "\n\n";
    out += "**Range:** " + escape_markdown(range_text(input.range)) + "  \n**Made:** " + date_time(input.generated_ms) +
        " from the rooms' logs\n\n";

    out += "## Summary\n\n| | |\n|---|---:|\n";
    for (const auto& [label, n] : summary_rows(figures))
        out += "| " + label + " | " + std::to_string(n) + " |\n";
    out += "\n### Participation by city\n\n| City | Participants | Chat messages | Features added | Comments "
           "|\n|---|---:|---:|---:|---:|\n";
    for (const auto& c : figures.cities)
        md_participation_row(out, escape_markdown(city_heading(c)), c.totals);
    md_participation_row(out, "The whole network", figures.totals);
    out += "\nPeople are counted once per city however many rooms they took part in, and once in the network's "
           "total.\n\n";
    const auto planned = planned_in_range(input);
    if (!planned.empty()) {
        out += "### Planned sessions\n\n";
        for (const auto* s : planned)
            out += "- " + date_time(s->starts_ms()) + ": **" + escape_markdown(s->title()) + "** in `" +
                escape_markdown(s->room_id()) + "`\n";
        out += "\n";
    }

    for (const auto& c : figures.cities) {
        out += "## " + escape_markdown(city_heading(c)) + "\n\n";
        if (!c.living_lab_title.empty())
            out += "Living lab: **" + escape_markdown(c.living_lab_title) + "**\n\n";
        out += "| | Participants | Chat messages | Features added | Comments |\n|---|---:|---:|---:|---:|\n";
        md_participation_row(out, "In the range", c.totals);
        out += "\n";
        if (input.per_person && !c.people.empty()) {
            out += "| Name | Id | Chat messages | Features added | Comments |\n|---|---|---:|---:|---:|\n";
            for (const auto* p : people_by_name(c.people))
                out += "| " + escape_markdown(p->name.empty() ? p->id : p->name) + " | `" + escape_markdown(p->id) +
                    "` | " + std::to_string(p->messages) + " | " + std::to_string(p->features) + " | " +
                    std::to_string(p->comments) + " |\n";
            out += "\n";
        }
        if (c.rooms.empty())
            out += "No room of this city is in the network.\n\n";
        for (const room_input* room : c.rooms)
            md_room(out, *room, input.range);
    }
    return out;
}

std::string harvest_bundle(const harvest_input& input)
{
    const auto figures = figures_of(input);
    const auto& network = input.network.network();
    json::array cities;
    for (const auto& c : figures.cities) {
        json::array rooms, features, maps;
        for (const room_input* room : c.rooms) {
            rooms.push_back(room_json(*room, input.range));
            for (const auto& [id, f] : room->at_end.state.features())
                features.push_back(feature_json(*room, f));
            if (room->info.kind() == pb::ROOM_KIND_LIVING_LAB)
                maps.push_back(json::object{{"room_id", room->info.id()}, {"svg", map_svg(room->at_end.state)}});
        }
        json::object city{
            {"city_id", c.city_id.empty() ? json::value(nullptr) : json::value(c.city_id)},
            {"name", c.name},
            {"country", c.country},
            {"living_lab_title", c.living_lab_title},
            {"in_network", c.in_network},
            {"participation", participation_json(c.totals)},
            {"sessions", c.sessions},
            {"features_on_map", c.features_on_map},
            {"decisions", c.decisions},
            {"threads_open", c.threads_open},
            {"threads_resolved", c.threads_resolved},
            {"rooms", std::move(rooms)},
            {"features", json::object{{"type", "FeatureCollection"}, {"features", std::move(features)}}},
            {"maps", std::move(maps)},
        };
        if (input.per_person)
            city["people"] = people_json(c.people);
        cities.push_back(std::move(city));
    }
    json::object summary{{"cities", city_count(figures)},
                         {"rooms", figures.rooms},
                         {"sessions", figures.sessions},
                         {"features_on_map", figures.features_on_map},
                         {"decisions", figures.decisions},
                         {"threads_open", figures.threads_open},
                         {"threads_resolved", figures.threads_resolved},
                         {"participation", participation_json(figures.totals)}};
    json::array planned;
    for (const auto* s : planned_in_range(input))
        planned.push_back(json::object{{"id", s->id()},
                                       {"room_id", s->room_id()},
                                       {"title", s->title()},
                                       {"starts", exports::iso_time(s->starts_ms())},
                                       {"time_zone", s->time_zone()}});
    return model::write_json(json::object{
               {"type", "maptable.harvest"},
               {"network",
                json::object{{"id", input.network.id()}, {"title", network.title()}, {"theme", network.theme()}}},
               {"from", input.range.from.empty() ? json::value(nullptr) : json::value(input.range.from)},
               {"to", input.range.to.empty() ? json::value(nullptr) : json::value(input.range.to)},
               {"generated", exports::iso_time(input.generated_ms)},
               {"per_person", input.per_person},
               {"summary", std::move(summary)},
               {"planned_sessions", std::move(planned)},
               {"cities", std::move(cities)},
           }) +
        "\n";
}

} // namespace maptable::harvest
