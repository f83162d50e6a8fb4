// maptable-server: the real-time map room server.
//
//   maptable-server [options]           serve HTTP and WebSocket on one port
//   maptable-server token [options]     mint a join token
//   maptable-server reset-epochs        new history epochs after a restore
//   maptable-server check               verify the event log (checksums, seqs, decoding)
//   maptable-server migrate-store       copy the SQLite event log into PostgreSQL, verified
#include "app/check_command.hpp"
#include "app/config.hpp"
#include "app/epoch_command.hpp"
#include "app/migrate_command.hpp"
#include "app/server.hpp"
#include "app/token_command.hpp"
#include "store/database_file.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <malloc.h>

#include <cstring>
#include <iostream>

namespace {

// How the server's heap grows. A cold server's first join storm into a
// large room holds every joiner's Welcome at once (2.5 MB each for a
// 10 000-feature room, 200 of them): with glibc's defaults each is a fresh
// mmap of 4 KiB pages, faulted in one by one and unmapped after its write
// (tens of thousands of minor faults, most of the storm's CPU on a VM where
// a fault is costly). Blocks up to 32 MiB come from the heap instead, which
// grows 64 MiB at a time and gives memory back only once 256 MiB at its top
// are free, so a storm reuses the pages the last one faulted in. Set before
// anything allocates much. (glibc only; a sanitizer's allocator ignores it.)
void tune_heap_growth()
{
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TOP_PAD, 64 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
}

} // namespace

int main(int argc, char** argv)
{
    using namespace maptable::app;
    if (argc > 1 && std::strcmp(argv[1], "token") == 0)
        return run_token_command(argc - 1, argv + 1);
    if (argc > 1 && std::strcmp(argv[1], "reset-epochs") == 0)
        return run_reset_epochs_command(argc - 1, argv + 1);
    if (argc > 1 && std::strcmp(argv[1], "check") == 0)
        return run_check_command(argc - 1, argv + 1);
    if (argc > 1 && std::strcmp(argv[1], "migrate-store") == 0)
        return run_migrate_store_command(argc - 1, argv + 1);

    tune_heap_growth();
    int exit_code = 0;
    auto config = parse_server_args(argc, argv, exit_code);
    if (!config)
        return exit_code;
    // Logs go to stderr; stdout carries only the "listening on" line scripts read.
    spdlog::set_default_logger(spdlog::stderr_color_mt("maptable"));
    spdlog::set_level(spdlog::level::from_str(config->log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    try {
        return run_server(*config);
    } catch (const maptable::store::start_refused& e) {
        // One line, on stderr only: the log's copy would say the same twice.
        std::cerr << "maptable-server: refusing to start: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        spdlog::critical("cannot start: {}", e.what());
        std::cerr << "maptable-server: cannot start: " << e.what() << "\n";
        return 1;
    }
}
