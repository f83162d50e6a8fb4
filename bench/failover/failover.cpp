// Layer: bench. maptable-failover: the fail-over time of several nodes on one
// PostgreSQL store. Starts the nodes itself, puts clients in rooms (every
// room first joined at node 0, so one node owns them all), then, cycle after
// cycle, kill -9s the node that owns the rooms of the first client and times,
// for every client of that node, the way from the kill to the Welcome of its
// resume on another node (it retries the nodes in turn, following Redirects,
// as the SDKs do). The killed node is started again (same id, same port)
// before the next cycle.
//
// Beside the readers, one writer per room sends chat messages (acked,
// durable) the whole time and resends what was not answered after each
// fail-over; at the end the driver reads each room's log from PostgreSQL and
// counts acked commands missing or stored twice, and seq gaps.
//
// Output: one JSON line on stdout (the result), progress on stderr.
// Exit status: 0 done and nothing lost; 1 a command lost, stored twice, or a
// gap; 2 the command line or the start was wrong.
#include "auth/join_token.hpp"
#include "maptable/v1/envelope.pb.h"
#include "store/clock.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace pb = maptable::v1;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

struct options {
    std::string server; // maptable-server binary
    std::string store;  // postgresql:// URL (an empty database)
    int nodes = 3;
    int rooms = 6;
    int clients = 30; // readers, spread over the rooms
    int cycles = 50;
    unsigned lease_ms = 1000;
    int write_pause_ms = 50; // each writer's pause between acked commands
    std::string secret = "failover-bench-secret-0123456789abcdef";
    std::string label;
};

const char* usage = R"(usage: maptable-failover --server BIN --store postgresql://... [options]

  --nodes N           nodes started on free loopback ports (3)
  --rooms R           rooms, each with one writer (6)
  --clients N         readers spread over the rooms; each one's resume is timed (30)
  --cycles C          owner kills (50)
  --lease-ms L        the nodes' --lease-ms (1000)
  --write-pause-ms P  a writer's pause between acked commands (50)
  --label L           copied into the JSON line
)";

// ------------------------------------------------------------------ nodes

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

struct node {
    std::string id;
    unsigned short port = 0;
    std::string data_dir;
    pid_t pid = -1;
};

void start_node(node& n, const options& o)
{
    int out[2];
    if (::pipe(out) != 0)
        throw std::runtime_error("pipe");
    const std::string url = "ws://127.0.0.1:" + std::to_string(n.port) + "/v1/ws";
    std::vector<std::string> args = {o.server,
                                     "--port",
                                     std::to_string(n.port),
                                     "--data-dir",
                                     n.data_dir,
                                     "--store",
                                     o.store,
                                     "--node-id",
                                     n.id,
                                     "--advertise-url",
                                     url,
                                     "--lease-ms",
                                     std::to_string(o.lease_ms),
                                     "--secret",
                                     o.secret,
                                     "--log-level",
                                     "warn"};
    n.pid = ::fork();
    if (n.pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        const auto log = n.data_dir + "/server.log";
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0)
            ::dup2(fd, STDERR_FILENO);
        ::close_range(3, ~0U, 0);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n')
        line.push_back(c);
    ::close(out[0]);
    if (line.rfind("maptable-server listening on ", 0) != 0)
        throw std::runtime_error("node " + n.id + " did not start; see " + n.data_dir + "/server.log");
}

void kill_node(node& n)
{
    ::kill(n.pid, SIGKILL);
    ::waitpid(n.pid, nullptr, 0);
    n.pid = -1;
}

// ------------------------------------------------------------------ clients

struct shared_state {
    shared_state(const options& options, std::vector<node>& all) : o(options), nodes(all) {}
    const options& o;
    std::vector<node>& nodes;
    std::mutex mutex;
    std::condition_variable changed;
    std::atomic<bool> stopping{false};
    // Where the clients are; the cycle being timed.
    std::vector<int> client_node; // per client (readers, then writers)
    steady::time_point killed_at;
    int victim = -1;
    std::set<int> waiting;           // readers of the victim not yet resumed
    std::vector<double> failover_ms; // every timed resume
    std::atomic<int> next_start{0};  // where rejoins start, round robin
};

