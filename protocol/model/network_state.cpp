#include "model/network_state.hpp"

#include "model/plain_id.hpp"
#include "model/rules/checks.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

namespace maptable::model {

using rules::problem;
using rules::reject;

namespace {

constexpr std::size_t title_chars = 200;
constexpr std::size_t theme_chars = 2000;
constexpr std::size_t city_name_chars = 100;
constexpr std::size_t point_chars = 200;

problem invalid(std::string message)
{
    return reject(pb::ERROR_CODE_INVALID_NETWORK, std::move(message));
}

// Network, city and session ids share the rule of room ids (plain_id.hpp).
problem check_plain_id(std::string_view what, std::string_view id)
{
    if (is_plain_id(id))
        return std::nullopt;
    return invalid(std::string(what) + " must be 1 to 64 of A-Z a-z 0-9 . _ -, got " + rules::quote_short(id));
}

problem check_title(std::string_view field, std::string_view value)
{
    return rules::first_problem([&] { return rules::check_message_text(field, value, title_chars); });
}

bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// YYYY-MM-DD, a date that exists.
bool is_date(std::string_view s)
{
    if (s.size() != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!std::isdigit(static_cast<unsigned char>(s[i])))
            return false;
    const int year = std::stoi(std::string(s.substr(0, 4)));
    const int month = std::stoi(std::string(s.substr(5, 2)));
    const int day = std::stoi(std::string(s.substr(8, 2)));
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1900 || month < 1 || month > 12 || day < 1)
        return false;
    return day <= days[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
}

problem check_date(std::string_view field, std::string_view value)
{
    if (value.empty() || is_date(value))
        return std::nullopt;
    return invalid(std::string(field) + " is a date written YYYY-MM-DD (2027-03-15), got " + rules::quote_short(value));
}

// A BCP 47 tag of the simple kind networks use: a 2-3 letter language and
// optional subtags of 2-8 letters or digits ("pt", "pt-BR", "sr-Latn").
bool is_language_tag(std::string_view s)
{
    std::size_t start = 0;
    bool first = true;
    while (start <= s.size()) {
        const auto end = std::min(s.find('-', start), s.size());
        const auto part = s.substr(start, end - start);
        const bool letters = std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isalpha(c); });
        const bool alnum = std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isalnum(c); });
        if (first ? !(letters && part.size() >= 2 && part.size() <= 3)
                  : !(alnum && part.size() >= 2 && part.size() <= 8))
            return false;
        first = false;
        if (end == s.size())
            return true;
        start = end + 1;
    }
    return false;
}

problem check_languages(const google::protobuf::RepeatedPtrField<std::string>& languages)
{
    if (static_cast<std::size_t>(languages.size()) > limits_of_networks().languages)
        return invalid("a network works in at most " + std::to_string(limits_of_networks().languages) + " languages");
    for (const auto& tag : languages)
        if (!is_language_tag(tag))
            return invalid("a language is a tag such as en, de or pt-BR, got " + rules::quote_short(tag));
    return std::nullopt;
}

problem check_members_elsewhere(pb::Role role)
{
    if (role == pb::ROLE_UNSPECIFIED || role == pb::ROLE_OBSERVER || role == pb::ROLE_PARTICIPANT)
        return std::nullopt;
    return invalid("members_elsewhere is observer or participant");
}

problem check_period(std::string_view starts_on, std::string_view ends_on)
{
    // Dates of the same form compare as strings.
    if (!starts_on.empty() && !ends_on.empty() && ends_on < starts_on)
        return invalid("the network ends (" + std::string(ends_on) + ") before it starts (" + std::string(starts_on) +
                       ")");
    return std::nullopt;
}

problem check_network(const pb::Network& n, const std::string& id)
{
    if (n.id() != id)
        return invalid("the network's id must be " + rules::quote_short(id) + ", got " + rules::quote_short(n.id()));
    return rules::first_problem(
        [&] { return check_plain_id("a network id", n.id()); }, [&] { return check_title("the title", n.title()); },
        [&] { return rules::check_text("the theme", n.theme(), theme_chars); },
        [&] { return check_languages(n.languages()); }, [&] { return check_date("starts_on", n.starts_on()); },
        [&] { return check_date("ends_on", n.ends_on()); }, [&] { return check_period(n.starts_on(), n.ends_on()); },
        [&] { return check_members_elsewhere(n.members_elsewhere()); });
}

