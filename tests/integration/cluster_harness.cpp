#include "cluster_harness.hpp"

#include "server_process.hpp"

#include "auth/join_token.hpp"

#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <libpq-fe.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace maptable::test::cluster_test {
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name)
{
    std::random_device rd;
    auto dir = fs::temp_directory_path() /
        ("maptable-cluster-" + std::to_string(::getpid()) + "-" + name + "-" + std::to_string(rd()));
    fs::create_directories(dir);
    return dir;
}

std::string read_all(int fd)
{
    std::string out;
    char buffer[4096];
    for (;;) {
        const auto n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0)
            break;
        out.append(buffer, std::size_t(n));
    }
    return out;
}

std::string read_file(const fs::path& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::int64_t unix_now()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

[[noreturn]] void exec_server(std::vector<std::string> args)
{
    args.insert(args.begin(), MAPTABLE_SERVER_BINARY);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::perror("execv maptable-server");
    ::_exit(127);
}

} // namespace

unsigned short free_port()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0)
        throw std::runtime_error("no free port");
    ::close(fd);
    return ntohs(address.sin_port);
}

command_output run_server_command(const std::vector<std::string>& args,
                                  const std::vector<std::pair<std::string, std::string>>& env)
{
    int out[2], err[2];
    REQUIRE(::pipe(out) == 0);
    REQUIRE(::pipe(err) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err[1], STDERR_FILENO);
        ::close_range(3, ~0U, 0);
        for (const auto& [name, value] : env)
            ::setenv(name.c_str(), value.c_str(), 1);
        exec_server(args);
    }
    ::close(out[1]);
    ::close(err[1]);
    command_output result;
    // stderr is read on a thread of its own, so that a command filling one
    // pipe while the test reads the other cannot block both.
    std::thread err_reader([&] { result.err = read_all(err[0]); });
    result.out = read_all(out[0]);
    err_reader.join();
    ::close(out[0]);
    ::close(err[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// ------------------------------------------------------------------ node_process

node_process::node_process(std::string name, std::vector<std::string> args, unsigned short port, bool own_flags)
    : name_(std::move(name))
    , args_(std::move(args))
    , port_(port == 0 ? free_port() : port)
    , own_flags_(own_flags)
    , data_dir_(fresh_dir(name_))
{
}

node_process::~node_process()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGCONT); // a paused process cannot be reaped otherwise
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    if (!std::getenv("MAPTABLE_KEEP_TEST_DATA"))
        fs::remove_all(data_dir_, ignored);
}

void node_process::start()
{
    REQUIRE(pid_ <= 0);
    int out[2];
    REQUIRE(::pipe(out) == 0);
    std::vector<std::string> args;
    if (own_flags_)
        args = {"--port", std::to_string(port_), "--data-dir", data_dir_.string()};
    args.insert(args.end(), args_.begin(), args_.end());
    const auto log_path = (data_dir_ / "server.log").string();
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (log >= 0)
            ::dup2(log, STDERR_FILENO);
        ::close_range(3, ~0U, 0);
        exec_server(args);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n')
        line.push_back(c);
    ::close(out[0]);
    INFO("node " << name_ << " log:\n" << log());
    REQUIRE_MESSAGE(line.rfind("maptable-server listening on ", 0) == 0,
                    "node " << name_ << " did not start: '" << line << "'");
    REQUIRE(std::stoi(line.substr(line.rfind(':') + 1)) == port_);
}

