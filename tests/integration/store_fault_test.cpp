// When the store's file is lost, replaced, damaged or full, or its directory
// cannot take files: a real maptable-server on a real SQLite file. Nothing
// unstored is acknowledged, nothing damaged is served, a lost database is
// noticed at the next start, and every refusal names the file and the cause.
// (Its sibling store_fault_room_test.cpp, in the same executable, covers the
// room's side; the test cases here all start with "store fault:".)
#include "http_probe.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sched.h>
#include <sstream>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace maptable;
using namespace maptable::test;
namespace fs = std::filesystem;

namespace {

const std::string listening_prefix = "maptable-server listening on ";

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

std::size_t occurrences(const std::string& text, const std::string& part)
{
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++n;
    return n;
}

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A maptable-server process started by the test itself, for what the shared
// harness cannot do: a start that must fail, a subcommand, or a process with
// limits of its own (setup runs in the child before exec; a non-zero return
// ends the child with status 77, "could not set up").
class spawned {
public:
    spawned(std::vector<std::string> args, const fs::path& stderr_file, std::function<int()> setup = {})
        : stderr_file_(stderr_file)
    {
        args.insert(args.begin(), MAPTABLE_SERVER_BINARY);
        int out[2];
        REQUIRE(::pipe(out) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (err >= 0)
                ::dup2(err, STDERR_FILENO);
            ::close_range(3, ~0U, 0);
            if (setup && setup() != 0)
                ::_exit(77);
            std::vector<char*> argv;
            for (auto& a : args)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        out_ = out[0];
        // The first line tells whether it listens; a command or a refused
        // start prints its output and exits (end of file).
        std::string line;
        char c;
        while (::read(out_, &c, 1) == 1) {
            if (c == '\n') {
                if (line.rfind(listening_prefix, 0) == 0) {
                    started_ = true;
                    port_ = static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)));
                    return;
                }
                stdout_ += line + "\n";
                line.clear();
            } else {
                line.push_back(c);
            }
        }
        stdout_ += line;
        reap();
    }
    ~spawned()
    {
        if (pid_ > 0)
            stop(SIGKILL);
        if (out_ >= 0)
            ::close(out_);
    }
    spawned(const spawned&) = delete;
    spawned& operator=(const spawned&) = delete;

    bool started() const { return started_; }
    unsigned short port() const { return port_; }
    // Exit status once exited (after a refused start, a command, or stop()).
    int status() const { return status_; }
    const std::string& out() const { return stdout_; }
    std::string err() const { return read_file(stderr_file_); }

    int stop(int signal = SIGTERM)
    {
        if (pid_ > 0) {
            ::kill(pid_, signal);
            reap();
        }
        return status_;
    }

private:
    void reap()
    {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    fs::path stderr_file_;
    pid_t pid_ = -1;
    int out_ = -1;
    bool started_ = false;
    unsigned short port_ = 0;
    int status_ = -1;
    std::string stdout_;
};

// The arguments server_process starts the server with, on its data dir and port.
std::vector<std::string> server_args(const server_process& server)
{
    return {"--port",      std::to_string(server.port()),
            "--data-dir",  server.data_dir().string(),
            "--secret",    test_secret,
            "--log-level", "debug"};
}

// Where a spawned process's stderr goes: in the data dir (beside the
// harness's server.log), removed with it.
fs::path stderr_path(const server_process& server, const std::string& name)
{
    return server.data_dir() / (name + ".err");
}

// Flips one bit of a stored event's body through a second connection, the
// way a damaged sector would change it: the row's checksum stays as it was.
void damage_event_body(const std::string& db_path, const std::string& room, std::uint64_t seq)
{
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* read = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT body FROM events WHERE room = ?1 AND seq = ?2", -1, &read, nullptr) ==
            SQLITE_OK);
    sqlite3_bind_text(read, 1, room.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(read, 2, static_cast<sqlite3_int64>(seq));
    REQUIRE(sqlite3_step(read) == SQLITE_ROW);
    std::string body(static_cast<const char*>(sqlite3_column_blob(read, 0)), sqlite3_column_bytes(read, 0));
    sqlite3_finalize(read);
    body[body.size() - 2] ^= 0x01; // inside the message text, which ends the encoding
    sqlite3_stmt* write = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "UPDATE events SET body = ?3 WHERE room = ?1 AND seq = ?2", -1, &write, nullptr) ==
            SQLITE_OK);
    sqlite3_bind_text(write, 1, room.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(write, 2, static_cast<sqlite3_int64>(seq));
    sqlite3_bind_blob(write, 3, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(write) == SQLITE_DONE);
    sqlite3_finalize(write);
    sqlite3_close(db);
}

} // namespace