problem check_city(const pb::City& c)
{
    const bool country = c.country().size() == 2 &&
        std::all_of(c.country().begin(), c.country().end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
    return rules::first_problem(
        [&] { return check_plain_id("a city id", c.id()); },
        [&] { return rules::check_message_text("the city's name", c.name(), city_name_chars); },
        [&] {
        return country ? problem{}
                       : invalid("a country is its ISO 3166 code in capitals (DE, PT, BR), got " +
                                 rules::quote_short(c.country()));
        },
        [&] { return c.has_position() ? check_position(c.position()) : invalid("a city needs its position"); },
        [&] { return rules::check_text("the living lab's title", c.living_lab_title(), title_chars); });
}

problem check_session(const pb::PlannedSession& s)
{
    constexpr std::int64_t week_ms = 7LL * 24 * 3600 * 1000;
    if (s.ends_ms() <= s.starts_ms())
        return invalid("a planned session ends after it starts");
    if (s.ends_ms() - s.starts_ms() > week_ms)
        return invalid("a planned session lasts at most 7 days");
    if (!rules::is_time_zone(s.time_zone()))
        return invalid("a time zone is an IANA name such as Europe/Lisbon or UTC, got " +
                       rules::quote_short(s.time_zone()));
    if (static_cast<std::size_t>(s.agenda_size()) > limits_of_networks().agenda_points)
        return invalid("an agenda has at most " + std::to_string(limits_of_networks().agenda_points) + " points");
    for (const auto& point : s.agenda())
        if (auto p = rules::check_message_text("an agenda point", point, point_chars))
            return p;
    return rules::first_problem([&] { return check_plain_id("a session id", s.id()); },
                                [&] { return check_plain_id("a room id", s.room_id()); },
                                [&] { return check_title("the session's title", s.title()); });
}

problem check_patch(const pb::NetworkPatch& p, const pb::Network& current)
{
    const bool empty = !p.has_title() && !p.has_theme() && !p.set_languages() && !p.has_starts_on() &&
        !p.has_ends_on() && !p.has_members_elsewhere();
    if (empty)
        return reject(pb::ERROR_CODE_EMPTY_PATCH, "the change sets nothing");
    const std::string starts = p.has_starts_on() ? p.starts_on() : current.starts_on();
    const std::string ends = p.has_ends_on() ? p.ends_on() : current.ends_on();
    return rules::first_problem(
        [&] { return p.has_title() ? check_title("the title", p.title()) : problem{}; },
        [&] { return p.has_theme() ? rules::check_text("the theme", p.theme(), theme_chars) : problem{}; },
        [&] { return p.set_languages() ? check_languages(p.languages()) : problem{}; },
        [&] { return check_date("starts_on", starts); }, [&] { return check_date("ends_on", ends); },
        [&] { return check_period(starts, ends); },
        [&] { return p.has_members_elsewhere() ? check_members_elsewhere(p.members_elsewhere()) : problem{}; });
}

} // namespace

const network_limits& limits_of_networks()
{
    static const network_limits limits;
    return limits;
}

network_state::network_state(std::string network_id) : id_(std::move(network_id)) {}

const pb::City* network_state::find_city(const std::string& city_id) const
{
    const auto it = cities_.find(city_id);
    return it == cities_.end() ? nullptr : &it->second;
}

network_validation network_state::validate(pb::NetworkEvent change, const std::string& actor_id,
                                           std::int64_t now_ms) const
{
    using Body = pb::NetworkEvent::BodyCase;
    const auto body = change.body_case();
    if (body == Body::BODY_NOT_SET)
        return rejection{pb::ERROR_CODE_UNKNOWN_COMMAND, "the change names nothing to do"};
    if (body == Body::kNetworkCreated) {
        if (exists())
            return rejection{pb::ERROR_CODE_NETWORK_EXISTS, "the network " + id_ + " exists already"};
    } else if (!exists()) {
        return rejection{pb::ERROR_CODE_NETWORK_NOT_FOUND, "there is no network " + rules::quote_short(id_)};
    }

    problem found;
    switch (body) {
    case Body::kNetworkCreated: found = check_network(change.network_created().network(), id_); break;
    case Body::kNetworkUpdated: found = check_patch(change.network_updated().patch(), network_); break;
    case Body::kCityAdded: {
        const auto& city = change.city_added().city();
        if (cities_.contains(city.id()))
            found = reject(pb::ERROR_CODE_CITY_EXISTS,
                           "the city " + rules::quote_short(city.id()) + " is in the network already");
        else if (cities_.size() >= limits_of_networks().cities)
            found = invalid("a network has at most " + std::to_string(limits_of_networks().cities) + " cities");
        else
            found = check_city(city);
        break;
    }
    case Body::kCityUpdated: {
        const auto& city = change.city_updated().city();
        found = cities_.contains(city.id())
            ? check_city(city)
            : reject(pb::ERROR_CODE_CITY_NOT_FOUND,
                     "there is no city " + rules::quote_short(city.id()) + " in the network");
        break;
    }
    case Body::kCityRemoved: {
        const auto& city_id = change.city_removed().city_id();
        if (!cities_.contains(city_id))
            found = reject(pb::ERROR_CODE_CITY_NOT_FOUND,
                           "there is no city " + rules::quote_short(city_id) + " in the network");
        break;
    }
    case Body::kSessionPlanned: {
        const auto& session = change.session_planned().session();
        if (!sessions_.contains(session.id()) && sessions_.size() >= limits_of_networks().sessions)
            found = invalid("a network plans at most " + std::to_string(limits_of_networks().sessions) + " sessions");
        else
            found = check_session(session);
        break;
    }
    case Body::kSessionCancelled: {
        const auto& session_id = change.session_cancelled().session_id();
        if (!sessions_.contains(session_id))
            found = invalid("there is no planned session " + rules::quote_short(session_id));
        break;
    }
    case Body::BODY_NOT_SET: break;
    }
    if (found)
        return *found;
    change.set_seq(seq_ + 1);
    change.set_time_ms(now_ms);
    change.set_actor_id(actor_id);
    return change;
}

