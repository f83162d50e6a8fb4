// Test harness: several maptable-server nodes on one PostgreSQL database, all
// on loopback, and a protocol-level client that follows a node's Redirect to
// the room's owner and resumes on another node when its node dies.
//
// The PostgreSQL server is the test process's own (tests/unit/store/
// postgres_server.hpp); each cluster takes a fresh database in it. The nodes
// are real processes, so a test can kill -9 one, pause it with SIGSTOP, or
// stop PostgreSQL under them.
//
// The client speaks the wire protocol directly (no SDK) so that a test
// sees every Ack, Error, Redirect and close code, and decides itself what to
// resend: a command is resent with its request id after a reconnect, which
// the server's command-id check turns into the original Ack when the command
// was stored already. It keeps a replica (model::room_state) of the room.
#pragma once

#include "postgres_server.hpp"
#include "raw_client.hpp" // pb, raw_close, join_message, chat_command

#include "model/room_state.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

namespace maptable::test::cluster_test {

// Skips the calling test, with a message, when PostgreSQL's binaries are not
// installed; otherwise declares `pg`, the process's PostgreSQL server.
#define CLUSTER_SKIP_WITHOUT_POSTGRES(pg)                                                                              \
    auto* pg = ::maptable::testing::postgres_server::shared();                                                         \
    if (pg == nullptr) {                                                                                               \
        MESSAGE("skipped: PostgreSQL's binaries are not installed (deploy/setup.sh installs them)");                   \
        return;                                                                                                        \
    }

// A free TCP port on 127.0.0.1 (bound, read, released).
unsigned short free_port();

// A maptable-server subcommand run to its end.
struct command_output {
    int status = -1; // the exit status; -1 when it did not exit normally
    std::string out;
    std::string err;
};
command_output run_server_command(const std::vector<std::string>& args,
                                  const std::vector<std::pair<std::string, std::string>>& env = {});

// One maptable-server process. The port is chosen once and kept across
// restarts, so the address other nodes advertise for it stays true.
class node_process {
public:
    // args: everything after the binary except --port and --data-dir, which
    // the node adds itself (port 0 here: a free one is chosen now), unless
    // own_flags is false: then args are all there is (a test of --config),
    // and port is where the test expects the node to listen.
    node_process(std::string name, std::vector<std::string> args, unsigned short port = 0, bool own_flags = true);
    ~node_process(); // kills the process (if running) and removes its data dir
    node_process(const node_process&) = delete;
    node_process& operator=(const node_process&) = delete;

    // Starts it and waits for its "listening on" line; fails the test with
    // its log when it exits instead.
    void start();
    void kill9();  // SIGKILL and reap
    int stop();    // SIGTERM, wait; returns the exit status
    void pause();  // SIGSTOP: alive, holding its sockets, doing nothing
    void resume(); // SIGCONT

    bool running() const { return pid_ > 0; }
    const std::string& name() const { return name_; }
    unsigned short port() const { return port_; }
    std::string ws_url() const; // ws://127.0.0.1:<port>/v1/ws
    std::string log() const;
    const std::filesystem::path& data_dir() const { return data_dir_; }

private:
    std::string name_;
    std::vector<std::string> args_;
    unsigned short port_;
    bool own_flags_;
    std::filesystem::path data_dir_; // the node's (when own_flags) and its log's
    pid_t pid_ = -1;
};

// Stops and starts the process's PostgreSQL server (postgres_server::shared())
// in place: same data, port and options. For "the database restarted".
void stop_postgres();
void start_postgres();

// Runs a query as the superuser in the database of url and returns every
// row as text columns. Throws on failure.
std::vector<std::vector<std::string>> query_postgres(const std::string& url, const std::string& sql);

struct cluster_options {
    int nodes = 3;
    unsigned lease_ms = 1000;
    std::vector<std::string> extra_args = {}; // given to every node
    std::string store_url = {};               // a database to use; empty: a fresh one
};

// Several nodes on one fresh PostgreSQL database.
class cluster {
public:
    explicit cluster(testing::postgres_server& pg, cluster_options options = {});

    std::size_t size() const { return nodes_.size(); }
    node_process& node(std::size_t i) { return *nodes_.at(i); }
    // The index of the node listening on port; -1 for none.
    int node_at(unsigned short port) const;
    const std::string& store_url() const { return store_url_; }
    std::string token(const std::string& room, const std::string& name) const;
    // The logs of every node, for failure messages.
    std::string logs() const;

private:
    std::string store_url_;
    std::vector<std::unique_ptr<node_process>> nodes_;
};

// The port in a ws://host:port/... URL; 0 when there is none.
unsigned short port_of(const std::string& url);

// A WebSocket connection to a node whose every step can be given up after a
// while: a paused node accepts TCP connections (its kernel does) but never
// answers, and a client must then try elsewhere, as a real one would.
class wire {
public:
    using duration = std::chrono::milliseconds;
    static constexpr duration forever{-1};

    // Connects to 127.0.0.1:port and upgrades on target; throws
    // std::runtime_error when that fails or takes longer than timeout.
    wire(unsigned short port, const std::string& target, duration timeout);
    ~wire();
    wire(const wire&) = delete;
    wire& operator=(const wire&) = delete;

