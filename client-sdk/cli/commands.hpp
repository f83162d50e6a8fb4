// Layer: client (command-line tool). The commands of `maptable`, one function
// each, on top of the SDK. main.cpp parses the arguments and calls one of
// them; everything that talks to a server or prints for people is here.
//
// Error contract shared by all commands: a mistake in how the tool was called
// throws usage_error (exit 2); a refusal by the server, or a server that
// cannot be reached or does not answer, throws refused (exit 1). A command
// that returns has done its work (exit 0).
#pragma once

#include "maptable/client.hpp"
#include "model/room_state.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace maptable::cli {

inline constexpr const char* default_url = "ws://127.0.0.1:8080/v1/ws";

// Process exit codes, as documented by `maptable --help`.
enum exit_code : int {
    exit_ok = 0,
    exit_refused = 1, // the server refused, or could not be reached
    exit_usage = 2,   // the command line was wrong
};

// The command line asked for something that cannot be done as written.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The server refused (code set), or could not be reached or did not answer
// (code ERROR_CODE_UNSPECIFIED). what() is the text for people.
struct refused : std::runtime_error {
    refused(pb::ErrorCode code, const std::string& message) : std::runtime_error(message), code(code) {}
    pb::ErrorCode code;
};

// "ERROR_CODE_TOKEN_INVALID: <message>", or just the message for failures
// that have no code (a connection that failed). Used for both the
// "maptable: ..." line on stderr and the "! ..." lines of `join`.
std::string describe_failure(pb::ErrorCode code, const std::string& message);

// Where to connect and as whom.
struct connection {
    std::string url = default_url;
    std::string token;
    std::string room;
};

// The "room" claim of a join token, read locally: the payload is decoded
// (base64url, JSON) but the signature is NOT verified — the result only
// says where to connect; the server does the verifying. nullopt when the
// token is not a JWT or has no string "room" claim.
std::optional<std::string> room_of_token(std::string_view token);

// A decimal number of degrees as typed on a command line ("18.4231",
// "-33.9249"); nullopt when the whole text is not one. Range checks are the
// server's, so that there is one rule for every client.
std::optional<double> parse_degrees(std::string_view text);

// ---------------------------------------------------------------- talking to the server

// How long a command waits for an answer (the Welcome, an ack, a history
// page, a replay): long enough for the Welcome of a large room over a slow
// link, short enough that a script run against a hung server ends.
inline constexpr auto answer_timeout = std::chrono::seconds(60);

// The answer, or refused when none came within answer_timeout.
template <class T>
T await(std::future<T> future, const std::string& waiting_for)
{
    if (future.wait_for(answer_timeout) != std::future_status::ready)
        throw refused(pb::ERROR_CODE_UNSPECIFIED, "the server did not answer " + waiting_for + " within 60 s");
    return future.get();
}

// Throws refused when the server said no.
void check(const command_result& result);

// A client that has joined (its Welcome is in, so the replica is the room
// at its current seq); throws refused when the join fails.
std::unique_ptr<client> joined_client(const connection& where);

// The SDK options for a connection.
client_options options_for(const connection& where);

// Connects and joins; returns once the Welcome is in, so the replica is the
// room at its current seq. Throws refused when the join fails.
void join_or_throw(client& c);

// A feature of one position with a new random id ("f-" and 12 hex digits).
pb::Feature new_feature(pb::FeatureKind kind, double lon, double lat);

// Joins, sends one command and waits for its ack; throws refused when the
// join or the command is refused. Returns the event's seq.
std::uint64_t run_one(const connection& where, const std::string& what,
                      const std::function<std::future<command_result>(client&)>& command);

// ---------------------------------------------------------------- commands

// Interactive view of the room: prints the room and then every event as it happens,
// sends what is typed. Returns when the user quits (/quit or end of input);
// throws refused when the join fails or the connection ends.
void join(const connection& where);

// Sends one chat message; returns after the server's ack.
void say(const connection& where, const std::string& text);

struct mark_options {
    double lon = 0;
    double lat = 0;
    std::string title;
    std::string description;
    std::string category;
    std::string colour;
};

// Adds a point marker with a new id; prints "<id> seq <seq>".
void mark(const connection& where, const mark_options& marker);

// Prints the features, one line each (see describe_feature).
void features(const connection& where);

// Prints the newest `limit` chat messages, oldest first: from the replica
// when it holds them, else from the server's history.
void chat(const connection& where, std::uint32_t limit);

// Prints the map as a GeoJSON FeatureCollection (model::to_geojson).
void export_geojson(const connection& where);

// ---------------------------------------------------------------- formatting for people
//
// One line each. Text written by other participants is passed through
// printable(), so a title or a message cannot move the cursor or recolour
// the terminal.

// "f-1a2b point 'Unsafe corner' at 18.4231,-33.9249 by Ana"
std::string describe_feature(const pb::Feature& feature);

// "[seq 13] Ana: hello"
std::string describe_chat(const pb::ChatMessage& message);

// An event as a line for people, e.g.
//   "[seq 12] Ana added point 'Unsafe corner' (f-1a2b) at 18.4231,-33.9249"
//   "[seq 14] Ana deleted point 'Unsafe corner' (f-1a2b)"
// `before` is the room as it was before the event, so that an update or a
// deletion can name the feature it touched.
std::string describe_event(const pb::Event& event, const model::room_state& before);

// The same for the facilitation events (moderation, threads, chat changes,
// workshop tools, voting, sessions), after the "[seq N] Name" prefix `who`;
// empty for an event it does not cover. In describe_events.cpp.
std::string describe_facilitation_event(const pb::Event& event, const model::room_state& before,
                                        const std::string& who);

// "facilitator", "participant", "observer".
const char* role_name(pb::Role role);

// "a, b, c"
std::string join_with_commas(const std::vector<std::string>& parts);

// Text from the room made safe to print: control characters (C0, DEL and
// C1) are replaced, a newline continues on an indented line.
std::string printable(std::string_view text);

} // namespace maptable::cli