void network_state::apply(const pb::NetworkEvent& event)
{
    if (event.seq() != seq_ + 1)
        throw std::logic_error("network " + id_ + ": event seq " + std::to_string(event.seq()) + " after " +
                               std::to_string(seq_));
    using Body = pb::NetworkEvent::BodyCase;
    switch (event.body_case()) {
    case Body::kNetworkCreated:
        network_ = event.network_created().network();
        if (network_.members_elsewhere() == pb::ROLE_UNSPECIFIED)
            network_.set_members_elsewhere(pb::ROLE_OBSERVER);
        break;
    case Body::kNetworkUpdated: {
        const auto& p = event.network_updated().patch();
        if (p.has_title())
            network_.set_title(p.title());
        if (p.has_theme())
            network_.set_theme(p.theme());
        if (p.set_languages())
            *network_.mutable_languages() = p.languages();
        if (p.has_starts_on())
            network_.set_starts_on(p.starts_on());
        if (p.has_ends_on())
            network_.set_ends_on(p.ends_on());
        if (p.has_members_elsewhere())
            network_.set_members_elsewhere(p.members_elsewhere() == pb::ROLE_UNSPECIFIED ? pb::ROLE_OBSERVER
                                                                                         : p.members_elsewhere());
        break;
    }
    case Body::kCityAdded: cities_[event.city_added().city().id()] = event.city_added().city(); break;
    case Body::kCityUpdated: cities_[event.city_updated().city().id()] = event.city_updated().city(); break;
    case Body::kCityRemoved: cities_.erase(event.city_removed().city_id()); break;
    case Body::kSessionPlanned:
        sessions_[event.session_planned().session().id()] = event.session_planned().session();
        break;
    case Body::kSessionCancelled: sessions_.erase(event.session_cancelled().session_id()); break;
    case Body::BODY_NOT_SET: break; // a kind this version does not know: the seq advances
    }
    seq_ = event.seq();
}

pb::NetworkState network_state::to_proto() const
{
    pb::NetworkState out;
    *out.mutable_network() = network_;
    out.set_seq(seq_);
    for (const auto& [id, city] : cities_)
        *out.add_cities() = city;
    std::vector<const pb::PlannedSession*> ordered;
    for (const auto& [id, session] : sessions_)
        ordered.push_back(&session);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto* a, const auto* b) { return a->starts_ms() < b->starts_ms(); });
    for (const auto* session : ordered)
        *out.add_sessions() = *session;
    return out;
}

std::variant<pb::Role, rejection> role_in_room(const network_member& who, const room_place& room,
                                               const network_state& network)
{
    if (room.network_id.empty() || room.network_id != who.network_id || network.id() != who.network_id)
        return rejection{pb::ERROR_CODE_TOKEN_WRONG_NETWORK,
                         room.network_id.empty() ? "this invitation is for the rooms of network " + who.network_id +
                                 "; this room belongs to no network"
                                                 : "this invitation is for the rooms of network " + who.network_id +
                                 "; this room belongs to network " + room.network_id};
    if (!network.exists())
        return rejection{pb::ERROR_CODE_NETWORK_NOT_FOUND, "there is no network " + who.network_id};
    if (!who.city_id.empty() && network.find_city(who.city_id) == nullptr)
        return rejection{pb::ERROR_CODE_CITY_NOT_FOUND,
                         "the city " + who.city_id + " is no longer in network " + who.network_id};
    switch (who.role) {
    case pb::ROLE_FACILITATOR: return pb::ROLE_FACILITATOR;
    case pb::ROLE_OBSERVER: return pb::ROLE_OBSERVER;
    case pb::ROLE_PARTICIPANT:
        if (who.city_id.empty())
            return pb::ROLE_PARTICIPANT;
        if (room.kind == pb::ROOM_KIND_LIVING_LAB && room.city_id == who.city_id)
            return pb::ROLE_PARTICIPANT;
        return network.network().members_elsewhere() == pb::ROLE_PARTICIPANT ? pb::ROLE_PARTICIPANT : pb::ROLE_OBSERVER;
    default:
        return rejection{pb::ERROR_CODE_TOKEN_INVALID,
                         "a network invitation's role is facilitator, participant or observer"};
    }
}

} // namespace maptable::model
