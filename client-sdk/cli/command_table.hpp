// Layer: client (command-line tool). Every command of `maptable`, in one
// table: its name and the function that runs it. main.cpp reads the global
// options, finds the command here and calls it with the words after its
// name. Each function parses its own options and words with arguments.hpp
// (the one way to read a command line) and follows the error contract of
// commands.hpp: usage_error (exit 2) or refused (exit 1).
#pragma once

#include "arguments.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace maptable::cli {

using arguments = std::vector<std::string>;
using command_function = void (*)(const settings&, const arguments&);

// One row of the table: `maptable <name> ...` runs `run`.
struct command {
    const char* name;
    command_function run;
};

// Every command, in the order `maptable --help` lists them.
std::span<const command> all_commands();

// The command of that name, or nullptr.
const command* find_command(std::string_view name);

// commands.cpp: the map and chat.
void say_command(const settings& global, const arguments& args);            // say TEXT...
void mark_command(const settings& global, const arguments& args);           // mark LON LAT TITLE... [--category C] ...
void features_command(const settings& global, const arguments& args);       // features
void chat_command(const settings& global, const arguments& args);           // chat [--limit N]
void export_geojson_command(const settings& global, const arguments& args); // export-geojson
// join_room.cpp: the interactive view of a room.
void join_command(const settings& global, const arguments& args); // join

// discussion_commands.cpp: threads, reactions, moderation, sessions, replay.
void comment_command(const settings& global, const arguments& args);  // comment on|at|reply
void react_command(const settings& global, const arguments& args);    // react SEQ EMOJI [--remove]
void lock_command(const settings& global, const arguments& args);     // lock --map on|off ...
void mute_command(const settings& global, const arguments& args);     // mute WHO [--undo] [--reason R]
void remove_command(const settings& global, const arguments& args);   // remove WHO [--reason R]
void who_command(const settings& global, const arguments& args);      // who: online, with ids
void session_command(const settings& global, const arguments& args);  // session start|end
void state_at_command(const settings& global, const arguments& args); // state-at --seq N | --time MS

// workshop_commands.cpp: hands, agenda, timer, dot voting.
void hand_command(const settings& global, const arguments& args);   // hand raise|lower|next|clear
void agenda_command(const settings& global, const arguments& args); // agenda set FILE | open ID | close
void timer_command(const settings& global, const arguments& args);  // timer start DURATION|pause|resume|reset
void vote_command(const settings& global, const arguments& args);   // vote open|dot|undot|close|results

// admin_commands.cpp: the HTTP API.
void admin_command(const settings& global, const arguments& args);  // admin create-room | room-info | invite
void export_command(const settings& global, const arguments& args); // export geojson|report|chat-csv|...
// network_commands.cpp: a learning network's admin API.
void network_command(const settings& global, const arguments& args); // network create|show|add-city|...

} // namespace maptable::cli
