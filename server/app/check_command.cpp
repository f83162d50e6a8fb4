// Layer: app. The check subcommand: decodes what the store's check cannot
// (events and snapshots are protobuf) and prints the report.
#include "app/check_command.hpp"

#include "maptable/v1/room.pb.h"
#include "store/database_file.hpp"
#include "store/log_check.hpp"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>

namespace po = boost::program_options;

namespace maptable::app {

namespace {

// More than this many problems in one room are summed up, not listed: one
// damaged page can hold hundreds of events.
constexpr std::size_t problems_listed_per_room = 20;

std::string check_event(std::string_view bytes, std::uint64_t seq) {
    maptable::v1::Event event;
    if (!event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return "does not decode";
    if (event.seq() != seq) return "says it is seq " + std::to_string(event.seq());
    return {};
}

std::string check_snapshot(std::string_view bytes, std::uint64_t) {
    maptable::v1::RoomState state;
    if (!state.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return "does not decode";
    return {};
}

} // namespace

int run_check_command(int argc, char** argv) {
    std::string data_dir = "./data";
    po::options_description options("Options");
    options.add_options()("help,h", "print this help")(
        "data-dir", po::value(&data_dir)->default_value(data_dir), "the server's data dir");
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, options), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << "Usage: maptable-server check [--data-dir D]\n"
                         "Verifies the event log: every event's and snapshot's checksum, seqs without gaps, events\n"
                         "that decode, command ids stored once, SQLite's structure. Only reads: safe beside a\n"
                         "running server. Exit status 0: sound; 1: problems (listed by room and seq); 2: cannot check.\n\n"
                      << options;
            return 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "maptable-server check: " << e.what() << "\nTry --help.\n";
        return 2;
    }

    const auto path = store::database_path(data_dir);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        std::cerr << "maptable-server check: no event log at " << path << "\n";
        return 2;
    }
    store::log_check_report report;
    try {
        report = store::check_log(path, check_event, check_snapshot);
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
        if (room.snapshot_seq > 0) std::cout << ", snapshot at seq " << room.snapshot_seq;
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
    for (const auto& problem : report.problems) std::cout << "file: " << problem << "\n";
    if (!report.checksums)
        std::cout << "note: " << path << " is from before checksums; start the server once to add them\n";

    std::cout << path << ": " << report.rooms.size() << " rooms, " << events << " events: ";
    if (report.clean()) {
        std::cout << "no problems found\n";
        return 0;
    }
    std::cout << bad_rooms << (bad_rooms == 1 ? " room" : " rooms") << " with problems"
              << (report.problems.empty() ? "" : ", and the file's own structure is damaged")
              << ". Restore maptable.db from a backup (then run maptable-server reset-epochs)\n";
    return 1;
}

} // namespace maptable::app
