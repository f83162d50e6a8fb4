// Layer: store. The data directory's checks before the event log opens, and
// its marker file. Runs once at start-up, on the main thread, before any
// event loop: blocking file calls are fine here.
#include "store/database_file.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace maptable::store {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int error)
{
    return std::strerror(error);
}

// The id in the marker: its first line that is not a comment. nullopt when
// there is no marker.
std::optional<std::string> read_marker(const std::string& path)
{
    std::error_code ec;
    if (!fs::exists(path, ec) && !ec)
        return std::nullopt;
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read " + path + ": " + errno_text(errno));
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (!line.empty() && line.front() != '#')
            return line;
    }
    return std::string(); // a marker without an id: refused like a mismatch
}

// Writes the marker whole or not at all: a temporary file, flushed to disk,
// renamed over the old one, and the directory flushed so the rename lasts.
void write_marker(const std::string& data_dir, const std::string& id)
{
    const std::string path = marker_path(data_dir);
    const std::string temporary = path + ".tmp";
    const std::string text = "# maptable: the id of maptable.db in this directory, written when it was created.\n"
                             "# The server refuses to start when maptable.db is missing, empty or another database;\n"
                             "# see docs/RELIABILITY.md (--init starts a new database on purpose). Do not edit.\n" +
        id + "\n";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot write " + temporary + ": " + errno_text(errno));
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    if (!written)
        throw std::runtime_error("cannot write " + temporary + ": " + errno_text(error));
    if (::rename(temporary.c_str(), path.c_str()) != 0)
        throw std::runtime_error("cannot rename " + temporary + " to " + path + ": " + errno_text(errno));
    const int dir = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

// A -wal or -shm file beside a database that is gone would be read into the
// new one SQLite creates; with --init, moved aside rather than deleted, in
// case someone wants to look at what it held.
void move_aside_leftovers(const std::string& db)
{
    for (const char* suffix : {"-wal", "-shm"}) {
        const std::string leftover = db + suffix;
        std::error_code ec;
        if (!fs::exists(leftover, ec))
            continue;
        const std::string aside = leftover + ".orphaned-" + std::to_string(std::time(nullptr));
        fs::rename(leftover, aside, ec);
        if (ec)
            throw std::runtime_error("cannot move " + leftover + " aside: " + ec.message());
        spdlog::warn("--init: moved {} (left by the lost database) to {}", leftover, aside);
    }
}

} // namespace

std::string database_path(const std::string& data_dir)
{
    return (fs::path(data_dir) / "maptable.db").string();
}

std::string marker_path(const std::string& data_dir)
{
    return (fs::path(data_dir) / "maptable.db.id").string();
}

void prepare_data_dir(const std::string& data_dir)
{
    std::error_code ec;
    const auto status = fs::status(data_dir, ec);
    if (fs::exists(status) && !fs::is_directory(status))
        throw std::runtime_error("the data directory " + data_dir + " is not a directory (" + errno_text(ENOTDIR) +
                                 "); choose another with --data-dir");
    if (!fs::exists(status)) {
        fs::create_directories(data_dir, ec);
        if (ec)
            throw std::runtime_error("cannot create the data directory " + data_dir + ": " + ec.message() +
                                     "; create it, or choose another with --data-dir");
    }
    // The event log needs to create maptable.db and its -wal and -shm files
    // here: try creating a file, which is what fails on a read-only mount or
    // without write permission.
    const std::string probe = (fs::path(data_dir) / (".maptable-write-check-" + std::to_string(::getpid()))).string();
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int error = errno;
        throw std::runtime_error("the data directory " + data_dir + " is not writable: " + errno_text(error) +
                                 ". The event log creates maptable.db and its -wal and -shm files there: make it "
                                 "writable for this user (or mount it read-write), or choose another with --data-dir");
    }
    ::close(fd);
    ::unlink(probe.c_str());
}

std::unique_ptr<sqlite_event_log> open_server_log(const std::string& data_dir, const database_options& options)
{
    prepare_data_dir(data_dir);
    const std::string db = database_path(data_dir);
    const std::string marker = marker_path(data_dir);
    const auto expected = read_marker(marker);

    std::error_code ec;
    const bool exists = fs::exists(db, ec);
    const auto size = exists ? fs::file_size(db, ec) : 0;
    const bool lost = !exists || size == 0;
    if (expected && lost) {
        const std::string state = exists ? "empty (0 bytes)" : "missing";
        if (!options.init)
            throw start_refused(db + " is " + state + ", but " + marker + " records that database " + *expected +
                                " was created here: starting would begin a new, empty history. Restore maptable.db "
                                "from a backup (then run maptable-server reset-epochs), or start with --init to "
                                "create a new, empty database on purpose");
        spdlog::warn("--init: {} is {}; creating a new, empty database in place of {}", db, state, *expected);
        move_aside_leftovers(db);
    }

    auto log = std::make_unique<sqlite_event_log>(db, options.mode);
    const std::string& id = log->database_id();
    if (expected && !lost && *expected != id) {
        if (!options.init)
            throw start_refused(db + " is database " + (id.empty() ? "(without an id)" : id) + ", but " + marker +
                                " records " + (expected->empty() ? "(no id)" : *expected) +
                                ": the file was replaced by another database (a backup of this one keeps its id). Put "
                                "the right file back; or, to serve this other database on purpose, start once with "
                                "--init to accept it");
        spdlog::warn("--init: accepting {} (database {}) in place of database {}", db, id, *expected);
    }
    if (!expected || *expected != id) {
        write_marker(data_dir, id);
        if (!expected)
            spdlog::info("store: {} is database {}; its id is kept in {}", db, id, marker);
    }
    return log;
}

} // namespace maptable::store