    void send(const pb::ClientMessage& message); // errors show in the next read
    // The next server message; nullopt when the connection closed (close())
    // or nothing came within timeout (timed_out(); the connection is then
    // closed too).
    std::optional<pb::ServerMessage> next(duration timeout = forever);
    const raw_close& close() const { return close_; }
    bool timed_out() const { return timed_out_; }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    std::vector<pb::ServerMessage> buffered_;
    raw_close close_;
    bool timed_out_ = false;
};

// A participant of one room, on whichever node owns it.
class room_client {
public:
    room_client(cluster& c, std::string room, std::string name);

    // What one attempt to join ended with.
    struct join_outcome {
        bool joined = false;
        int node = -1;                  // the node it joined on
        int redirects = 0;              // Redirects followed on the way
        std::optional<pb::Error> error; // the refusal, when there was one
        std::string failure;            // why it did not join, for messages
    };

    // Joins (resuming from the replica once it has one) at node `first`,
    // following Redirects to the owner. One attempt: a refused connection,
    // an Error, a close, or a node that does not answer within step_timeout
    // (paused) ends it unjoined.
    join_outcome try_join(std::size_t first, wire::duration step_timeout = std::chrono::milliseconds(1500));

    // Joins at `first`, then the other running nodes in turn, until one
    // attempt succeeds; between rounds it backs off a little, as any client
    // does, while a dead owner's lease runs out. Fails the test after
    // `rounds` rounds.
    join_outcome join(std::size_t first, int rounds = 400);

    bool connected() const { return static_cast<bool>(socket_); }
    int node() const { return node_; }
    const model::room_state& replica() const { return replica_; }
    const std::string& client_id() const { return client_id_; }
    const std::string& room() const { return room_; }

    // Sends a chat message as a command with a fresh request id (kept as
    // pending until answered) and returns the id.
    std::uint64_t send_chat(const std::string& text);
    // Sends again every command not yet answered (after a reconnect).
    void resend_pending();

    // Sends any command (its request id is set here) and returns the id.
    std::uint64_t send_command(pb::ClientMessage command);

    // Reads one message and processes it (Ack, Error, Event). Returns false
    // when the connection closed (see last_close()), and drops the socket.
    bool read_one();
    // Reads until the replica has reached seq; false when the connection
    // closed first.
    bool read_until_seq(std::uint64_t seq);
    // Reads until every pending command is answered; false when the
    // connection closed first.
    bool drain();

    // request id -> seq of every Ack received (a resent command acked twice
    // must get the same seq both times: checked as they arrive).
    const std::map<std::uint64_t, std::uint64_t>& acked() const { return acked_; }
    // request id -> the last Error code each refused command got.
    const std::map<std::uint64_t, pb::ErrorCode>& refused() const { return refused_; }
    const std::set<std::uint64_t>& pending() const { return pending_; }
    const raw_close& last_close() const { return last_close_; }
    // Problems seen on the wire (an ack whose seq changed, an event out of
    // order); empty when all was well.
    const std::vector<std::string>& problems() const { return problems_; }
    // Every event received, by seq (the first copy; a second with other
    // bytes is a problem).
    const std::map<std::uint64_t, std::string>& events_seen() const { return events_seen_; }

    // Forgets the connection without closing it cleanly (after its node died).
    void drop();

    // The Welcome of the last successful join (its time, for fail-over times).
    std::chrono::steady_clock::time_point joined_at() const { return joined_at_; }

private:
    void on_message(const pb::ServerMessage& m);

    cluster& cluster_;
    std::string room_;
    std::string name_;
    std::string client_id_;
    std::unique_ptr<wire> socket_;
    int node_ = -1;
    model::room_state replica_;
    std::string epoch_;
    bool have_replica_ = false;
    std::uint64_t next_request_ = 100;
    std::map<std::uint64_t, pb::ClientMessage> sent_;
    std::set<std::uint64_t> pending_;
    std::map<std::uint64_t, std::uint64_t> acked_;
    std::map<std::uint64_t, pb::ErrorCode> refused_;
    std::map<std::uint64_t, std::string> events_seen_;
    std::vector<std::string> problems_;
    raw_close last_close_;
    std::chrono::steady_clock::time_point joined_at_;
};

// One stored event of a room, as the log holds it.
struct stored_event {
    std::uint64_t seq = 0;
    std::string client_id;   // the command's "<participant>\x1f<client id>"; empty for none
    std::uint64_t op_id = 0; // the command's request id; 0: none
    std::string body;        // the encoded Event
};

// The room's events straight from the database, in seq order.
std::vector<stored_event> stored_events(const std::string& store_url, const std::string& room);

// What is wrong with a room's log against what its clients were told: seqs
// not 1..N without gaps or repeats, an acked command missing, stored more
// than once or at another seq than its ack said, an event a client received
// that is not the stored one, a problem a client saw on the wire. Empty when
// all is well.
std::vector<std::string> log_problems(const std::vector<stored_event>& log,
                                      const std::vector<const room_client*>& clients);

// The problems one per line, for a failure message.
std::string describe(const std::vector<std::string>& problems);

} // namespace maptable::test::cluster_test
