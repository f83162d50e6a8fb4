// Layer: client (command-line tool). The table of command_table.hpp.
#include "command_table.hpp"

namespace maptable::cli {

namespace {

constexpr command commands[] = {
    {"join", join_command},         {"say", say_command},       {"mark", mark_command},
    {"features", features_command}, {"chat", chat_command},     {"export-geojson", export_geojson_command},
    {"comment", comment_command},   {"react", react_command},   {"hand", hand_command},
    {"lock", lock_command},         {"who", who_command},       {"mute", mute_command},
    {"remove", remove_command},     {"agenda", agenda_command}, {"timer", timer_command},
    {"session", session_command},   {"vote", vote_command},     {"state-at", state_at_command},
    {"admin", admin_command},       {"export", export_command}, {"network", network_command},
};

} // namespace

std::span<const command> all_commands()
{
    return commands;
}

const command* find_command(std::string_view name)
{
    for (const auto& c : commands)
        if (name == c.name)
            return &c;
    return nullptr;
}

} // namespace maptable::cli
