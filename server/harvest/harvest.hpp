// Layer: harvest (pure: no I/O, no clock, no Asio). A learning network's
// harvest (docs/HARVEST.md): what its rooms produced over a range of days,
// per city, as HTML, Markdown or a JSON bundle of GeoJSON collections.
//
//     inputs:  the network's state, and per room of the network its newest
//              info, its record at the end of the range and what its events
//              in the range did (room_activity, counted one event at a time
//              so that a long range is never held whole);
//     outputs: harvest_html, harvest_markdown, harvest_bundle, map_svg.
//
// The HTTP route (net/harvest_routes) reads the logs on the work pool and
// calls these there.
#pragma once

#include "export/table_export.hpp"
#include "model/network_state.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace maptable::harvest {

namespace pb = maptable::v1;

// ---------------------------------------------------------------- the range

// Whole days in UTC: [from_ms, end_ms), from the start of `from` to the end
// of `to`. An empty from or to is open on that side.
struct date_range {
    std::string from; // YYYY-MM-DD, "" for the beginning of the logs
    std::string to;   // YYYY-MM-DD, "" for the time of the report
    std::int64_t from_ms = 0;
    std::int64_t end_ms = INT64_MAX;

    bool contains(std::int64_t time_ms) const { return time_ms >= from_ms && time_ms < end_ms; }
};

// Unix milliseconds of 00:00 UTC on a YYYY-MM-DD calendar day, or nullopt
// when text is not one (2026-02-30, 2026-2-3, a time).
std::optional<std::int64_t> day_start_ms(std::string_view text);

// The range of two optional days ("" for none), or the text of a 400: a day
// that is not YYYY-MM-DD, or from after to.
std::variant<date_range, std::string> parse_range(std::string_view from, std::string_view to);

// ---------------------------------------------------------------- the network's log

// Where a network's own log is kept: in the event_log, beside the rooms'
// logs, under this id (no room id has a colon, so the two never meet).
std::string network_log_id(std::string_view network_id);

// Folds one stored NetworkEvent (its encoded bytes) into network; the text
// of the failure when the bytes do not decode or do not continue its seq.
std::optional<std::string> fold_network_event(model::network_state& network, std::string_view bytes);

// ---------------------------------------------------------------- what a room did in the range

// One person's part, by the events that name them as actor.
struct person_activity {
    std::string id;
    std::string name; // the newest name seen
    std::uint64_t messages = 0;
    std::uint64_t features = 0;
    std::uint64_t comments = 0;
    std::uint64_t events = 0; // everything they did, these included
};

struct closed_vote {
    std::string vote_id;
    std::int64_t time_ms = 0;
    std::vector<pb::VoteTally> results; // as the close tallied them: most dots first
};

struct room_activity {
    // Everyone named as the actor of an event in the range, by participant
    // id; the admin API ("admin") and anonymous ballots (no actor) are nobody.
    std::map<std::string, person_activity> people;
    std::uint64_t messages = 0;             // chat messages posted
    std::uint64_t features = 0;             // features added (drawn, or copied from a reference layer)
    std::uint64_t comments = 0;             // comments, each thread's first one included
    std::vector<closed_vote> decisions;     // vote rounds closed in the range, in order
    std::set<std::string> threads_resolved; // threads marked resolved in the range
    std::uint64_t events = 0;               // events in the range
};

// Counts e into activity when its time is in range (events outside it are
// ignored, so a caller may pass a page that straddles the range's edges).
void count_event(room_activity& activity, const pb::Event& e, const date_range& range);

// A room's events counted at once (for tests and small logs).
room_activity activity_of(std::span<const pb::Event> events, const date_range& range);

// ---------------------------------------------------------------- the report

struct room_input {
    pb::RoomInfo info;           // as the room is now: its title, network, kind and city
    exports::room_record at_end; // folded to the range's last event (empty: no event by then)
    room_activity activity;      // its events in the range
};

struct harvest_input {
    model::network_state network;
    std::vector<room_input> rooms; // the rooms whose info names the network
    date_range range;
    std::int64_t generated_ms = 0; // when the report was made (server time)
    bool per_person = false;       // list people by name: only when a facilitator asked
};

// Participation of a city (or of every room): people counted once however
// many rooms they acted in.
struct participation {
    std::uint64_t participants = 0;
    std::uint64_t messages = 0;
    std::uint64_t features = 0;
    std::uint64_t comments = 0;
};

// The figures every form shows, computed once.
struct city_figures {
    std::string city_id; // "" for the rooms of no city (plenary, workshops)
    std::string name;
    std::string country;
    std::string living_lab_title;
    bool in_network = true;               // false: rooms name a city the network no longer has
    std::vector<const room_input*> rooms; // by id
    participation totals;
    std::map<std::string, person_activity> people; // summed over its rooms
    std::uint64_t sessions = 0;                    // sessions started in the range
    std::uint64_t features_on_map = 0;             // at the end of the range
    std::uint64_t decisions = 0;
    std::uint64_t threads_open = 0;     // open at the end of the range
    std::uint64_t threads_resolved = 0; // resolved in the range, and still resolved at its end
};

struct harvest_figures {
    std::vector<city_figures> cities; // the network's cities by id, then unknown cities, then the rooms of none
    participation totals;             // the whole network
    std::uint64_t rooms = 0;
    std::uint64_t sessions = 0;
    std::uint64_t features_on_map = 0;
    std::uint64_t decisions = 0;
    std::uint64_t threads_open = 0;
    std::uint64_t threads_resolved = 0;
};

// The figures of input; they point into input, which must outlive them.
harvest_figures figures_of(const harvest_input& input);

// A standalone HTML document (UTF-8, inline styles, no script, nothing
// fetched): the summary page, then one section per city with its living-lab
// maps as inline SVG. Every text that came from people is escaped.
std::string harvest_html(const harvest_input& input);

// The same as Markdown, with the report's conventions (text from people
// made inert); the maps as SVG data: URIs.
std::string harvest_markdown(const harvest_input& input);

// A JSON object: the network, the range, the summary, and per city its
// participation, its features as an RFC 7946 FeatureCollection (each with
// its room_id) and its living-lab maps as SVG text.
std::string harvest_bundle(const harvest_input& input);

// A room's map at the state given: its features and its reference layers
// drawn in Web Mercator, fitted to their extent, one shape per feature
// (class "feature", data-feature its id; a layer's features class
// "layer-feature"), no tiles and nothing fetched. Width and height in
// pixels of the viewBox.
std::string map_svg(const model::room_state& state, int width = 640, int height = 420);

} // namespace maptable::harvest