TEST_CASE("store fault: a database emptied or deleted between starts is refused until --init starts anew")
{
    server_process server;
    {
        client ana(server.options("lost", "ana"));
        join_or_fail(ana);
        REQUIRE(ana.send_chat("history that must not vanish unnoticed").get().ok);
    }
    REQUIRE(server.stop() == 0);
    const auto db = server.db_path();
    std::string state;
    SUBCASE("truncated to 0 bytes")
    {
        fs::resize_file(db, 0);
        state = "empty";
    }
    SUBCASE("deleted")
    {
        fs::remove(db);
        state = "missing";
    }

    spawned refused(server_args(server), stderr_path(server, "refused"));
    INFO("stderr: " << refused.err());
    CHECK_FALSE(refused.started());
    CHECK(refused.status() == 1);
    // One line, naming the file, what is wrong and what to do.
    CHECK(occurrences(refused.err(), "\n") == 1);
    CHECK(contains(refused.err(), db));
    CHECK(contains(refused.err(), state));
    CHECK(contains(refused.err(), "--init"));
    // The refusal created nothing in the database's place.
    CHECK((state == "empty" ? fs::file_size(db) == 0 : !fs::exists(db)));

    // --init starts a new, empty database on purpose; later starts accept it.
    auto init_args = server_args(server);
    init_args.push_back("--init");
    spawned anew(init_args, stderr_path(server, "init"));
    INFO("stderr: " << anew.err());
    REQUIRE(anew.started());
    CHECK(anew.stop() == 0);
    server.start();
    client ben(server.options("lost", "ben"));
    join_or_fail(ben);
    CHECK(ben.seq() == 0);
}

TEST_CASE("store fault: a database replaced by another between starts is refused")
{
    server_process ours;
    server_process theirs;
    {
        client ana(theirs.options("elsewhere", "ana"));
        join_or_fail(ana);
        REQUIRE(ana.send_chat("another server's history").get().ok);
    }
    REQUIRE(ours.stop() == 0);
    REQUIRE(theirs.stop() == 0);
    fs::copy_file(theirs.db_path(), ours.db_path(), fs::copy_options::overwrite_existing);

    spawned refused(server_args(ours), stderr_path(ours, "refused"));
    INFO("stderr: " << refused.err());
    CHECK_FALSE(refused.started());
    CHECK(refused.status() == 1);
    CHECK(contains(refused.err(), ours.db_path()));
    CHECK(contains(refused.err(), "replaced"));
    CHECK(contains(refused.err(), "--init"));
}

TEST_CASE("store fault: a database deleted or replaced while the server runs stops every write and says so")
{
    server_process server;
    client ana(server.options("unlinked", "ana"));
    client ben(server.options("unlinked", "ben"));
    event_recorder ben_sees(ben);
    join_or_fail(ana);
    join_or_fail(ben);
    const auto first = ana.send_chat("stored while the file was there").get();
    REQUIRE(first.ok);
    CHECK(http_request(server.port(), "/healthz").status == 200);

    const auto db = server.db_path();
    bool deleted = false;
    SUBCASE("deleted")
    {
        fs::remove(db);
        deleted = true;
    }
    SUBCASE("replaced")
    {
        // A copy renamed over it, as a restore script would: same bytes, another file.
        fs::copy_file(db, db + ".restored");
        fs::rename(db + ".restored", db);
    }

    const auto refused = ana.send_chat("into a file that is gone").get();
    CHECK_FALSE(refused.ok);
    CHECK(refused.code == pb::ERROR_CODE_STORE_UNAVAILABLE);
    // For good: writes stay refused, the health check says why.
    const auto again = ana.send_chat("still refused").get();
    CHECK_FALSE(again.ok);
    CHECK(again.code == pb::ERROR_CODE_STORE_UNAVAILABLE);
    CHECK(http_request(server.port(), "/healthz").status == 503);
    INFO("server log:\n" << server.log());
    CHECK(occurrences(server.log(), "is no longer the database this server opened") == 1);
    CHECK(contains(server.log(), db));

    // Nothing that was refused was shown to anyone.
    const auto ping = ben.send_chat("ben's, refused as well").get();
    CHECK_FALSE(ping.ok);
    for (const auto& e : ben_sees.events())
        CHECK(e.seq() <= first.seq);

    if (deleted) {
        // And the next start notices the loss instead of starting empty.
        server.kill9();
        spawned restart(server_args(server), stderr_path(server, "restart"));
        CHECK_FALSE(restart.started());
        CHECK(contains(restart.err(), "missing"));
    }
}

