// Layer: client (command-line tool). Reading the command line: the global
// options (with their environment fallbacks) and one command's own options
// and words. Shared by main.cpp and every file of commands.
#pragma once

#include "commands.hpp"

#include <boost/program_options.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace maptable::cli {

namespace po = boost::program_options;

// The global options as given (or from MAPTABLE_URL, MAPTABLE_TOKEN,
// MAPTABLE_ROOM, MAPTABLE_ADMIN_KEY), not yet checked: each command asks for
// what it needs, so that `admin` works without a token.
struct settings {
    std::string url = default_url;
    std::string token;
    std::string room;
    std::string admin_key;
};

// The WebSocket connection a room command needs: throws usage_error when
// there is no token, or no room (neither given nor in the token).
connection connection_from(const settings& global);

// The room for an HTTP command: --room, else the token's claim; throws
// usage_error when there is neither.
std::string room_from(const settings& global);

// The server's HTTP base URL, from the WebSocket URL: ws://host:port/v1/ws
// -> http://host:port, wss:// -> https://.
std::string http_base(const settings& global);

// One command's arguments: its options, and its other words in order.
struct command_line {
    po::variables_map options;
    std::vector<std::string> words;
};

// Long options only, so that "-33.9249" is a word (a negative latitude), not
// an option. --help never reaches a command: main.cpp answers it first.
command_line parse_command(const std::vector<std::string>& args, po::options_description options);

void expect_no_words(const std::string& command, const command_line& parsed);
// Exactly `count` words, else usage_error "<usage>".
void expect_words(const command_line& parsed, std::size_t count, const std::string& usage);

// The words from `from` on, joined with single spaces.
std::string joined(const std::vector<std::string>& words, std::size_t from = 0);

// A number of degrees, else usage_error "<what> '<text>' is not a number of degrees".
double degrees(const std::string& text, const char* what);
// "LON,LAT", else usage_error naming `what`.
pb::LonLat lon_lat(const std::string& text, const char* what);
// A whole number >= 0, else usage_error naming `what`.
std::uint64_t whole_number(const std::string& text, const char* what);

} // namespace maptable::cli
