// Layer: app. Wires the layers together and runs the server until a signal:
// opens the store, loads revocations, listens, and shuts down in stages.
#include "app/server.hpp"

#include "app/io_pool.hpp"
#include "media/image_pipeline.hpp"
#include "media/postgres_attachment_store.hpp"
#include "metrics/metrics.hpp"
#include "net/admin_room_routes.hpp"
#include "net/attachment_routes.hpp"
#include "net/listener.hpp"
#include "net/webhook_routes.hpp"
#include "room/room_registry.hpp"
#include "session/server_context.hpp"
#include "store/clock.hpp"
#include "store/commit_queue.hpp"
#include "store/database_file.hpp"
#include "store/postgres_event_log.hpp"
#include "store/postgres_room_catalog.hpp"
#include "store/room_catalog.hpp"
#include "store/sqlite_event_log.hpp"
#include "webhook/dispatcher.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace maptable::app {

namespace {
constexpr const char* shutdown_reason = "the server is shutting down; reconnect shortly";

std::string host_name()
{
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0')
        return "localhost";
    return name;
}
} // namespace

int run_server(const server_config& config)
{
    // First: an unusable data dir or a lost database (or, on PostgreSQL, an
    // unreachable one or a schema newer than this binary) stops the start
    // here, before anything else writes.
    const bool on_postgres = !config.store.empty();
    std::unique_ptr<store::event_log> log;
    std::string db_path;           // the SQLite file; empty on PostgreSQL
    std::string store_description; // for the log: never a password
    if (on_postgres) {
        if (config.init)
            spdlog::warn("--init guards the SQLite file in --data-dir; with --store it changes nothing");
        auto pg = std::make_unique<store::postgres_event_log>(config.store);
        store_description = "postgresql://" + pg->where();
        log = std::move(pg);
    } else {
        log = store::open_server_log(config.data_dir, {.mode = config.durability, .init = config.init});
        db_path = store::database_path(config.data_dir);
        store_description = db_path;
    }

    auth::verifier_options verifier;
    verifier.secret = resolve_secret(config.secret, config.data_dir);
    verifier.issuer = config.issuer;
    verifier.audience = config.audience;

    const unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
    io_pool pool(threads, config.threading);
    auto& io = pool.main();

    // Chat history and replay pages are read on connections of their own,
    // beside the writer (WAL in SQLite, MVCC in PostgreSQL): two, so that one
    // long read does not queue every other. Each store connection, the
    // PostgreSQL ones included, is used synchronously on its own store
    // thread, so no event loop ever waits for the database.
    constexpr std::size_t store_readers = 2;
    store::commit_queue::open_log open_reader;
    if (on_postgres)
        open_reader = [&config]() -> std::unique_ptr<store::event_log> {
            return std::make_unique<store::postgres_event_log>(config.store, true);
        };
    else
        open_reader = [&db_path, &config]() -> std::unique_ptr<store::event_log> {
            return std::make_unique<store::sqlite_event_log>(db_path, config.durability, store::log_access::read_only);
        };
    auto commits =
        std::make_unique<store::commit_queue>(std::move(log), config.limits.max_batch_events,
                                              config.limits.commit_window, std::move(open_reader), store_readers);
    metrics::global().store_writable.set(1);
    // After the event log: it has set the database up (WAL mode, its tables).
    std::unique_ptr<store::room_catalog> catalog;
    if (on_postgres)
        catalog = std::make_unique<store::postgres_room_catalog>(config.store);
    else
        catalog = std::make_unique<store::sqlite_room_catalog>(db_path);
    // Heavy work that is no connection's or room's (folding a replay or an
    // export, the room catalogue's SQLite calls) runs here, never on an
    // event loop. Two threads: one long fold does not queue every other.
    boost::asio::thread_pool work_pool(2);
    room::room_registry rooms([&pool](std::string_view room_id) { return pool.room_executor(room_id); },
                              work_pool.get_executor(), *commits, config.limits);
    session::server_context context{.rooms = rooms,
                                    .verifier = verifier,
                                    .limits = config.limits,
                                    .allowed_origins = config.allowed_origins,
                                    .admin_key = config.admin_key,
                                    .store = commits.get(),
                                    .work = work_pool.get_executor(),
                                    .one_thread_per_context = pool.model() == thread_model::per_core};
    // Revocations are in force before the first connection is accepted.
    {
        std::promise<std::vector<std::pair<std::string, std::int64_t>>> stored;
        auto loaded = stored.get_future();
        commits->run([&stored](store::event_log& log) {
            try {
                stored.set_value(log.revocations());
            } catch (...) {
                stored.set_exception(std::current_exception());
            }
        });
        const auto now = clock::now_seconds();
        context.revocations->load(loaded.get(), now, verifier.leeway_seconds);
    }
    // Webhooks: their own threads and file (<data-dir>/webhooks.db), woken by
    // the rooms' commits; running before the first connection can register one.
    auto webhooks = std::make_unique<webhook::dispatcher>(
        *commits,
        webhook::dispatcher_options{.file = std::filesystem::path(config.data_dir) / "webhooks.db",
                                    .retry = {.first_delay = std::chrono::milliseconds(config.webhook_retry_ms),
                                              .max_attempts = config.webhook_max_attempts},
                                    .timeout = std::chrono::milliseconds(config.webhook_timeout_ms),
                                    .ca_file = config.webhook_ca_file});
    webhook::observe_commits(webhooks.get());
    net::install_webhooks(webhooks.get());
    webhooks->start();
    // Attachments: in the log's PostgreSQL database, shared by every node on
    // it; else files beside the log, content-addressed, with their own index.
    media::init_image_library();
    auto attachments = std::make_shared<net::attachment_config>();
    if (on_postgres)
        attachments->store = media::open_postgres_attachment_store(config.store);
    else
        attachments->store = media::file_attachment_store::open(config.data_dir);
    net::enable_attachments(context, attachments);
    spdlog::info("attachments in {}", attachments->store->describe());
    // Kept apart from context: connections may outlive it in handlers the
    // io_context destroys after a shutdown timeout.
    const auto connections = context.connections;

    const auto address = boost::asio::ip::make_address(config.listen_address);
    const net::tls_files tls{config.tls_cert, config.tls_key};
    auto acceptor = std::make_shared<net::listener>(
        io, [&pool] { return pool.connection_executor(); }, boost::asio::ip::tcp::endpoint(address, config.port),
        context, tls);
    acceptor->run();
    const auto bound = acceptor->local_endpoint();
    std::string origins;
    for (const auto& o : config.allowed_origins)
        origins += (origins.empty() ? "" : ",") + o;
    spdlog::info("listening on {}:{} tls={} data={} durability={} threads={} ({}) origins={} admin-api={} revoked={}",
                 bound.address().to_string(), bound.port(), acceptor->tls() ? "on" : "off", store_description,
                 config.durability == store::durability::full ? "full" : "normal", threads,
                 config.threading == thread_model::per_core ? "per-core" : "shared",
                 origins.empty() ? "same-origin" : origins, config.admin_key.empty() ? "off" : "on",
                 context.revocations->list().size());
    // Invitation links need the bound port when none was given.
    auto admin_api = std::make_shared<session::admin_api_config>();
    admin_api->catalog = catalog.get();
    admin_api->public_url = !config.public_url.empty() ? config.public_url
                                                       : std::string(acceptor->tls() ? "https://" : "http://") +
            (address.is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) + ":" +
            std::to_string(bound.port());
    const std::string public_url = admin_api->public_url;
    context.admin_api = std::move(admin_api);
    // Several nodes on one PostgreSQL store share its rooms by lease: this
    // node's name and where other nodes send the clients of rooms it owns.
    // Set before the I/O runs, so before any join can load a room.
    if (on_postgres) {
        store::lease_owner me;
        me.node_id = !config.node_id.empty() ? config.node_id : host_name() + ":" + std::to_string(bound.port());
        me.url = !config.advertise_url.empty() ? config.advertise_url : advertise_url_from(public_url);
        me.ttl = std::chrono::milliseconds(config.lease_ms);
        spdlog::info("room leases: node {} at {}, lease {} ms", me.node_id, me.url, config.lease_ms);
        rooms.enable_leases(std::move(me));
    }
    // Before the line below: a script that reads it may signal at once, and
    // a signal_set catches (and keeps) a signal from its construction on.
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    // Tests and scripts read this line to learn the port (with --port 0).
    std::printf("maptable-server listening on %s:%u\n", bound.address().to_string().c_str(), bound.port());
    std::fflush(stdout);

    // Staged shutdown on SIGINT/SIGTERM:
    //   1. stop accepting;
    //   2. every room finishes its in-flight commit (acks and events go out)
    //      and closes its members with 1001;
    //   3. then every other connection (not joined, plain HTTP) is closed too;
    //   4. the I/O stops as soon as no connection is left, or when
    //      shutdown_timeout has passed (a client that does not read its close);
    //   5. the commit queue finishes what was queued and closes the database.
    // A second signal stops at once (step 5 still runs).
    boost::asio::steady_timer stop_deadline(io);
    bool shutting_down = false;
    std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int signal) {
        if (ec)
            return;
        if (shutting_down) {
            spdlog::warn("signal {} again: stopping now with {} connections open", signal, connections->live());
            pool.stop();
            return;
        }
        shutting_down = true;
        spdlog::info("signal {}: shutting down ({} connections open)", signal, connections->live());
        signals.async_wait(on_signal);
        acceptor->stop();
        stop_deadline.expires_after(config.limits.shutdown_timeout);
        stop_deadline.async_wait([&](boost::system::error_code ec) {
            if (ec)
                return;
            spdlog::warn("shutdown: {} connections still open after {} s; stopping anyway", connections->live(),
                         config.limits.shutdown_timeout.count());
            pool.stop();
        });
        rooms.shutdown_all(shutdown_reason, [&] {
            spdlog::info("shutdown: every room has finished its commits and closed its members");
            connections->close_all();
            connections->when_empty([&] {
                spdlog::info("shutdown: every connection is closed");
                pool.stop();
            });
        });
    };
    signals.async_wait(on_signal);

    pool.run();
    // Handlers the io_contexts still hold are destroyed with it, later: they
    // must not call back into what this function is about to leave.
    connections->when_empty({});
    work_pool.join(); // folds still running finish (their results go nowhere)
    // No room commits any more and no connection asks: deliveries stop where
    // they are (their cursors resume them at the next start).
    webhook::observe_commits(nullptr);
    net::install_webhooks(nullptr);
    webhooks.reset();
    net::enable_attachments(context, nullptr); // closes the attachment index
    commits.reset();                           // finishes queued commits, closes the database
    spdlog::info("stopped");
    return 0;
}

} // namespace maptable::app