void node_process::kill9()
{
    REQUIRE(pid_ > 0);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

int node_process::stop()
{
    REQUIRE(pid_ > 0);
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void node_process::pause()
{
    REQUIRE(pid_ > 0);
    ::kill(pid_, SIGSTOP);
    // SIGSTOP is delivered asynchronously: wait until the process is stopped.
    int status = 0;
    REQUIRE(::waitpid(pid_, &status, WUNTRACED) == pid_);
    REQUIRE(WIFSTOPPED(status));
}

void node_process::resume()
{
    REQUIRE(pid_ > 0);
    ::kill(pid_, SIGCONT);
}

std::string node_process::ws_url() const
{
    return "ws://127.0.0.1:" + std::to_string(port_) + "/v1/ws";
}

std::string node_process::log() const
{
    return read_file(data_dir_ / "server.log");
}

// ------------------------------------------------------------------ PostgreSQL

namespace {

PGconn* connect_or_throw(const std::string& url)
{
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("cluster test: cannot connect to PostgreSQL: " + message);
    }
    return conn;
}

// Where the shared test PostgreSQL lives, asked of the server itself while it
// runs, so it can be started again as it was.
struct postgres_place {
    std::string data_dir;
    std::string port;
    std::string socket_dir;
    std::string pg_ctl; // with "runuser -u postgres -- " in front when root
};

postgres_place& place()
{
    static postgres_place p = [] {
        auto* pg = testing::postgres_server::shared();
        REQUIRE(pg != nullptr);
        postgres_place found;
        const auto url = pg->url("postgres");
        found.data_dir = query_postgres(url, "SHOW data_directory").at(0).at(0);
        found.port = query_postgres(url, "SHOW port").at(0).at(0);
        found.socket_dir = query_postgres(url, "SHOW unix_socket_directories").at(0).at(0);
        // The binaries of the running server's own version.
        const auto version = query_postgres(url, "SHOW server_version_num").at(0).at(0).substr(0, 2);
        found.pg_ctl = "/usr/lib/postgresql/" + version + "/bin/pg_ctl";
        if (::geteuid() == 0)
            found.pg_ctl = "runuser -u postgres -- " + found.pg_ctl;
        return found;
    }();
    return p;
}

} // namespace

void stop_postgres()
{
    const auto& p = place();
    const std::string command = p.pg_ctl + " -D " + p.data_dir + " -m fast -w -t 60 stop >/dev/null 2>&1";
    REQUIRE_MESSAGE(std::system(command.c_str()) == 0, command);
}

void start_postgres()
{
    const auto& p = place();
    const std::string command = p.pg_ctl + " -D " + p.data_dir + " -l " + p.socket_dir +
        "/server.log -w -t 60 -o '-p " + p.port + " -k " + p.socket_dir +
        " -c listen_addresses=127.0.0.1 -c max_connections=200' start >/dev/null 2>&1";
    REQUIRE_MESSAGE(std::system(command.c_str()) == 0, command);
}

std::vector<std::vector<std::string>> query_postgres(const std::string& url, const std::string& sql)
{
    PGconn* conn = connect_or_throw(url);
    PGresult* result = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(result);
    std::vector<std::vector<std::string>> rows;
    if (status == PGRES_TUPLES_OK) {
        for (int r = 0; r < PQntuples(result); ++r) {
            std::vector<std::string> row;
            for (int c = 0; c < PQnfields(result); ++c)
                row.emplace_back(PQgetvalue(result, r, c), std::size_t(PQgetlength(result, r, c)));
            rows.push_back(std::move(row));
        }
    }
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        throw std::runtime_error("cluster test: " + sql + ": " + message);
    return rows;
}

std::vector<stored_event> stored_events(const std::string& store_url, const std::string& room)
{
    PGconn* conn = connect_or_throw(store_url);
    const char* values[] = {room.c_str()};
    // Binary results: the body is bytes, the seq and op id 64-bit.
    PGresult* result = PQexecParams(conn,
                                    "SELECT seq, client_id, coalesce(op_id, 0), body FROM events WHERE room = $1 "
                                    "ORDER BY seq",
                                    1, nullptr, values, nullptr, nullptr, 1);
    const auto status = PQresultStatus(result);
    std::vector<stored_event> events;
    const auto int8 = [&](int r, int c) {
        std::uint64_t v = 0;
        const auto* bytes = reinterpret_cast<const unsigned char*>(PQgetvalue(result, r, c));
        for (int i = 0; i < 8; ++i)
            v = (v << 8) | bytes[i];
        return v;
    };
    if (status == PGRES_TUPLES_OK) {
        for (int r = 0; r < PQntuples(result); ++r) {
            stored_event e;
            e.seq = int8(r, 0);
            e.client_id.assign(PQgetvalue(result, r, 1), std::size_t(PQgetlength(result, r, 1)));
            e.op_id = int8(r, 2);
            e.body.assign(PQgetvalue(result, r, 3), std::size_t(PQgetlength(result, r, 3)));
            events.push_back(std::move(e));
        }
    }
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
    if (status != PGRES_TUPLES_OK)
        throw std::runtime_error("cluster test: reading the events of " + room + ": " + message);
    return events;
}

// ------------------------------------------------------------------ cluster

cluster::cluster(testing::postgres_server& pg, cluster_options options)
    : store_url_(options.store_url.empty() ? pg.create_database() : options.store_url)
{
    std::vector<unsigned short> ports;
    for (int i = 0; i < options.nodes; ++i)
        ports.push_back(free_port());
    for (int i = 0; i < options.nodes; ++i) {
        const std::string name = std::string("node-") + char('a' + i);
        std::vector<std::string> args = {
            "--store",         store_url_,
            "--node-id",       name,
            "--advertise-url", "ws://127.0.0.1:" + std::to_string(ports[std::size_t(i)]) + "/v1/ws",
            "--lease-ms",      std::to_string(options.lease_ms),
            "--secret",        test_secret,
            "--log-level",     "debug"};
        args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
        nodes_.push_back(std::make_unique<node_process>(name, std::move(args), ports[std::size_t(i)]));
    }
    // One after the other: the first applies the schema; the others find it.
    for (auto& n : nodes_)
        n->start();
}

int cluster::node_at(unsigned short port) const
{
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i]->port() == port)
            return int(i);
    return -1;
}

