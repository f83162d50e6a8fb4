#include "server_process.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace maptable::test {
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir()
{
    std::random_device rd;
    auto dir = fs::temp_directory_path() / ("maptable-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir);
    return dir;
}

std::int64_t unix_now()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

server_process::server_process(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)), data_dir_(fresh_dir())
{
    start();
}

server_process::~server_process()
{
    if (pid_ > 0)
        kill9();
    std::error_code ignored;
    if (!std::getenv("MAPTABLE_KEEP_TEST_DATA"))
        fs::remove_all(data_dir_, ignored);
}

void server_process::start()
{
    REQUIRE(pid_ <= 0);
    int out[2];
    REQUIRE(::pipe(out) == 0);
    // A restart keeps the port, so reconnecting clients find the server again.
    std::vector<std::string> args = {MAPTABLE_SERVER_BINARY,
                                     "--port",
                                     std::to_string(port_),
                                     "--data-dir",
                                     data_dir_.string(),
                                     "--secret",
                                     test_secret,
                                     "--log-level",
                                     "debug"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    const auto log_path = (data_dir_ / "server.log").string();

    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (log >= 0)
            ::dup2(log, STDERR_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        // The test's own sockets (clients, proxies) must not live on in the
        // server: a restarted server holding them would keep connections the
        // test closed open.
        ::close_range(3, ~0U, 0);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        std::perror("execv maptable-server");
        ::_exit(127);
    }
    ::close(out[1]);
    // The server prints exactly one line on stdout once it listens.
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n')
        line.push_back(c);
    ::close(out[0]);
    const std::string prefix = "maptable-server listening on ";
    INFO("server log:\n" << log());
    REQUIRE_MESSAGE(line.rfind(prefix, 0) == 0, "server did not start: '" << line << "'");
    port_ = static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)));
}

int server_process::stop()
{
    REQUIRE(pid_ > 0);
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void server_process::kill9()
{
    REQUIRE(pid_ > 0);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::string server_process::url() const
{
    return "ws://127.0.0.1:" + std::to_string(port_) + "/v1/ws";
}

std::string server_process::log() const
{
    std::ifstream in(data_dir_ / "server.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string server_process::token(const std::string& room, const std::string& name, pb::Role role,
                                  std::int64_t ttl_seconds) const
{
    auth::join_claims claims;
    claims.room = room;
    claims.subject = name;
    claims.name = name;
    claims.role = role;
    claims.expires_at = unix_now() + ttl_seconds;
    return auth::mint_join_token(claims, test_secret);
}

client_options server_process::options(const std::string& room, const std::string& name, pb::Role role) const
{
    client_options o;
    o.url = url();
    o.room_id = room;
    o.token = token(room, name, role);
    return o;
}

event_recorder::event_recorder(client& c) : client_(c), start_seq_(c.seq())
{
    c.on_event([this](const pb::Event& e) {
        std::lock_guard lock(mutex_);
        events_.push_back(e);
        recorded_seq_ = std::max(recorded_seq_, e.seq());
        changed_.notify_all();
    });
    c.on_presence([this](const pb::PresenceUpdate& p) {
        std::lock_guard lock(mutex_);
        presence_.push_back(p);
        changed_.notify_all();
    });
    c.on_participant_joined([this](const pb::Participant& p) {
        std::lock_guard lock(mutex_);
        joined_.push_back(p.id());
        changed_.notify_all();
    });
    c.on_participant_left([this](const std::string& id) {
        std::lock_guard lock(mutex_);
        left_.push_back(id);
        changed_.notify_all();
    });
    c.on_closed([this](const close_info&) {
        std::lock_guard lock(mutex_);
        changed_.notify_all();
    });
}

event_recorder::~event_recorder()
{
    client_.clear_callbacks();
}

bool event_recorder::wait_for_seq(std::uint64_t seq, std::chrono::seconds timeout)
{
    return wait_until([&] { return client_.seq() >= seq && (seq <= start_seq_ || recorded_seq_ >= seq); }, timeout);
}

std::vector<pb::Event> event_recorder::events() const
{
    std::lock_guard lock(mutex_);
    return events_;
}

std::vector<pb::PresenceUpdate> event_recorder::presence() const
{
    std::lock_guard lock(mutex_);
    return presence_;
}

std::vector<std::string> event_recorder::joined() const
{
    std::lock_guard lock(mutex_);
    return joined_;
}

std::vector<std::string> event_recorder::left() const
{
    std::lock_guard lock(mutex_);
    return left_;
}

void join_or_fail(client& c)
{
    auto joined = c.connect().get();
    REQUIRE_MESSAGE(joined.ok, "join refused: " << pb::ErrorCode_Name(joined.code) << ": " << joined.message);
}

pb::Feature point_feature(const std::string& id, double lon, double lat, const std::string& title)
{
    pb::Feature f;
    f.set_id(id);
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    auto* p = f.mutable_geometry()->add_positions();
    p->set_lon(lon);
    p->set_lat(lat);
    f.set_title(title);
    return f;
}

pb::Feature large_area(const std::string& id, int n)
{
    pb::Feature f;
    f.set_id(id);
    f.set_title("district " + id);
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_AREA);
    for (int i = 0; i < n; ++i) {
        const double a = 2 * M_PI * i / n;
        auto* p = f.mutable_geometry()->add_positions();
        p->set_lon(13.4 + 0.05 * std::cos(a));
        p->set_lat(52.5 + 0.03 * std::sin(a));
    }
    return f;
}

} // namespace maptable::test