TEST_CASE("store fault: a flipped byte in a stored chat message fails the room's load, and check names room and seq")
{
    server_process server;
    std::uint64_t damaged_seq = 0;
    {
        client ana(server.options("flip", "ana"));
        join_or_fail(ana);
        REQUIRE(ana.send_chat("an ordinary first message").get().ok);
        const auto target = ana.send_chat("flip-target-0123456789").get();
        REQUIRE(target.ok);
        damaged_seq = target.seq;
        REQUIRE(ana.send_chat("an ordinary last message").get().ok);
    }
    // A clean stop checkpoints the WAL into the database file.
    REQUIRE(server.stop() == 0);
    const auto check_args = std::vector<std::string>{"check", "--data-dir", server.data_dir().string()};
    {
        spawned check(check_args, stderr_path(server, "check-clean"));
        INFO("check: " << check.out() << check.err());
        CHECK(check.status() == 0);
        CHECK(contains(check.out(), "room flip: "));
        CHECK(contains(check.out(), ": ok"));
    }

    // One bit, on disk, in the message's text.
    auto bytes = read_file(server.db_path());
    const std::string text = "flip-target-0123456789";
    REQUIRE(occurrences(bytes, text) >= 1);
    for (auto at = bytes.find(text); at != std::string::npos; at = bytes.find(text, at + 1))
        bytes[at + 12] ^= 0x01; // '0' becomes '1'
    std::ofstream(server.db_path(), std::ios::binary | std::ios::trunc) << bytes;

    {
        spawned check(check_args, stderr_path(server, "check-damaged"));
        INFO("check: " << check.out() << check.err());
        CHECK(check.status() == 1);
        CHECK(contains(check.out(),
                       "room flip seq " + std::to_string(damaged_seq) + ": the event does not match its checksum"));
    }

    server.start();
    client ben(server.options("flip", "ben"));
    const auto joined = ben.connect().get();
    CHECK_FALSE(joined.ok);
    CHECK(joined.code == pb::ERROR_CODE_ROOM_UNAVAILABLE);
    INFO("server log:\n" << server.log());
    CHECK(contains(server.log(), "room=flip failed to load"));
    CHECK(contains(server.log(), "room flip seq " + std::to_string(damaged_seq)));
    // Other rooms are served as usual.
    client cleo(server.options("unharmed", "cleo"));
    join_or_fail(cleo);
}

TEST_CASE("store fault: a damaged chat message met by chat history or replay is reported, never served")
{
    server_process server;
    client ana(server.options("pages", "ana"));
    join_or_fail(ana);
    REQUIRE(ana.send_chat("first").get().ok);
    const auto target = ana.send_chat("this one gets damaged").get();
    REQUIRE(target.ok);
    const auto last = ana.send_chat("last").get();
    REQUIRE(last.ok);
    REQUIRE(ana.chat_history(0, 50).get().ok);

    // The room is loaded; the damage is found where the log is read again.
    damage_event_body(server.db_path(), "pages", target.seq);

    const auto page = ana.chat_history(0, 50).get();
    CHECK_FALSE(page.ok);
    CHECK(page.error.code == pb::ERROR_CODE_STORE_UNAVAILABLE);
    // Not the present, which the room answers from memory: a replay reads the log.
    const auto replayed = ana.state_at_seq(target.seq).get();
    CHECK_FALSE(replayed.ok);
    CHECK(replayed.error.code == pb::ERROR_CODE_STORE_UNAVAILABLE);
    INFO("server log:\n" << server.log());
    CHECK(occurrences(server.log(), "room pages seq " + std::to_string(target.seq)) >= 2);
    // What does not touch the damaged row is still served.
    const auto older = ana.chat_history(target.seq, 50).get();
    CHECK(older.ok);
}