std::string cluster::token(const std::string& room, const std::string& name) const
{
    auth::join_claims claims;
    claims.room = room;
    claims.subject = name;
    claims.name = name;
    claims.role = pb::ROLE_PARTICIPANT;
    claims.expires_at = unix_now() + 3600;
    return auth::mint_join_token(claims, test_secret);
}

std::string cluster::logs() const
{
    std::string all;
    for (const auto& n : nodes_)
        all += "---- " + n->name() + " (port " + std::to_string(n->port()) + ")\n" + n->log();
    return all;
}

unsigned short port_of(const std::string& url)
{
    const auto scheme = url.find("://");
    if (scheme == std::string::npos)
        return 0;
    const auto host_end = url.find_first_of("/?", scheme + 3);
    const auto authority =
        url.substr(scheme + 3, host_end == std::string::npos ? std::string::npos : host_end - scheme - 3);
    const auto colon = authority.rfind(':');
    if (colon == std::string::npos)
        return 0;
    return static_cast<unsigned short>(std::stoi(authority.substr(colon + 1)));
}

namespace {

// The path and query of a ws:// URL ("/v1/ws?room=r").
std::string target_of(const std::string& url)
{
    const auto scheme = url.find("://");
    const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return path == std::string::npos ? "/v1/ws" : url.substr(path);
}

} // namespace

// ------------------------------------------------------------------ wire

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct wire::impl {
    asio::io_context io;
    websocket::stream<beast::tcp_stream> ws{io};
    beast::flat_buffer buffer;

    void set_deadline(duration timeout)
    {
        if (timeout.count() < 0)
            beast::get_lowest_layer(ws).expires_never();
        else
            beast::get_lowest_layer(ws).expires_after(timeout);
    }
    // Runs one asynchronous step to its end; the tcp_stream's deadline ends
    // it with beast::error::timeout.
    template <class Start>
    beast::error_code run(duration timeout, Start start)
    {
        set_deadline(timeout);
        beast::error_code result;
        start([&result](beast::error_code ec, auto&&...) { result = ec; });
        io.restart();
        io.run();
        return result;
    }
};

wire::wire(unsigned short port, const std::string& target, duration timeout) : impl_(std::make_unique<impl>())
{
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    auto ec =
        impl_->run(timeout, [&](auto handler) { beast::get_lowest_layer(impl_->ws).async_connect(endpoint, handler); });
    if (ec)
        throw std::runtime_error("connect: " + ec.message());
    impl_->ws.read_message_max(64 * 1024 * 1024);
    ec = impl_->run(timeout, [&](auto handler) {
        impl_->ws.async_handshake("127.0.0.1:" + std::to_string(port), target, handler);
    });
    if (ec)
        throw std::runtime_error("upgrade: " + ec.message());
    impl_->ws.binary(true);
}

