// Layer: client (command-line tool). The commands a facilitator and a
// participant use to run a workshop from a terminal, and the admin helpers
// that call the HTTP API. Each takes the global settings and the words after
// its name, parses its own options (arguments.hpp) and follows the error
// contract of commands.hpp: usage_error (exit 2) or refused (exit 1).
#pragma once

#include "arguments.hpp"

#include <string>
#include <vector>

namespace maptable::cli {

using arguments = std::vector<std::string>;
using command_function = void (*)(const settings&, const arguments&);

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
void admin_command(const settings& global, const arguments& args);  // admin create-room | invite
void export_command(const settings& global, const arguments& args); // export geojson|report|chat-csv|...
// network_commands.cpp: a learning network's admin API.
void network_command(const settings& global, const arguments& args); // network create|show|add-city|...

} // namespace maptable::cli
