// Layer: app. The check subcommand: decodes what the store's check cannot
// (events and snapshots are protobuf) and prints the report.
#include "app/check_command.hpp"

#include "maptable/v1/network.pb.h"
#include "maptable/v1/room.pb.h"
#include "store/database_file.hpp"
#include "store/log_check.hpp"
#include "store/pg_connection.hpp"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>

namespace po = boost::program_options;

namespace maptable::app {

namespace {

// More than this many problems in one room are summed up, not listed: one
// damaged page can hold hundreds of events.
constexpr std::size_t problems_listed_per_room = 20;

// A log holds a room's Events, or a learning network's NetworkEvents (its
// log `network:{id}` and the index `networks:index`, docs/NETWORKS.md). The
// store's check walks every log alike and does not pass the log's id, so a
// record must decode as one of the two; both carry their seq in field 1.
std::string check_event(std::string_view bytes, std::uint64_t seq)
{
    std::uint64_t stored_seq = 0;
    if (maptable::v1::Event event; event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        stored_seq = event.seq();
    else if (maptable::v1::NetworkEvent change; change.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        stored_seq = change.seq();
    else
        return "does not decode";
    if (stored_seq != seq)
        return "says it is seq " + std::to_string(stored_seq);
    return {};
}

std::string check_snapshot(std::string_view bytes, std::uint64_t)
{
    maptable::v1::RoomState state;
    if (!state.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return "does not decode";
    return {};
}

} // namespace

int run_check_command(int argc, char** argv)
{
    std::string data_dir = "./data";
    std::string store_url;
    po::options_description options("Options");
    options.add_options()("help,h", "print this help")("data-dir", po::value(&data_dir)->default_value(data_dir),
                                                       "the server's data dir")(
        "store", po::value(&store_url),
        "a postgresql:// URL: check the event log in that database instead of <data-dir>/maptable.db "
        "(also MAPTABLE_STORE, so a node's environment file serves)");
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, options), vm);
        // The store URL carries a password: the environment keeps it out of ps.
        po::store(
            po::parse_environment(options, [](const std::string& v) { return v == "MAPTABLE_STORE" ? "store" : ""; }),
            vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << "Usage: maptable-server check [--data-dir D | --store postgresql://...]\n"
                         "Verifies the event log: every event's and snapshot's checksum, seqs without gaps, events\n"
                         "that decode, command ids stored once, the database's structure (SQLite's quick_check;\n"
                         "PostgreSQL's schema version and unique keys). Only reads, in one read-only transaction:\n"
                         "safe beside running servers. Exit status 0: sound; 1: problems (listed by room and seq);\n"
                         "2: cannot check.\n\n"
                      << options;
            return 0;
        }
        if (!store_url.empty() && !store::is_postgres_url(store_url))
            throw std::invalid_argument("--store is a postgresql:// (or postgres://) URL; leave it out for the SQLite "
                                        "file in --data-dir");
    } catch (const std::exception& e) {
        std::cerr << "maptable-server check: " << e.what() << "\nTry --help.\n";
        return 2;
    }

    const bool postgres = !store_url.empty();
    // What the output calls the log: never the URL, which may hold a password.
    const auto path =
        postgres ? "postgresql " + store::describe_postgres_url(store_url) : store::database_path(data_dir);
    std::error_code ec;
    if (!postgres && !std::filesystem::exists(path, ec)) {
        std::cerr << "maptable-server check: no event log at " << path << "\n";
        return 2;
    }
    store::log_check_report report;
    try {
        report = postgres ? store::check_postgres_log(store_url, check_event, check_snapshot)
                          : store::check_log(path, check_event, check_snapshot);
    } catch (const std::exception& e) {
        std::cerr << "maptable-server check: " << e.what() << "\n";
        return 2;
    }

    std::uint64_t events = 0;
    std::size_t bad_rooms = 0;
    for (const auto& room : report.rooms) {
        events += room.events;
        std::cout << "room " << room.room_id << ": ";
        if (room.events == 0)
            std::cout << "no events";
        else
            std::cout << room.events << " events, seq " << room.first_seq << ".." << room.last_seq;
        if (room.snapshot_seq > 0)
            std::cout << ", snapshot at seq " << room.snapshot_seq;
        if (room.problems.empty()) {
            std::cout << ": ok\n";
            continue;
        }
        ++bad_rooms;
        std::cout << ": " << room.problems.size() << (room.problems.size() == 1 ? " problem\n" : " problems\n");
        for (std::size_t i = 0; i < room.problems.size() && i < problems_listed_per_room; ++i)
            std::cout << "  room " << room.room_id << " " << room.problems[i] << "\n";
        if (room.problems.size() > problems_listed_per_room)
            std::cout << "  ... and " << room.problems.size() - problems_listed_per_room << " more\n";
    }
    for (const auto& problem : report.problems)
        std::cout << (postgres ? "database: " : "file: ") << problem << "\n";
    if (!report.checksums)
        std::cout << "note: " << path << " is from before checksums; start the server once to add them\n";

    std::cout << path << ": " << report.rooms.size() << " rooms, " << events << " events: ";
    if (report.clean()) {
        std::cout << "no problems found\n";
        return 0;
    }
    std::cout << bad_rooms << (bad_rooms == 1 ? " room" : " rooms") << " with problems"
              << (report.problems.empty() ? ""
                      : postgres          ? ", and the database's own structure is damaged"
                                          : ", and the file's own structure is damaged")
              << (postgres
                      ? ". Restore the database from a backup (then run maptable-server reset-epochs --store ...)\n"
                      : ". Restore maptable.db from a backup (then run maptable-server reset-epochs)\n");
    return 1;
}

} // namespace maptable::app
