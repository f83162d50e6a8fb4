// Layer: app. The reset-epochs subcommand (see epoch_command.hpp).
#include "app/epoch_command.hpp"

#include "store/database_file.hpp"
#include "store/postgres_event_log.hpp"
#include "store/sqlite_event_log.hpp"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>

namespace po = boost::program_options;

namespace maptable::app {

int run_reset_epochs_command(int argc, char** argv)
{
    std::string data_dir = "./data";
    std::string store_url;
    po::options_description options("Options");
    options.add_options()("help,h", "print this help")("data-dir", po::value(&data_dir)->default_value(data_dir),
                                                       "the server's data dir")(
        "store", po::value(&store_url),
        "a postgresql:// URL: rotate the epochs there instead of in <data-dir>/maptable.db");
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, options), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout
                << "Usage: maptable-server reset-epochs [--data-dir D | --store postgresql://...]\n"
                   "Gives every room a new history epoch; run it after restoring a backup, with the server stopped.\n\n"
                << options;
            return 0;
        }
        if (!store_url.empty()) {
            store::postgres_event_log log(store_url);
            std::cout << "new epochs for " << log.rotate_epochs() << " rooms\n";
            return 0;
        }
        const auto path = store::database_path(data_dir);
        if (!std::filesystem::exists(path)) {
            std::cerr << "maptable-server reset-epochs: no event log at " << path << "\n";
            return 1;
        }
        store::sqlite_event_log log(path);
        std::cout << "new epochs for " << log.rotate_epochs() << " rooms\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "maptable-server reset-epochs: " << e.what() << "\n";
        return 1;
    }
}

} // namespace maptable::app
