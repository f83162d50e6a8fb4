// The range, the network's log, the counting of a room's events, and the
// figures every form of the harvest shows.
#include "harvest/harvest.hpp"

#include <algorithm>
#include <chrono>

namespace maptable::harvest {

namespace {

// "admin" is the admin API in a room's log (room::admin_actor): the server
// acting for an operator, not a person of the network.
bool is_person(const std::string& actor_id)
{
    return !actor_id.empty() && actor_id != "admin";
}

bool digits(std::string_view s)
{
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return !s.empty();
}

void add(person_activity& into, const person_activity& p)
{
    into.id = p.id;
    if (!p.name.empty())
        into.name = p.name;
    into.messages += p.messages;
    into.features += p.features;
    into.comments += p.comments;
    into.events += p.events;
}

} // namespace

std::optional<std::int64_t> day_start_ms(std::string_view text)
{
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(text.substr(0, 4)) ||
        !digits(text.substr(5, 2)) || !digits(text.substr(8, 2)))
        return std::nullopt;
    const int y = std::stoi(std::string(text.substr(0, 4)));
    const unsigned m = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
    const unsigned d = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
    const std::chrono::year_month_day day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
    if (!day.ok())
        return std::nullopt;
    const std::chrono::sys_days start{day};
    return std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count();
}

std::variant<date_range, std::string> parse_range(std::string_view from, std::string_view to)
{
    date_range range;
    if (!from.empty()) {
        const auto start = day_start_ms(from);
        if (!start)
            return "from must be a day as YYYY-MM-DD (UTC), such as 2026-03-01; got '" + std::string(from) + "'";
        range.from = std::string(from);
        range.from_ms = *start;
    }
    if (!to.empty()) {
        const auto start = day_start_ms(to);
        if (!start)
            return "to must be a day as YYYY-MM-DD (UTC), such as 2026-06-30; got '" + std::string(to) + "'";
        range.to = std::string(to);
        range.end_ms = *start + 24 * 3600 * 1000; // the whole of that day
    }
    if (range.end_ms <= range.from_ms)
        return "from (" + range.from + ") is after to (" + range.to + "): the range would hold no day";
    return range;
}

std::string network_log_id(std::string_view network_id)
{
    return "network:" + std::string(network_id);
}

std::optional<std::string> fold_network_event(model::network_state& network, std::string_view bytes)
{
    pb::NetworkEvent e;
    if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return "the network's event after seq " + std::to_string(network.seq()) + " does not decode";
    if (e.seq() != network.seq() + 1)
        return "the network's log has seq " + std::to_string(e.seq()) + " after seq " + std::to_string(network.seq());
    network.apply(e);
    return std::nullopt;
}

void count_event(room_activity& activity, const pb::Event& e, const date_range& range)
{
    if (!range.contains(e.time_ms()))
        return;
    ++activity.events;
    person_activity* who = nullptr;
    if (is_person(e.actor_id())) {
        who = &activity.people[e.actor_id()];
        who->id = e.actor_id();
        if (!e.actor_name().empty())
            who->name = e.actor_name();
        ++who->events;
    }
    std::uint64_t messages = 0, features = 0, comments = 0;
    switch (e.body_case()) {
    case pb::Event::kChatPosted: messages = 1; break;
    case pb::Event::kFeatureAdded: features = 1; break;
    case pb::Event::kLayerFeaturesCopied:
        features = static_cast<std::uint64_t>(e.layer_features_copied().feature_ids_size());
        break;
    case pb::Event::kThreadStarted: comments = 1; break; // the thread's first comment
    case pb::Event::kCommentAdded: comments = 1; break;
    case pb::Event::kVoteClosed: {
        closed_vote v{e.vote_closed().vote_id(), e.time_ms(), {}};
        v.results.assign(e.vote_closed().results().begin(), e.vote_closed().results().end());
        activity.decisions.push_back(std::move(v));
        break;
    }
    case pb::Event::kThreadResolved:
        if (e.thread_resolved().resolved())
            activity.threads_resolved.insert(e.thread_resolved().thread_id());
        else
            activity.threads_resolved.erase(e.thread_resolved().thread_id());
        break;
    default: break;
    }
    activity.messages += messages;
    activity.features += features;
    activity.comments += comments;
    if (who) {
        who->messages += messages;
        who->features += features;
        who->comments += comments;
    }
}

room_activity activity_of(std::span<const pb::Event> events, const date_range& range)
{
    room_activity activity;
    for (const auto& e : events)
        count_event(activity, e, range);
    return activity;
}

harvest_figures figures_of(const harvest_input& input)
{
    harvest_figures out;
    std::map<std::string, city_figures> known;   // the network's cities
    std::map<std::string, city_figures> unknown; // cities rooms name that the network does not have
    city_figures no_city;
    no_city.name = "Rooms of the whole network";
    for (const auto& [id, city] : input.network.cities()) {
        auto& c = known[id];
        c.city_id = id;
        c.name = city.name().empty() ? id : city.name();
        c.country = city.country();
        c.living_lab_title = city.living_lab_title();
    }
    std::vector<const room_input*> rooms;
    for (const auto& room : input.rooms)
        rooms.push_back(&room);
    std::sort(rooms.begin(), rooms.end(), [](auto* a, auto* b) { return a->info.id() < b->info.id(); });

    std::map<std::string, person_activity> everyone;
    for (const room_input* room : rooms) {
        const auto& city_id = room->info.city_id();
        city_figures* c = &no_city;
        if (!city_id.empty()) {
            if (auto it = known.find(city_id); it != known.end())
                c = &it->second;
            else {
                c = &unknown[city_id];
                c->city_id = city_id;
                c->name = city_id;
                c->in_network = false;
            }
        }
        c->rooms.push_back(room);
        const auto& a = room->activity;
        const auto& state = room->at_end.state;
        c->totals.messages += a.messages;
        c->totals.features += a.features;
        c->totals.comments += a.comments;
        for (const auto& [id, p] : a.people) {
            add(c->people[id], p);
            add(everyone[id], p);
        }
        for (const auto& s : state.data().sessions)
            c->sessions += input.range.contains(s.started_ms()) ? 1 : 0;
        c->features_on_map += state.features().size();
        c->decisions += a.decisions.size();
        for (const auto& [id, t] : state.data().threads) {
            if (!t.resolved())
                ++c->threads_open;
            else if (a.threads_resolved.contains(id))
                ++c->threads_resolved;
        }
    }
    auto finish = [&out](city_figures&& c) {
        c.totals.participants = c.people.size();
        out.totals.messages += c.totals.messages;
        out.totals.features += c.totals.features;
        out.totals.comments += c.totals.comments;
        out.rooms += c.rooms.size();
        out.sessions += c.sessions;
        out.features_on_map += c.features_on_map;
        out.decisions += c.decisions;
        out.threads_open += c.threads_open;
        out.threads_resolved += c.threads_resolved;
        out.cities.push_back(std::move(c));
    };
    for (auto& [id, c] : known)
        finish(std::move(c));
    for (auto& [id, c] : unknown)
        finish(std::move(c));
    if (!no_city.rooms.empty())
        finish(std::move(no_city));
    out.totals.participants = everyone.size();
    return out;
}

} // namespace maptable::harvest
