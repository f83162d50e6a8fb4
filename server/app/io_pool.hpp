// Layer: app. The I/O threads and the io_contexts they run, in one of two
// thread models, kept both so that the default is chosen by measurement
// rather than by taste (docs/PERFORMANCE.md has the comparison):
//
//   per_core  one io_context per thread, each run by exactly that thread.
//             A connection lives on one of them (round robin) and needs no
//             strand: its context is single-threaded. A room lives on the
//             context its id hashes to, behind a strand (its completions
//             come from the store's writer thread). The room hands each
//             context ONE batch for all of its members there (room/lane).
//   shared    one io_context run by every thread; a strand per connection
//             and per room; the room posts to each member's strand.
//
// The listener, the signal handlers and the shutdown timer use main().
#pragma once

#include "app/config.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <string_view>
#include <vector>

namespace maptable::app {

class io_pool {
public:
    io_pool(unsigned threads, thread_model model);

    thread_model model() const { return model_; }
    unsigned threads() const { return threads_; }

    boost::asio::io_context& main() { return *contexts_.front(); }

    // The executor of a new connection: per_core, the next context's own
    // executor (one thread runs it); shared, a new strand.
    boost::asio::any_io_executor connection_executor();

    // The executor a room is built on (the room adds its own strand).
    boost::asio::any_io_executor room_executor(std::string_view room_id);

    // Runs every context on its threads (the calling thread is one of them)
    // until stop(); then joins them. An exception that escapes a handler is
    // logged with its thread's name and counted in /metrics, and that
    // thread's loop goes on: one bug never ends the process and every room.
    void run();
    void stop();

private:
    thread_model model_;
    unsigned threads_;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::atomic<unsigned> next_{0};
};

} // namespace maptable::app