std::string target_of(const std::string& url)
{
    const auto scheme = url.find("://");
    const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return path == std::string::npos ? "/v1/ws" : url.substr(path);
}

unsigned short port_of(const std::string& url)
{
    const auto scheme = url.find("://");
    const auto end = url.find_first_of("/?", scheme + 3);
    const auto authority = url.substr(scheme + 3, end - scheme - 3);
    return static_cast<unsigned short>(std::stoi(authority.substr(authority.rfind(':') + 1)));
}

// One participant: a reader (times its resumes) or a writer (sends chat and
// keeps what was acked). Runs on a thread of its own with blocking I/O: a
// blocked read notices a killed node at once (the kernel resets the socket).
class participant {
public:
    participant(shared_state& s, int index, std::string room, bool writer)
        : s_(s)
        , index_(index)
        , room_(std::move(room))
        , writer_(writer)
        , client_id_((writer ? "writer-" : "reader-") + std::to_string(index))
    {
    }

    void run(int first_node)
    {
        join(first_node);
        while (!s_.stopping) {
            if (writer_) {
                send_next();
                if (!wait_for_answers())
                    rejoin();
                else
                    std::this_thread::sleep_for(std::chrono::milliseconds(s_.o.write_pause_ms));
            } else if (!read_one()) {
                rejoin();
            }
        }
    }

    const std::map<std::uint64_t, std::uint64_t>& acked() const { return acked_; }
    const std::string& room() const { return room_; }
    const std::string& client_id() const { return client_id_; }
    std::size_t pending() const { return pending_.size(); }

private:
    void rejoin()
    {
        if (s_.stopping)
            return;
        join(s_.next_start++ % s_.o.nodes);
        if (writer_)
            for (const auto& [id, bytes] : pending_)
                write(bytes);
    }

