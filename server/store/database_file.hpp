// Layer: store. The event log's file in the data directory, opened so that
// losing it cannot pass unnoticed.
//
// A database that is deleted, truncated or swapped for another between two
// starts used to be replaced by a new, empty one: all history gone, new
// epochs, writes accepted. So the data directory keeps a marker file,
// maptable.db.id, written when the database is first created and holding the
// database's id (its creation time and 128 random bits, also stored inside
// the database). A start whose marker names a database that is missing,
// empty, or not the file found, is refused, unless --init says a new (or
// different) database is wanted on purpose.
#pragma once

#include "store/sqlite_event_log.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace maptable::store {

// A start refused to protect history; what() is one line that names the
// file and says what to do.
class start_refused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct database_options {
    durability mode = durability::full;
    // Start even though the marker names another database, or one that is
    // missing or empty: a new database is created (or the one found is
    // accepted) and the marker rewritten to name it.
    bool init = false;
};

// <data_dir>/maptable.db and <data_dir>/maptable.db.id.
std::string database_path(const std::string& data_dir);
std::string marker_path(const std::string& data_dir);

// Creates data_dir if needed and checks that files can be created in it.
// Throws std::runtime_error naming the directory and the cause (errno's
// text: "Read-only file system", "Permission denied", "Not a directory") so
// that an unusable directory is not reported as SQLite's bare "unable to
// open database file".
void prepare_data_dir(const std::string& data_dir);

// prepare_data_dir, then opens the server's event log under the marker's
// guard (see above), writing the marker when the directory has none yet (a
// first start, or a directory from before markers). Throws start_refused when
// history would be lost, std::runtime_error when the file cannot be opened.
std::unique_ptr<sqlite_event_log> open_server_log(const std::string& data_dir, const database_options& options);

} // namespace maptable::store
