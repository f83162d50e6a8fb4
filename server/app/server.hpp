// Layer: app. Wires the layers together and runs them: the store's writer
// thread, the room registry, the listener and the I/O threads. Exceptions
// here are start-up failures and end the process with a message.
#pragma once

#include "app/config.hpp"

#include <functional>
#include <memory>

namespace maptable::app {

// Runs the server until SIGINT or SIGTERM. on_listening is called once with
// the bound port (so that --port 0 can be reported). Returns the exit code.
int run_server(const server_config& config);

} // namespace maptable::app
