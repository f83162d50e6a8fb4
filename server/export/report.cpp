#include "export/report.hpp"

#include "model/geojson.hpp"

#include <algorithm>
#include <map>
#include <vector>

namespace maptable::exports {

// Text from participants, made inert: Markdown characters escaped, line
// breaks folded, so a title cannot open a heading, a link or a table.
std::string markdown_inline_text(std::string_view s)
{
    std::string out;
    for (char c : s) {
        switch (c) {
        case '\\':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '<':
        case '>':
        case '#':
        case '|':
        case '!':
            out += '\\';
            out += c;
            break;
        case '\r': break;
        case '\n': out += ' '; break;
        default: out += c; break;
        }
    }
    return out;
}

namespace {

std::string date_time(std::int64_t ms)
{
    // "2026-11-27 13:20 UTC" from the ISO form.
    const std::string iso = iso_time(ms);
    return iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
}

std::string dots_text(std::uint64_t n)
{
    return std::to_string(n) + (n == 1 ? " dot" : " dots");
}

bool in_session(std::uint64_t wanted, std::uint64_t actual)
{
    return wanted == 0 || wanted == actual;
}

std::string feature_name(const room_record& r, const std::string& id, const std::string& fallback_title = {})
{
    std::string title = fallback_title;
    if (const pb::Feature* f = r.state.find_feature(id))
        title = f->title();
    else if (auto it = r.deleted_features.find(id); it != r.deleted_features.end() && title.empty())
        title = it->second.feature.title();
    return title.empty() ? "`" + markdown_inline_text(id) + "`" : markdown_inline_text(title);
}

// A room of a learning network says which, what kind of room it is there,
// and whose city it belongs to; a room in no network says nothing of it.
void network_lines(std::string& out, const pb::RoomInfo& info)
{
    if (info.network_id().empty())
        return;
    out += "**Network:** `" + markdown_inline_text(info.network_id()) + "`  \n";
    if (auto kind = room_kind_name(info.kind()); !kind.empty()) {
        std::replace(kind.begin(), kind.end(), '_', ' ');
        out += "**Kind:** " + kind + "  \n";
    }
    if (!info.city_id().empty())
        out += "**Network city:** `" + markdown_inline_text(info.city_id()) + "`  \n";
}

void header(std::string& out, const room_record& r, std::uint64_t session_id)
{
    const auto& info = r.state.info();
    out += "# " + markdown_inline_text(info.title().empty() ? info.id() : info.title()) + "\n\n";
    if (!info.city().empty())
        out += "**City:** " + markdown_inline_text(info.city()) + "  \n";
    out += "**Room:** `" + markdown_inline_text(info.id()) + "`  \n";
    network_lines(out, info);
    if (r.first_event_ms != 0)
        out += "**Activity:** " + date_time(r.first_event_ms) + " to " + date_time(r.last_event_ms) + "  \n";
    out += "**As of:** seq " + std::to_string(r.state.seq()) + (r.state.data().archived ? " (archived)" : "") + "\n\n";
    if (!info.description().empty())
        out += markdown_inline_text(info.description()) + "\n\n";
    (void)session_id;
}

void sessions(std::string& out, const room_record& r, std::uint64_t session_id)
{
    out += "## Sessions\n\n";
    bool any = false;
    for (const auto& s : r.state.data().sessions) {
        if (!in_session(session_id, s.id()))
            continue;
        any = true;
        out += "- **" + markdown_inline_text(s.title().empty() ? "Session " + std::to_string(s.id()) : s.title()) +
            "**: " + date_time(s.started_ms()) + " to " +
            (s.ended_ms() ? date_time(s.ended_ms()) : std::string("(running)")) + "\n";
    }
    out += any ? "\n" : "No sessions were held.\n\n";
}

void agenda(std::string& out, const room_record& r)
{
    out += "## Agenda\n\n";
    const auto& steps = r.state.data().agenda;
    if (steps.empty()) {
        out += "No agenda was set.\n\n";
        return;
    }
    int n = 0;
    for (const auto& step : steps) {
        out += std::to_string(++n) + ". " + markdown_inline_text(step.title());
        if (step.id() == r.state.data().current_step)
            out += " *(open)*";
        if (step.timer_seconds())
            out += " (" + std::to_string(step.timer_seconds() / 60) + " min)";
        out += "\n";
        if (!step.prompt().empty())
            out += "   > " + markdown_inline_text(step.prompt()) + "\n";
    }
    out += "\n";
}

void votes(std::string& out, const room_record& r, std::uint64_t session_id)
{
    out += "## Vote results\n\n";
    bool any = false;
    for (const auto& [id, round] : r.state.data().votes) {
        if (!in_session(session_id, round.session_id()))
            continue;
        any = true;
        out += "### " + markdown_inline_text(round.title().empty() ? id : round.title()) + "\n\n";
        out += "Round `" + markdown_inline_text(id) + "`, " + std::to_string(round.dots_per_person()) +
            " dots per person" +
            (round.category().empty() ? "" : ", category " + markdown_inline_text(round.category())) +
            (round.anonymous() ? ", anonymous" : "") + (round.closed() ? ", closed" : ", still open") + ".\n\n";
        std::vector<std::pair<std::string, std::uint64_t>> tally; // (feature id or title, dots)
        if (round.closed()) {
            for (const auto& t : round.results())
                tally.emplace_back(feature_name(r, t.feature_id(), t.title()), t.dots());
        } else {
            std::map<std::string, std::uint64_t> dots;
            for (const auto& b : round.ballots())
                dots[b.feature_id()] += b.dots();
            std::vector<std::pair<std::string, std::uint64_t>> sorted(dots.begin(), dots.end());
            std::stable_sort(sorted.begin(), sorted.end(),
                             [](const auto& a, const auto& b) { return a.second > b.second; });
            for (const auto& [feature_id, n] : sorted)
                tally.emplace_back(feature_name(r, feature_id), n);
        }
        if (tally.empty()) {
            out += "No dots were placed.\n\n";
            continue;
        }
        int rank = 0;
        for (const auto& [name, n] : tally)
            out += std::to_string(++rank) + ". " + name + ": " + dots_text(n) + "\n";
        out += "\n";
    }
    if (!any)
        out += "No votes were held.\n\n";
}

std::uint64_t dots_on(const room_record& r, const std::string& feature_id)
{
    std::uint64_t n = 0;
    for (const auto& [id, round] : r.state.data().votes)
        for (const auto& b : round.ballots())
            if (b.feature_id() == feature_id)
                n += b.dots();
    return n;
}

std::uint64_t comments_on(const room_record& r, const std::string& feature_id)
{
    std::uint64_t n = 0;
    for (const auto& [id, t] : r.state.data().threads)
        if (t.feature_id() == feature_id)
            for (const auto& c : t.comments())
                n += exported_comment(r, t, c).deleted() ? 0 : 1;
    return n;
}

void features(std::string& out, const room_record& r, std::uint64_t session_id)
{
    out += "## Features by category\n\n";
    std::map<std::string, std::vector<const pb::Feature*>> by_category;
    for (const auto& [id, f] : r.state.features()) {
        const auto added = r.feature_session.find(id);
        if (!in_session(session_id, added == r.feature_session.end() ? 0 : added->second))
            continue;
        by_category[f.category()].push_back(&f);
    }
    if (by_category.empty()) {
        out += "No features are on the map.\n\n";
        return;
    }
    for (const auto& [category, list] : by_category) {
        out += "### " + (category.empty() ? std::string("Uncategorised") : markdown_inline_text(category)) + " (" +
            std::to_string(list.size()) + ")\n\n";
        for (const pb::Feature* f : list) {
            out += "- **" +
                (f->title().empty() ? "`" + markdown_inline_text(f->id()) + "`" : markdown_inline_text(f->title())) +
                "** (" + model::kind_name(f->geometry().kind()) + ", by " + markdown_inline_text(f->author_name()) +
                ")";
            if (const auto dots = dots_on(r, f->id()))
                out += ", " + dots_text(dots);
            if (const auto comments = comments_on(r, f->id()))
                out += ", " + std::to_string(comments) + (comments == 1 ? " comment" : " comments");
            out += "\n";
            if (!f->description().empty())
                out += "  " + markdown_inline_text(f->description()) + "\n";
        }
        out += "\n";
    }
}

void threads(std::string& out, const room_record& r, std::uint64_t session_id)
{
    out += "## Discussion threads\n\n";
    bool any = false;
    for (const auto& [id, t] : r.state.data().threads) {
        if (!in_session(session_id, t.session_id()))
            continue;
        any = true;
        std::string anchor;
        if (!t.feature_id().empty())
            anchor = "on " + feature_name(r, t.feature_id()) + (t.feature_deleted() ? " (deleted)" : "");
        else {
            char place[64];
            std::snprintf(place, sizeof place, "at %.5f, %.5f", t.position().lon(), t.position().lat());
            anchor = place;
        }
        out += "### Thread `" + markdown_inline_text(id) + "` " + anchor + (t.resolved() ? " (resolved)" : "") + "\n\n";
        for (const auto& stored : t.comments()) {
            const pb::Comment c = exported_comment(r, t, stored);
            out += "- **" + markdown_inline_text(c.author_name().empty() ? c.author_id() : c.author_name()) + "** (" +
                date_time(c.time_ms()) + "): ";
            out += c.deleted() ? std::string("*(deleted)*") : markdown_inline_text(c.text());
            out += c.edited_seq() && !c.deleted() ? " *(edited)*\n" : "\n";
        }
        out += "\n";
    }
    if (!any)
        out += "No threads were started.\n\n";
}

void participants(std::string& out, const room_record& r)
{
    out += "## Participants\n\n";
    std::vector<const participant_seen*> people;
    for (const auto& [id, p] : r.participants)
        if (id != "admin") // the admin API is not a participant
            people.push_back(&p);
    if (people.empty()) {
        out += "Nobody has taken part yet.\n";
        return;
    }
    for (const participant_seen* p : people)
        out += "- " + markdown_inline_text(p->name.empty() ? p->id : p->name) + " (`" + markdown_inline_text(p->id) +
            "`): " + std::to_string(p->events) + (p->events == 1 ? " contribution" : " contributions") + "\n";
}

} // namespace

std::string session_report(const room_record& record, std::uint64_t session_id)
{
    std::string out;
    header(out, record, session_id);
    sessions(out, record, session_id);
    agenda(out, record);
    votes(out, record, session_id);
    features(out, record, session_id);
    threads(out, record, session_id);
    participants(out, record);
    return out;
}

} // namespace maptable::exports