wire::~wire()
{
    beast::error_code ignored;
    beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

void wire::send(const pb::ClientMessage& message)
{
    const auto bytes = message.SerializeAsString();
    impl_->run(forever, [&](auto handler) { impl_->ws.async_write(asio::buffer(bytes), handler); });
}

std::optional<pb::ServerMessage> wire::next(duration timeout)
{
    while (buffered_.empty()) {
        const auto ec = impl_->run(timeout, [&](auto handler) { impl_->ws.async_read(impl_->buffer, handler); });
        if (ec) {
            timed_out_ = ec == beast::error::timeout;
            close_.code = static_cast<std::uint16_t>(impl_->ws.reason().code);
            close_.reason = std::string(impl_->ws.reason().reason.data(), impl_->ws.reason().reason.size());
            return std::nullopt;
        }
        pb::ServerFrame frame;
        const auto data = impl_->buffer.cdata();
        frame.ParseFromArray(data.data(), static_cast<int>(data.size()));
        impl_->buffer.consume(impl_->buffer.size());
        buffered_.assign(frame.messages().begin(), frame.messages().end());
    }
    auto m = buffered_.front();
    buffered_.erase(buffered_.begin());
    return m;
}

// ------------------------------------------------------------------ room_client

room_client::room_client(cluster& c, std::string room, std::string name)
    : cluster_(c), room_(std::move(room)), name_(std::move(name)), client_id_("cluster-" + name_), replica_(room_)
{
}

void room_client::drop()
{
    socket_.reset();
    node_ = -1;
}

room_client::join_outcome room_client::try_join(std::size_t first, wire::duration step_timeout)
{
    drop();
    join_outcome outcome;
    if (first >= cluster_.size() || !cluster_.node(first).running()) {
        outcome.failure = "node not running";
        return outcome;
    }
    unsigned short port = cluster_.node(first).port();
    std::string target = "/v1/ws";
    // A Redirect names the owner; an owner that moved again meanwhile
    // redirects once more. More hops than nodes would be a loop.
    for (int hop = 0; hop <= int(cluster_.size()) + 1; ++hop) {
        std::unique_ptr<wire> socket;
        try {
            socket = std::make_unique<wire>(port, target, step_timeout);
        } catch (const std::exception& e) {
            outcome.failure = "cannot connect to port " + std::to_string(port) + ": " + e.what();
            return outcome;
        }
        const std::uint64_t join_id = next_request_++;
        socket->send(join_message(
            room_, cluster_.token(room_, name_), client_id_,
            have_replica_ ? std::optional<pb::Resume>(resume_at(epoch_, replica_.seq())) : std::nullopt, join_id));
        for (;;) {
            auto m = socket->next(step_timeout);
            if (!m) {
                outcome.failure = socket->timed_out()
                    ? std::string("no answer to the join in time")
                    : "closed during the join: " + std::to_string(socket->close().code) + " " + socket->close().reason;
                return outcome;
            }
            if (m->has_redirect() && m->redirect().request_id() == join_id) {
                ++outcome.redirects;
                port = port_of(m->redirect().url());
                target = target_of(m->redirect().url());
                if (cluster_.node_at(port) < 0) {
                    problems_.push_back("a Redirect to " + m->redirect().url() + ", which is no node");
                    outcome.failure = problems_.back();
                    return outcome;
                }
                break;
            }
            if (m->has_error() && m->error().request_id() == join_id) {
                outcome.error = m->error();
                outcome.failure = "join refused: " + pb::ErrorCode_Name(m->error().code()) + " " + m->error().message();
                return outcome;
            }
            if (m->has_welcome() && m->welcome().request_id() == join_id) {
                const auto& w = m->welcome();
                if (!w.recovered()) {
                    replica_ = model::room_state::from_proto(w.state());
                } else if (w.epoch() != epoch_) {
                    problems_.push_back("a recovered Welcome in another epoch");
                }
                epoch_ = w.epoch();
                have_replica_ = true;
                socket_ = std::move(socket);
                node_ = cluster_.node_at(port);
                joined_at_ = std::chrono::steady_clock::now();
                outcome.joined = true;
                outcome.node = node_;
                return outcome;
            }
            // Anything else before the answer is a problem of the protocol.
            problems_.push_back("a message before the join's answer: " + m->ShortDebugString());
        }
    }
    outcome.failure = "too many Redirects";
    problems_.push_back(outcome.failure);
    return outcome;
}

room_client::join_outcome room_client::join(std::size_t first, int rounds)
{
    join_outcome last;
    for (int round = 0; round < rounds; ++round) {
        for (std::size_t k = 0; k < cluster_.size(); ++k) {
            const auto i = (first + k) % cluster_.size();
            if (!cluster_.node(i).running())
                continue;
            last = try_join(i);
            if (last.joined)
                return last;
        }
        // A client's back-off between rounds (the SDKs' is longer): not a
        // wait for an event, which a client cannot see, but the pace of its
        // retries while a dead owner's lease runs out.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("room " << room_ << ": " << name_ << " could not join any node: " << last.failure << "\n" << cluster_.logs());
    return last;
}

std::uint64_t room_client::send_chat(const std::string& text)
{
    return send_command(chat_command(0, text));
}

std::uint64_t room_client::send_command(pb::ClientMessage command)
{
    const auto id = next_request_++;
    command.set_request_id(id);
    sent_[id] = command;
    pending_.insert(id);
    if (socket_)
        socket_->send(command);
    return id;
}

bool room_client::read_until_seq(std::uint64_t seq)
{
    while (replica_.seq() < seq)
        if (!read_one())
            return false;
    return true;
}

void room_client::resend_pending()
{
    if (!socket_)
        return;
    for (const auto id : pending_)
        socket_->send(sent_.at(id));
}

bool room_client::read_one()
{
    if (!socket_)
        return false;
    auto m = socket_->next();
    if (!m) {
        last_close_ = socket_->close();
        drop();
        return false;
    }
    on_message(*m);
    return true;
}

bool room_client::drain()
{
    while (!pending_.empty())
        if (!read_one())
            return false;
    return true;
}

void room_client::on_message(const pb::ServerMessage& m)
{
    if (m.has_ack()) {
        const auto id = m.ack().request_id();
        const auto seq = m.ack().seq();
        const auto [it, inserted] = acked_.emplace(id, seq);
        if (!inserted && it->second != seq)
            problems_.push_back("command " + std::to_string(id) + " acked at seq " + std::to_string(it->second) +
                                " and again at seq " + std::to_string(seq));
        pending_.erase(id);
        refused_.erase(id);
    } else if (m.has_error()) {
        const auto id = m.error().request_id();
        if (pending_.erase(id) > 0)
            refused_[id] = m.error().code();
    } else if (m.has_event()) {
        const auto& e = m.event();
        const auto bytes = e.SerializeAsString();
        const auto [it, inserted] = events_seen_.emplace(e.seq(), bytes);
        if (!inserted && it->second != bytes)
            problems_.push_back("two different events with seq " + std::to_string(e.seq()));
        if (e.seq() == replica_.seq() + 1)
            replica_.apply(e);
        else if (e.seq() > replica_.seq() + 1)
            problems_.push_back("event seq " + std::to_string(e.seq()) + " after seq " +
                                std::to_string(replica_.seq()) + ": a gap");
    }
}

std::vector<std::string> log_problems(const std::vector<stored_event>& log,
                                      const std::vector<const room_client*>& clients)
{
    std::vector<std::string> problems;
    std::map<std::pair<std::string, std::uint64_t>, std::vector<std::uint64_t>> by_command;
    for (std::size_t i = 0; i < log.size(); ++i) {
        if (log[i].seq != i + 1) {
            problems.push_back("the log's event " + std::to_string(i + 1) + " has seq " + std::to_string(log[i].seq));
            break;
        }
        if (log[i].op_id != 0) {
            // The stored id is "<participant>\x1f<client id>"; the client id names the sender.
            const auto separator = log[i].client_id.find('\x1f');
            const auto sender =
                separator == std::string::npos ? log[i].client_id : log[i].client_id.substr(separator + 1);
            by_command[{sender, log[i].op_id}].push_back(log[i].seq);
        }
    }
    for (const auto* client : clients) {
        for (const auto& p : client->problems())
            problems.push_back(client->client_id() + ": " + p);
        for (const auto& [id, seq] : client->acked()) {
            const auto found = by_command.find({client->client_id(), id});
            if (found == by_command.end())
                problems.push_back(client->client_id() + ": command " + std::to_string(id) + " was acked at seq " +
                                   std::to_string(seq) + " but is not in the log");
            else if (found->second.size() != 1)
                problems.push_back(client->client_id() + ": command " + std::to_string(id) + " is stored " +
                                   std::to_string(found->second.size()) + " times");
            else if (found->second.front() != seq)
                problems.push_back(client->client_id() + ": command " + std::to_string(id) + " was acked at seq " +
                                   std::to_string(seq) + " but stored at seq " + std::to_string(found->second.front()));
        }
        for (const auto& [id, code] : client->refused())
            if (by_command.count({client->client_id(), id}))
                problems.push_back(client->client_id() + ": command " + std::to_string(id) + " was refused with " +
                                   pb::ErrorCode_Name(code) + " but is in the log");
        for (const auto& [seq, bytes] : client->events_seen()) {
            if (seq == 0 || seq > log.size()) {
                problems.push_back(client->client_id() + ": received event seq " + std::to_string(seq) +
                                   ", which the log does not have");
                continue;
            }
            pb::Event stored;
            stored.ParseFromString(log[seq - 1].body);
            if (stored.SerializeAsString() != bytes)
                problems.push_back(client->client_id() + ": received an event seq " + std::to_string(seq) +
                                   " other than the stored one");
        }
    }
    return problems;
}

std::string describe(const std::vector<std::string>& problems)
{
    std::string out;
    for (const auto& p : problems)
        out += p + "\n";
    return out;
}

} // namespace maptable::test::cluster_test
