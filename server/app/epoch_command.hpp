// Layer: app. `maptable-server reset-epochs --data-dir D`: gives every room a
// new history epoch. Run it (with the server stopped) after restoring the
// data directory from a backup: clients that saw events the backup lacks then
// get a fresh snapshot on resume instead of splicing two histories.
#pragma once

namespace maptable::app {

int run_reset_epochs_command(int argc, char** argv);

} // namespace maptable::app