TEST_CASE("store fault: a full disk refuses the write with STORE_UNAVAILABLE; exactly what was acked survives")
{
    server_process server({"--durability", "normal", "--command-rate", "100000", "--command-burst", "100000"});
    REQUIRE(server.stop() == 0);
    // A file-size limit stands in for a full disk: past it the kernel refuses
    // the write (EFBIG; SIGXFSZ ignored), as it refuses one with ENOSPC on a
    // full disk, and SQLite reports both as a failed write. 2 MiB: the empty
    // database is about 100 KiB, and the WAL grows by several pages a commit.
    auto args = server_args(server);
    args.insert(args.end(), {"--durability", "normal", "--command-rate", "100000", "--command-burst", "100000"});
    spawned full(args, stderr_path(server, "full"), [] {
        ::signal(SIGXFSZ, SIG_IGN); // kept across exec: the server sees EFBIG instead of dying
        const rlimit limit{2 << 20, 2 << 20};
        return ::setrlimit(RLIMIT_FSIZE, &limit);
    });
    REQUIRE(full.started());

    command_result last_acked;
    command_result refused;
    {
        client ana(server.options("full", "ana"));
        join_or_fail(ana);
        for (int i = 0; i < 5000 && refused.code == pb::ERROR_CODE_UNSPECIFIED; ++i) {
            auto r = ana.send_chat(std::to_string(i) + std::string(3900, static_cast<char>('a' + i % 26))).get();
            if (r.ok)
                last_acked = r;
            else
                refused = r;
        }
    }
    INFO("server log:\n" << full.err());
    REQUIRE_FALSE(refused.ok);
    CHECK(refused.code == pb::ERROR_CODE_STORE_UNAVAILABLE);
    REQUIRE(last_acked.ok);
    full.stop(SIGKILL);

    // With room on the disk again: every acked message is there, the refused one is not.
    server.start();
    client reader(server.options("full", "reader"));
    join_or_fail(reader);
    CHECK(reader.seq() == last_acked.seq);
    spawned check({"check", "--data-dir", server.data_dir().string()}, stderr_path(server, "check"));
    INFO("check: " << check.out());
    CHECK(check.status() == 0);
}

TEST_CASE("store fault: a data dir that cannot take files is named with the cause")
{
    server_process scratch; // for a place to keep stderr files
    REQUIRE(scratch.stop() == 0);
    const auto start_in = [&](const std::string& data_dir, std::function<int()> setup = {}) {
        return std::make_unique<spawned>(
            std::vector<std::string>{"--port", "0", "--data-dir", data_dir, "--secret", test_secret},
            stderr_path(scratch, "dir"), std::move(setup));
    };

    SUBCASE("a directory this process may not write (sysfs refuses files even to root)")
    {
        const std::string dir = "/sys/kernel";
        const auto probe = dir + "/maptable-probe";
        const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
        const int error = errno;
        if (fd >= 0) {
            ::close(fd);
            ::unlink(probe.c_str());
            MESSAGE("this system lets the test create files in " << dir << ": case not checked");
            return;
        }
        auto server = start_in(dir);
        INFO("stderr: " << server->err());
        CHECK_FALSE(server->started());
        CHECK(server->status() == 1);
        CHECK(contains(server->err(), "the data directory " + dir + " is not writable: " + std::strerror(error)));
    }
    SUBCASE("a file where the directory should be")
    {
        const auto file = (scratch.data_dir() / "secret-file").string();
        std::ofstream(file) << "not a directory\n";
        auto server = start_in(file);
        INFO("stderr: " << server->err());
        CHECK_FALSE(server->started());
        CHECK(contains(server->err(), file));
        CHECK(contains(server->err(), std::strerror(ENOTDIR)));
    }
    SUBCASE("a read-only file system")
    {
        // A read-only tmpfs in a mount namespace of the server's own, where
        // the test may create one (root with CAP_SYS_ADMIN); else not checked.
        const auto mount_point = scratch.data_dir() / "read-only";
        fs::create_directories(mount_point);
        auto server = start_in(mount_point.string(), [at = mount_point.string()] {
            if (::unshare(CLONE_NEWNS) != 0)
                return 1;
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
                return 1;
            return ::mount("tmpfs", at.c_str(), "tmpfs", MS_RDONLY, nullptr);
        });
        if (server->status() == 77) {
            MESSAGE("cannot mount a read-only file system here: case not checked");
            return;
        }
        INFO("stderr: " << server->err());
        CHECK_FALSE(server->started());
        CHECK(contains(server->err(),
                       "the data directory " + mount_point.string() + " is not writable: " + std::strerror(EROFS)));
    }
}
