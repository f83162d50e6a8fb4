#include "app/server.hpp"

#include "net/listener.hpp"
#include "room/room_registry.hpp"
#include "session/server_context.hpp"
#include "store/commit_queue.hpp"
#include "store/sqlite_event_log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

namespace maptable::app {

int run_server(const server_config& config)
{
    std::filesystem::create_directories(config.data_dir);
    const auto db_path = (std::filesystem::path(config.data_dir) / "maptable.db").string();

    auth::verifier_options verifier;
    verifier.secret = resolve_secret(config.secret, config.data_dir);
    verifier.issuer = config.issuer;
    verifier.audience = config.audience;

    const unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
    boost::asio::io_context io(static_cast<int>(threads));

    auto commits = std::make_unique<store::commit_queue>(
        std::make_unique<store::sqlite_event_log>(db_path, config.durability), config.limits.max_batch_events);
    room::room_registry rooms(io, *commits, config.limits);
    session::server_context context{rooms, verifier, config.limits};

    const auto address = boost::asio::ip::make_address(config.listen_address);
    auto acceptor = std::make_shared<net::listener>(io, boost::asio::ip::tcp::endpoint(address, config.port), context);
    acceptor->run();
    const auto bound = acceptor->local_endpoint();
    spdlog::info("listening on {}:{} data={} durability={} threads={}", bound.address().to_string(), bound.port(),
                 db_path, config.durability == store::durability::full ? "full" : "normal", threads);
    // Tests and scripts read this line to learn the port (with --port 0).
    std::printf("maptable-server listening on %s:%u\n", bound.address().to_string().c_str(), bound.port());
    std::fflush(stdout);

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    boost::asio::steady_timer stop_deadline(io);
    signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec)
            return;
        spdlog::info("signal {}: shutting down", signal);
        acceptor->stop();
        rooms.shutdown_all("the server is shutting down; reconnect shortly");
        // Give close handshakes a moment, then stop regardless.
        stop_deadline.expires_after(std::chrono::seconds(2));
        stop_deadline.async_wait([&](boost::system::error_code) { io.stop(); });
    });

    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i)
        pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool)
        t.join();
    commits.reset();  // finishes queued commits, closes the database
    spdlog::info("stopped");
    return 0;
}

} // namespace maptable::app
