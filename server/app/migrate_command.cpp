// Layer: app. The migrate-store subcommand (see migrate_command.hpp): the
// store layer copies the tables; this checks the copy the way the server
// would read it, room by room, through the event_log interface.
#include "app/migrate_command.hpp"

#include "model/room_state.hpp"
#include "store/database_file.hpp"
#include "store/pg_connection.hpp"
#include "store/postgres_event_log.hpp"
#include "store/sqlite_event_log.hpp"
#include "store/store_migration.hpp"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>

namespace po = boost::program_options;

namespace maptable::app {

std::string stored_room_hash(store::event_log& log, const std::string& room_id)
{
    const auto history = log.load(room_id);
    model::room_state state(room_id);
    if (history.snapshot) {
        model::pb::RoomState snapshot;
        if (!snapshot.ParseFromString(*history.snapshot))
            throw std::runtime_error("room " + room_id + ": its snapshot does not decode");
        state = model::room_state::from_proto(snapshot);
    }
    std::uint64_t seq = history.first_event_seq;
    for (const auto& bytes : history.events) {
        if (seq++ <= history.snapshot_seq)
            continue;
        model::pb::Event event;
        if (!event.ParseFromString(bytes) || !state.apply(event))
            throw std::runtime_error("room " + room_id + ": its log does not replay at seq " + std::to_string(seq - 1));
    }
    return state.canonical_hash();
}

int run_migrate_store_command(int argc, char** argv)
{
    std::string from;
    std::string to;
    po::options_description options("Options");
    options.add_options()("help,h", "print this help")(
        "from", po::value(&from), "sqlite:DIR: the data dir whose maptable.db is copied (a bare DIR too)")(
        "to", po::value(&to), "postgresql://user:password@host:port/database: an empty database to copy into");
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, options), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << "Usage: maptable-server migrate-store --from sqlite:DIR --to postgresql://...\n"
                         "Copies the event log (events, snapshots, epochs, revocations, room catalogue) from the\n"
                         "SQLite file into an empty PostgreSQL database in one transaction, then rebuilds every room\n"
                         "from both and compares their state hashes. Stop the server first; start it again with\n"
                         "--store <the URL>. Exit status 0: copied and verified; 1: failed (nothing usable copied).\n\n"
                      << options;
            return 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "maptable-server migrate-store: " << e.what() << "\nTry --help.\n";
        return 2;
    }
    if (from.rfind("sqlite:", 0) == 0)
        from = from.substr(7);
    if (from.empty() || !store::is_postgres_url(to)) {
        std::cerr << "maptable-server migrate-store: give --from sqlite:DIR and --to postgresql://...\nTry --help.\n";
        return 2;
    }
    const auto path = store::database_path(from);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        std::cerr << "maptable-server migrate-store: no event log at " << path << "\n";
        return 1;
    }
    try {
        store::postgres_event_log target(to);
        const auto where = target.where();
        std::cout << "copying " << path << " to postgresql://" << where << "\n";
        const auto counts = store::copy_sqlite_to_postgres(path, target);
        std::cout << "copied " << counts.rooms << " rooms, " << counts.events << " events, " << counts.snapshots
                  << " snapshots, " << counts.revocations << " revocations, " << counts.catalog_entries
                  << " catalogue entries\n";

        store::sqlite_event_log source(path, store::durability::full, store::log_access::read_only);
        std::size_t differing = 0;
        const auto rooms = store::sqlite_room_ids(path);
        for (const auto& room : rooms) {
            const auto before = stored_room_hash(source, room);
            const auto after = stored_room_hash(target, room);
            if (before != after) {
                ++differing;
                std::cout << "room " << room << ": state hash " << before << " in SQLite, " << after
                          << " in PostgreSQL\n";
            }
        }
        const auto revocations_equal = source.revocations() == target.revocations();
        if (differing > 0 || !revocations_equal) {
            std::cerr << "maptable-server migrate-store: the copy differs from the original (" << differing << " rooms"
                      << (revocations_equal ? "" : ", the revocations") << "); keep using " << path
                      << " and report this\n";
            return 1;
        }
        std::cout << "verified: all " << rooms.size() << " rooms have the same state hash in both stores\n"
                  << "start the server with --store postgresql://" << where << " (with your credentials)\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "maptable-server migrate-store: " << e.what() << "\n";
        return 1;
    }
}

} // namespace maptable::app
