// Test support: a real PostgreSQL for one test process, started from
// Debian's packages (/usr/lib/postgresql/<version>/bin): initdb into a fresh
// temp dir, pg_ctl start on a free port with its socket in that dir, stopped
// and removed when the process ends. initdb refuses to run as root, so as
// root (CI) the cluster belongs to the `postgres` user the package creates,
// and its commands run through runuser. Each test takes a database of its
// own (create_database), so suites and cases never see each other's rows.
//
// available() is false only when the binaries are not installed; tests then
// skip (deploy/setup.sh installs them). Any other failure to start throws.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <netinet/in.h>
#include <pwd.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace maptable::testing {

class postgres_server {
public:
    // The process's server, started on first use; nullptr when PostgreSQL's
    // binaries are not installed.
    static postgres_server* shared()
    {
        static const std::unique_ptr<postgres_server> server = start();
        return server.get();
    }

    ~postgres_server()
    {
        run(pg_ctl_ + " -D " + data_dir() + " -m immediate -w stop >/dev/null 2>&1");
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    postgres_server(const postgres_server&) = delete;
    postgres_server& operator=(const postgres_server&) = delete;

    unsigned short port() const { return port_; }

    // A URL for database name over TCP on 127.0.0.1, as a deployment would give it.
    std::string url(const std::string& database) const
    {
        return "postgresql://maptable@127.0.0.1:" + std::to_string(port_) + "/" + database;
    }

    // A new, empty database; returns its URL.
    std::string create_database()
    {
        static std::atomic<int> counter{0};
        const std::string name = "test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        exec("postgres", "CREATE DATABASE " + name);
        return url(name);
    }

    // Runs sql (no results) in database as the superuser; throws on failure.
    void exec(const std::string& database, const std::string& sql) const
    {
        PGconn* conn = PQconnectdb(url(database).c_str());
        if (PQstatus(conn) != CONNECTION_OK) {
            const std::string message = PQerrorMessage(conn);
            PQfinish(conn);
            throw std::runtime_error("test postgres: cannot connect: " + message);
        }
        PGresult* result = PQexec(conn, sql.c_str());
        const auto status = PQresultStatus(result);
        const std::string message = PQresultErrorMessage(result);
        PQclear(result);
        PQfinish(conn);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
            throw std::runtime_error("test postgres: " + sql + ": " + message);
    }

    // The database name at the end of a URL from url().
    static std::string database_of(const std::string& url) { return url.substr(url.rfind('/') + 1); }

    // Ends every connection to database but the caller's: what a restart of
    // the server or a network cut does to a client's connection.
    void cut_connections(const std::string& database) const
    {
        exec("postgres",
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database +
                 "' AND pid <> pg_backend_pid()");
    }

private:
    postgres_server() = default;

    static std::string binaries()
    {
        namespace fs = std::filesystem;
        std::error_code ec;
        for (const char* version : {"15", "16", "17", "14", "13"}) {
            const auto bin = fs::path("/usr/lib/postgresql") / version / "bin";
            if (fs::exists(bin / "initdb", ec) && fs::exists(bin / "pg_ctl", ec))
                return bin.string();
        }
        return {};
    }

    static int run(const std::string& command) { return std::system(command.c_str()); }

    std::string data_dir() const { return (dir_ / "data").string(); }

    static unsigned short free_port()
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        socklen_t size = sizeof address;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0)
            throw std::runtime_error("test postgres: no free port");
        ::close(fd);
        return ntohs(address.sin_port);
    }

    static std::unique_ptr<postgres_server> start()
    {
        const auto bin = binaries();
        if (bin.empty())
            return nullptr;
        std::unique_ptr<postgres_server> server(new postgres_server);
        char pattern[] = "/tmp/maptable-pg-XXXXXX";
        if (::mkdtemp(pattern) == nullptr)
            throw std::runtime_error("test postgres: cannot create a temp dir");
        server->dir_ = pattern;
        std::string as_user;
        if (::geteuid() == 0) {
            const passwd* user = ::getpwnam("postgres");
            if (user == nullptr)
                throw std::runtime_error("test postgres: running as root, and there is no postgres user");
            if (::chown(pattern, user->pw_uid, user->pw_gid) != 0)
                throw std::runtime_error("test postgres: cannot give the temp dir to postgres");
            as_user = "runuser -u postgres -- ";
        }
        server->pg_ctl_ = as_user + bin + "/pg_ctl";
        const std::string dir = server->dir_.string();
        const std::string log = dir + "/setup.log";
        if (run(as_user + bin + "/initdb -D " + server->data_dir() +
                " -U maptable -A trust -E UTF8 --locale=C --no-sync >" + log + " 2>&1") != 0)
            throw std::runtime_error("test postgres: initdb failed; see " + log);
        // A port taken between free_port and the start makes pg_ctl fail:
        // try a few.
        for (int attempt = 0;; ++attempt) {
            server->port_ = free_port();
            const std::string options = "-p " + std::to_string(server->port_) + " -k " + dir +
                " -c listen_addresses=127.0.0.1 -c max_connections=200";
            if (run(server->pg_ctl_ + " -D " + server->data_dir() + " -l " + dir + "/server.log -w -t 60 -o '" +
                    options + "' start >>" + log + " 2>&1") == 0)
                break;
            if (attempt == 4)
                throw std::runtime_error("test postgres: pg_ctl start failed; see " + dir + "/server.log");
        }
        return server;
    }

    std::filesystem::path dir_;
    std::string pg_ctl_;
    unsigned short port_ = 0;
};

} // namespace maptable::testing

// In a doctest case: binds `server` to the process's PostgreSQL, or ends the
// case with a message when its binaries are not installed.
#define SKIP_WITHOUT_POSTGRES(server)                                                                                  \
    auto* server = maptable::testing::postgres_server::shared();                                                       \
    if (server == nullptr) {                                                                                           \
        MESSAGE("skipped: PostgreSQL's binaries are not installed (deploy/setup.sh installs them)");                   \
        return;                                                                                                        \
    }
