// Layer: app. `maptable-server token`: mints a join token by hand, so a
// newcomer can join a room at once, and an operator can invite someone
// without a host app.
#pragma once

namespace maptable::app {

int run_token_command(int argc, char** argv);

} // namespace maptable::app
