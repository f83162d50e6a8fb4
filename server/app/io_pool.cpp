#include "app/io_pool.hpp"

#include "metrics/metrics.hpp"

#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <pthread.h>

#include <exception>

#include <functional>
#include <string>
#include <thread>

namespace maptable::app {

io_pool::io_pool(unsigned threads, thread_model model) : model_(model), threads_(threads == 0 ? 1 : threads)
{
    if (model_ == thread_model::shared) {
        contexts_.push_back(std::make_unique<boost::asio::io_context>(static_cast<int>(threads_)));
    } else {
        // The hint tells Asio that exactly one thread runs the context.
        for (unsigned i = 0; i < threads_; ++i)
            contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    }
}

boost::asio::any_io_executor io_pool::connection_executor()
{
    if (model_ == thread_model::shared)
        return boost::asio::make_strand(main());
    const auto i = next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size();
    return contexts_[i]->get_executor();
}

boost::asio::any_io_executor io_pool::room_executor(std::string_view room_id)
{
    const auto i = std::hash<std::string_view>{}(room_id) % contexts_.size();
    return contexts_[i]->get_executor();
}

namespace {
// Named for top -H, perf and /proc/<pid>/task (at most 15 characters).
void name_this_thread(unsigned i)
{
    pthread_setname_np(pthread_self(), ("io-" + std::to_string(i)).c_str());
}

// Runs context on this thread until it stops or runs out of work. A handler
// that throws ends only its own work: the connection and room handlers
// catch what they throw themselves, so what reaches this is a bug in some
// other handler. It is logged with the thread, counted in /metrics
// (maptable_handler_exceptions_total), and the loop goes on serving every
// other connection and room; Asio lets run() be called again after a throw
// without restart().
void run_loop(boost::asio::io_context& context, unsigned thread)
{
    const auto name = "io-" + std::to_string(thread);
    for (;;) {
        try {
            context.run();
            return;
        } catch (const std::exception& e) {
            metrics::global().handler_exceptions.add();
            spdlog::error("thread {}: a handler threw to the event loop: {}; the loop goes on", name, e.what());
        } catch (...) {
            metrics::global().handler_exceptions.add();
            spdlog::error("thread {}: a handler threw to the event loop an exception that is not a std::exception; "
                          "the loop goes on",
                          name);
        }
    }
}
} // namespace

void io_pool::run()
{
    std::vector<std::thread> pool;
    if (model_ == thread_model::shared) {
        for (unsigned i = 1; i < threads_; ++i)
            pool.emplace_back([this, i] {
                name_this_thread(i);
                run_loop(main(), i);
            });
    } else {
        // A context with nothing to do yet must not return before the
        // listener or a room gives it work: every context but the main one
        // is kept running until stop().
        for (unsigned i = 1; i < threads_; ++i)
            pool.emplace_back([context = contexts_[i].get(), i] {
                name_this_thread(i);
                auto guard = boost::asio::make_work_guard(*context);
                run_loop(*context, i);
            });
    }
    // The calling thread keeps the process's name (ps, pgrep): it is loop 0.
    run_loop(main(), 0);
    for (auto& t : pool)
        t.join();
}

void io_pool::stop()
{
    for (auto& context : contexts_)
        context->stop();
}

} // namespace maptable::app
