// Layer: app. `maptable-server check --data-dir D` (SQLite) or
// `maptable-server check --store postgresql://…`: verifies the event log
// offline (or beside running servers: it only reads). Prints one line per
// room and a summary; exit status 0 when everything is sound, 1 when
// anything is wrong (each problem names its room and seq), 2 when the log
// cannot be checked at all.
#pragma once

namespace maptable::app {

int run_check_command(int argc, char** argv);

} // namespace maptable::app