    // Tries the nodes in turn from `first`, following Redirects, until one
    // welcomes; a short back-off between rounds, as a client's.
    void join(int first)
    {
        for (int round = 0; !s_.stopping; ++round) {
            for (int k = 0; k < s_.o.nodes && !s_.stopping; ++k) {
                if (try_join((first + k) % s_.o.nodes))
                    return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    bool try_join(int n)
    {
        unsigned short port = s_.nodes[std::size_t(n)].port;
        std::string target = "/v1/ws";
        for (int hop = 0; hop <= s_.o.nodes; ++hop) {
            ws_.reset();
            io_.restart();
            auto ws = std::make_unique<websocket::stream<tcp::socket>>(io_);
            beast::error_code ec;
            ws->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
            if (ec)
                return false;
            ws->next_layer().set_option(tcp::no_delay(true), ec);
            ws->read_message_max(64 * 1024 * 1024);
            ws->handshake("127.0.0.1:" + std::to_string(port), target, ec);
            if (ec)
                return false;
            ws->binary(true);
            ws_ = std::move(ws);
            const std::uint64_t join_id = next_request_++;
            pb::ClientMessage m;
            m.set_request_id(join_id);
            auto* join = m.mutable_join();
            join->set_room_id(room_);
            join->set_token(token());
            join->set_client_id(client_id_);
            join->set_protocol_version(1);
            if (!epoch_.empty()) {
                join->mutable_resume()->set_epoch(epoch_);
                join->mutable_resume()->set_last_seq(seq_);
            }
            if (!write(m.SerializeAsString()))
                return false;
            for (;;) {
                auto reply = next();
                if (!reply)
                    return false;
                if (reply->has_redirect() && reply->redirect().request_id() == join_id) {
                    port = port_of(reply->redirect().url());
                    target = target_of(reply->redirect().url());
                    break;
                }
                if (reply->has_error() && reply->error().request_id() == join_id)
                    return false;
                if (reply->has_welcome() && reply->welcome().request_id() == join_id) {
                    const auto& w = reply->welcome();
                    epoch_ = w.epoch();
                    if (!w.recovered())
                        seq_ = w.state().seq();
                    welcomed(port);
                    return true;
                }
                handle(*reply);
            }
        }
        return false;
    }

    void welcomed(unsigned short port)
    {
        const auto now = steady::now();
        int at = -1;
        for (std::size_t i = 0; i < s_.nodes.size(); ++i)
            if (s_.nodes[i].port == port)
                at = int(i);
        std::lock_guard lock(s_.mutex);
        s_.client_node[std::size_t(index_)] = at;
        if (s_.waiting.erase(index_) > 0)
            s_.failover_ms.push_back(std::chrono::duration<double, std::milli>(now - s_.killed_at).count());
        s_.changed.notify_all();
    }

    std::string token() const
    {
        maptable::auth::join_claims claims;
        claims.room = room_;
        claims.subject = client_id_;
        claims.name = client_id_;
        claims.role = pb::ROLE_PARTICIPANT;
        claims.expires_at = maptable::clock::now_seconds() + 24 * 3600;
        return maptable::auth::mint_join_token(claims, s_.o.secret);
    }

    bool write(const std::string& bytes)
    {
        if (!ws_)
            return false;
        beast::error_code ec;
        ws_->write(asio::buffer(bytes), ec);
        return !ec;
    }

    std::optional<pb::ServerMessage> next()
    {
        while (buffered_.empty()) {
            if (!ws_)
                return std::nullopt;
            beast::error_code ec;
            ws_->read(buffer_, ec);
            if (ec) {
                ws_.reset();
                return std::nullopt;
            }
            pb::ServerFrame frame;
            const auto data = buffer_.cdata();
            frame.ParseFromArray(data.data(), static_cast<int>(data.size()));
            buffer_.consume(buffer_.size());
            buffered_.assign(frame.messages().begin(), frame.messages().end());
        }
        auto m = buffered_.front();
        buffered_.erase(buffered_.begin());
        return m;
    }

    bool read_one()
    {
        auto m = next();
        if (!m)
            return false;
        handle(*m);
        return true;
    }

    void handle(const pb::ServerMessage& m)
    {
        if (m.has_event() && m.event().seq() == seq_ + 1)
            seq_ = m.event().seq();
        if (m.has_ack()) {
            acked_[m.ack().request_id()] = m.ack().seq();
            pending_.erase(m.ack().request_id());
        }
        if (m.has_error() && pending_.count(m.error().request_id())) {
            // STORE_UNAVAILABLE or a node stepping down: nothing stored;
            // sent again (same id) after the next answer or rejoin.
            refused_.insert(m.error().request_id());
        }
    }

    void send_next()
    {
        const auto id = next_request_++;
        pb::ClientMessage m;
        m.set_request_id(id);
        m.mutable_send_chat()->set_text("from " + client_id_ + " #" + std::to_string(id));
        auto bytes = m.SerializeAsString();
        pending_[id] = bytes;
        write(bytes);
    }

    // True when every pending command is acked; false when the connection
    // ended first. Refused commands are sent again.
    bool wait_for_answers()
    {
        while (!pending_.empty()) {
            if (!refused_.empty()) {
                for (auto id : refused_)
                    if (pending_.count(id))
                        write(pending_[id]);
                refused_.clear();
            }
            if (!read_one())
                return false;
        }
        return true;
    }

    shared_state& s_;
    int index_;
    std::string room_;
    bool writer_;
    std::string client_id_;
    asio::io_context io_;
    std::unique_ptr<websocket::stream<tcp::socket>> ws_;
    beast::flat_buffer buffer_;
    std::vector<pb::ServerMessage> buffered_;
    std::string epoch_;
    std::uint64_t seq_ = 0;
    std::uint64_t next_request_ = 1;
    std::map<std::uint64_t, std::string> pending_;
    std::set<std::uint64_t> refused_;
    std::map<std::uint64_t, std::uint64_t> acked_;
};

// ------------------------------------------------------------------ the log

struct log_check {
    std::size_t acked = 0, lost = 0, duplicated = 0, moved = 0, gaps = 0;
};

void check_log(const std::string& url, const participant& writer, log_check& result)
{
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK)
        throw std::runtime_error(std::string("cannot connect to PostgreSQL: ") + PQerrorMessage(conn));
    const char* values[] = {writer.room().c_str()};
    // ORDER BY the column, not the text of it (which would sort "10" before "2").
    PGresult* r = PQexecParams(conn,
                               "SELECT seq::text, client_id, coalesce(op_id, 0)::text FROM events WHERE room = $1 "
                               "ORDER BY events.seq",
                               1, nullptr, values, nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        throw std::runtime_error(std::string("reading the log: ") + PQresultErrorMessage(r));
    std::map<std::uint64_t, std::vector<std::uint64_t>> stored; // op id -> seqs
    const std::string suffix = "\x1f" + writer.client_id();
    for (int i = 0; i < PQntuples(r); ++i) {
        const auto seq = std::stoull(PQgetvalue(r, i, 0));
        if (seq != std::uint64_t(i) + 1)
            ++result.gaps;
        const std::string client = PQgetvalue(r, i, 1);
        if (client.size() >= suffix.size() && client.compare(client.size() - suffix.size(), suffix.size(), suffix) == 0)
            stored[std::stoull(PQgetvalue(r, i, 2))].push_back(seq);
    }
    PQclear(r);
    PQfinish(conn);
    for (const auto& [id, seq] : writer.acked()) {
        ++result.acked;
        const auto found = stored.find(id);
        if (found == stored.end())
            ++result.lost;
        else if (found->second.size() > 1)
            ++result.duplicated;
        else if (found->second.front() != seq)
            ++result.moved;
    }
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto rank = std::size_t(std::max(0.0, std::ceil(p / 100.0 * double(values.size())) - 1));
    return values[std::min(rank, values.size() - 1)];
}

options parse(int argc, char** argv)
{
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::invalid_argument(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "-h" || arg == "--help") {
            std::cout << usage;
            std::exit(0);
        } else if (arg == "--server")
            o.server = value();
        else if (arg == "--store")
            o.store = value();
        else if (arg == "--nodes")
            o.nodes = std::stoi(value());
        else if (arg == "--rooms")
            o.rooms = std::stoi(value());
        else if (arg == "--clients")
            o.clients = std::stoi(value());
        else if (arg == "--cycles")
            o.cycles = std::stoi(value());
        else if (arg == "--lease-ms")
            o.lease_ms = unsigned(std::stoul(value()));
        else if (arg == "--write-pause-ms")
            o.write_pause_ms = std::stoi(value());
        else if (arg == "--label")
            o.label = value();
        else
            throw std::invalid_argument("unknown option " + arg);
    }
    if (o.server.empty() || o.store.empty())
        throw std::invalid_argument("--server and --store are required");
    if (o.nodes < 2 || o.rooms < 1 || o.clients < 1 || o.cycles < 1)
        throw std::invalid_argument("at least 2 nodes, 1 room, 1 client and 1 cycle");
    return o;
}

} // namespace

int main(int argc, char** argv)
{
    options o;
    try {
        o = parse(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "maptable-failover: " << e.what() << "\n" << usage;
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);

    std::vector<node> nodes(std::size_t(o.nodes));
    const auto work = std::filesystem::temp_directory_path() / ("maptable-failover-" + std::to_string(::getpid()));
    for (int i = 0; i < o.nodes; ++i) {
        auto& n = nodes[std::size_t(i)];
        n.id = std::string("node-") + char('a' + i);
        n.port = free_port();
        n.data_dir = (work / n.id).string();
        std::filesystem::create_directories(n.data_dir);
    }
    try {
        for (auto& n : nodes)
            start_node(n, o);
    } catch (const std::exception& e) {
        std::cerr << "maptable-failover: " << e.what() << "\n";
        return 2;
    }

    shared_state s(o, nodes);
    const int total = o.clients + o.rooms;
    s.client_node.assign(std::size_t(total), -1);
    std::vector<std::unique_ptr<participant>> people;
    for (int i = 0; i < total; ++i) {
        const bool writer = i >= o.clients;
        const int room = writer ? i - o.clients : i % o.rooms;
        people.push_back(std::make_unique<participant>(s, i, "failover-" + std::to_string(room), writer));
    }
    // Writers first, so that node 0 takes every room; then the readers.
    std::vector<std::thread> threads;
    for (int i = o.clients; i < total; ++i)
        threads.emplace_back([&, i] { people[std::size_t(i)]->run(0); });
    {
        std::unique_lock lock(s.mutex);
        s.changed.wait(lock, [&] {
            return std::all_of(s.client_node.begin() + o.clients, s.client_node.end(), [](int n) { return n >= 0; });
        });
    }
    for (int i = 0; i < o.clients; ++i)
        threads.emplace_back([&, i] { people[std::size_t(i)]->run(i % o.nodes); });

    int exit_code = 0;
    for (int cycle = 0; cycle < o.cycles; ++cycle) {
        std::unique_lock lock(s.mutex);
        s.changed.wait(lock, [&] {
            return std::all_of(s.client_node.begin(), s.client_node.end(), [](int n) { return n >= 0; });
        });
        s.victim = s.client_node[0];
        s.waiting.clear();
        for (int i = 0; i < o.clients; ++i)
            if (s.client_node[std::size_t(i)] == s.victim)
                s.waiting.insert(i);
        for (auto& n : s.client_node)
            if (n == s.victim)
                n = -1;
        s.killed_at = steady::now();
        kill_node(nodes[std::size_t(s.victim)]);
        s.changed.wait(lock, [&] { return s.waiting.empty(); });
        lock.unlock();
        try {
            start_node(nodes[std::size_t(s.victim)], o);
        } catch (const std::exception& e) {
            std::cerr << "maptable-failover: " << e.what() << "\n";
            exit_code = 2;
            break;
        }
        if ((cycle + 1) % 10 == 0)
            std::cerr << "maptable-failover: " << cycle + 1 << " cycles, p99 so far " << percentile(s.failover_ms, 99)
                      << " ms\n";
    }

    s.stopping = true;
    for (auto& n : nodes)
        if (n.pid > 0)
            kill_node(n);
    for (auto& t : threads)
        t.join();

    log_check logged;
    try {
        for (int i = o.clients; i < total; ++i)
            check_log(o.store, *people[std::size_t(i)], logged);
    } catch (const std::exception& e) {
        std::cerr << "maptable-failover: " << e.what() << "\n";
        return 2;
    }
    std::error_code ignored;
    std::filesystem::remove_all(work, ignored);

    const auto& f = s.failover_ms;
    std::printf("{\"label\":\"%s\",\"nodes\":%d,\"rooms\":%d,\"clients\":%d,\"cycles\":%d,\"lease_ms\":%u,"
                "\"resumes\":%zu,\"failover_ms\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
                "\"acked\":%zu,\"lost\":%zu,\"duplicated\":%zu,\"moved\":%zu,\"gaps\":%zu}\n",
                o.label.c_str(), o.nodes, o.rooms, o.clients, o.cycles, o.lease_ms, f.size(), percentile(f, 50),
                percentile(f, 90), percentile(f, 99), f.empty() ? 0.0 : *std::max_element(f.begin(), f.end()),
                logged.acked, logged.lost, logged.duplicated, logged.moved, logged.gaps);
    std::cerr << "maptable-failover: " << f.size() << " resumes over " << o.cycles << " kills: p50 "
              << percentile(f, 50) << " ms, p99 " << percentile(f, 99) << " ms; " << logged.acked << " acked, "
              << logged.lost << " lost, " << logged.duplicated << " stored twice, " << logged.gaps << " seq gaps\n";
    if (logged.lost || logged.duplicated || logged.moved || logged.gaps)
        exit_code = 1;
    return exit_code;
}
