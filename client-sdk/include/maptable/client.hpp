// The maptable client SDK: connect to a room, keep a live replica of it, send
// commands.
//
//     maptable::client c({.url = "ws://127.0.0.1:8080/v1/ws", .room_id = "harbour", .token = token});
//     auto joined = c.connect().get();          // Welcome, or why not
//     c.on_event([](const maptable::pb::Event& e) { ... });
//     auto added = c.add_feature(marker).get(); // ack with the event's seq, or an error
//     c.on_view_request([](const maptable::pb::Viewport& v) { /* move the map */ });
//     c.place_dot("priorities", "f-crossing");    // every facilitation command has a method
//     auto then = c.state_at_seq(42).get();        // replay: the room as it was at seq 42
//
// The replica is kept by the same apply() code the server runs, so at seq k
// it is exactly the server's state at seq k. Each client runs one I/O thread
// of its own; callbacks run on it, one at a time, and must not block. All
// public methods are thread-safe, callback setters and clear_callbacks()
// included; a callback may call any of them (not the destructor). This header
// does not include Asio or Beast.
#pragma once

#include "maptable/v1/envelope.pb.h"
#include "model/room_state.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace maptable {

namespace pb = maptable::v1;

struct client_options {
    std::string url;     // ws://host:port/v1/ws, or wss:// for TLS (1.2 or newer, certificate checked)
    std::string ca_file; // wss: PEM file of the CAs to trust; empty = the system's
    std::string room_id;
    std::string token;     // a join token for room_id
    std::string client_id; // stable per install; empty = a random one for this client object
    std::size_t max_message_bytes = 256 * 1024 * 1024; // a Welcome of a large room is large
    // Reconnect after the connection drops, with exponential backoff and
    // jitter, resuming from the replica's (epoch, seq) and resending every
    // unacknowledged command with its original request id (the server acks a
    // retry of an applied command with its original seq, never applies it
    // twice). A refused join (bad token, wrong version) is not retried.
    bool reconnect = true;
    std::chrono::milliseconds reconnect_initial_delay{200};
    std::chrono::milliseconds reconnect_max_delay{10000};
    // Requests sent or queued and not yet answered, at most; past it a new
    // one fails at once instead of growing the queue without bound while
    // offline. Far above what a person produces between two Welcomes.
    std::size_t max_pending = 65536;
    // A node that does not own the room answers the Join with a Redirect to
    // the owner, and a node that loses the room closes with 4001 "room
    // moved"; both are followed at once, without backoff (keeping the room,
    // token, client id, replica and Resume). This many in a row, without a
    // Welcome or a reconnect backoff between them, and the client stops with
    // an error instead of bouncing between nodes that disagree about the
    // owner. (A redirect to an owner that is down backs off and is retried
    // like any dropped connection: another node takes the room over.) A
    // client configured with wss:// refuses a Redirect to ws://: the Join
    // carries the token.
    int max_redirects = 4;
};

enum class connection_state {
    connecting,   // first connection under way (also following a Redirect to the owner)
    connected,    // joined (the Welcome arrived)
    reconnecting, // the connection dropped or the room moved; waiting to retry or retrying
    closed,       // disconnect(), a refused join, reconnect off, or too many redirects: final
};

// How a command (or the join) ended.
struct command_result {
    bool ok = false;
    std::uint64_t seq = 0;                           // the event's seq, when ok
    pb::ErrorCode code = pb::ERROR_CODE_UNSPECIFIED; // when not ok
    std::string message;                             // when not ok, for people
};

// The answer to state_at_seq()/state_at_time(): the room as it was then,
// rebuilt by the server from its log.
struct state_at_result {
    bool ok = false;
    model::room_state state{""}; // when ok
    command_result error;        // when not ok
};

struct chat_page {
    bool ok = false;
    std::vector<pb::ChatMessage> messages; // oldest first
    bool has_more = false;
    command_result error; // when not ok
};

// How the connection ended, when it has.
struct close_info {
    bool closed = false;
    std::uint16_t code = 0; // WebSocket close code; 0 when the connection just dropped
    std::string reason;
};

class client {
public:
    explicit client(client_options options);
    ~client(); // closes the connection and joins the I/O thread
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // Connects and joins. Ready when the Welcome arrived (ok) or the join was
    // refused or the connection failed (not ok, with the server's code).
    std::future<command_result> connect();

    // Closes the connection (normal closure). Pending commands fail.
    void disconnect();

    // Event commands: ready with the ack (ok, seq) once the event is durable
    // and already applied to the replica, or with the server's error (the
    // code names what was wrong: PERMISSION_DENIED, LOCKED, MUTED, ...). Each
    // is sent with its own request id and, like every event command, resent
    // after a reconnect until it is answered. Who may send which is in
    // docs/PERMISSIONS.md.
    std::future<command_result> add_feature(pb::Feature feature);
    std::future<command_result> update_feature(std::string id, pb::FeaturePatch patch);
    // reason: why a facilitator removes someone else's feature (kept in the log).
    std::future<command_result> delete_feature(std::string id, std::string reason = {});
    // mentions: participant ids the text mentions (@name), at most 20.
    std::future<command_result> send_chat(std::string text, std::uint64_t reply_to = 0, std::string feature_id = {},
                                          std::vector<std::string> mentions = {});
    std::future<command_result> update_room_info(pb::RoomInfoChanged change);

    // Chat changes, for messages among the replica's recent chat.
    std::future<command_result> react_to_chat(std::uint64_t message_seq, std::string emoji, bool remove = false);
    std::future<command_result> edit_chat(std::uint64_t message_seq, std::string text);
    std::future<command_result> delete_chat(std::uint64_t message_seq, std::string reason = {});

    // Moderation (facilitator).
    std::future<command_result> update_settings(pb::RoomSettingsChange change);
    std::future<command_result> mute_participant(std::string participant_id, bool muted = true,
                                                 std::string reason = {});
    // Closes their connections; their token is refused from then on.
    std::future<command_result> remove_participant(std::string participant_id, std::string reason = {});

    // Comment threads. thread_id is chosen by the caller (1-64 of
    // [A-Za-z0-9_-]; random_id() makes one); text is the first comment.
    std::future<command_result> start_thread(std::string thread_id, std::string feature_id, std::string text);
    std::future<command_result> start_thread(std::string thread_id, pb::LonLat position, std::string text);
    std::future<command_result> add_comment(std::string thread_id, std::string text);
    std::future<command_result> edit_comment(std::string thread_id, std::uint64_t comment_seq, std::string text);
    std::future<command_result> delete_comment(std::string thread_id, std::uint64_t comment_seq,
                                               std::string reason = {});
    std::future<command_result> resolve_thread(std::string thread_id, bool resolved = true);

    // Workshop tools (facilitator, except raise_hand, place_dot, remove_dot).
    std::future<command_result> set_agenda(std::vector<pb::AgendaStep> steps); // replaces the agenda
    std::future<command_result> open_agenda_step(std::string step_id);         // empty: close the open step
    // duration is used by ACTION_START only (1 s to 24 h).
    std::future<command_result> control_timer(pb::ControlTimer::Action action,
                                              std::chrono::milliseconds duration = std::chrono::milliseconds(0));
    std::future<command_result> share_view(pb::Viewport viewport); // brings everyone there once
    std::future<command_result> set_follow(bool on);               // everyone's view follows mine
    std::future<command_result> spotlight(std::string feature_id); // empty: clear
    std::future<command_result> raise_hand(bool raised = true);    // false: lower it
    std::future<command_result> call_next_hand();
    std::future<command_result> clear_hands();
    std::future<command_result> open_vote(pb::VoteRound round);
    std::future<command_result> place_dot(std::string vote_id, std::string feature_id);
    std::future<command_result> remove_dot(std::string vote_id, std::string feature_id);
    std::future<command_result> close_vote(std::string vote_id);
    std::future<command_result> start_session(std::string title);
    std::future<command_result> end_session();

    // Replay: the room as it was at a seq, or at its last event at or before
    // a server time (Unix ms), rebuilt by the server from its log. Refused
    // with SEQ_OUT_OF_RANGE for a seq the room has not reached or a time
    // before its first event. The replica is not touched.
    std::future<state_at_result> state_at_seq(std::uint64_t seq);
    std::future<state_at_result> state_at_time(std::int64_t time_ms);

    // Any ClientMessage (its request_id is set here). Commands without an ack
    // (presence) complete only if the server answers with an error.
    std::future<command_result> send(pb::ClientMessage message);

    // Older chat than before_seq (0: the newest).
    std::future<chat_page> chat_history(std::uint64_t before_seq, std::uint32_t limit);

    // Presence: fire and forget; the server coalesces and relays at its tick.
    void move_cursor(double lon, double lat);
    void change_viewport(pb::Viewport viewport);

    // The replica and the roster, copied under a lock.
    model::room_state replica() const;
    std::uint64_t seq() const;
    std::vector<pb::Participant> online() const;
    pb::Participant me() const;
    close_info closed() const;
    connection_state state() const;
    // The url of the current (or last) connection: the configured one, or
    // the owner's a Redirect named. A reconnect after a drop starts from
    // the configured url again (a proxy, or a node that redirects), since
    // the owner may have changed meanwhile.
    std::string endpoint() const;
    std::size_t pending_commands() const; // sent or queued, not yet acked
    std::string epoch() const;
    // Uses token from now on: sent as RefreshToken on the live connection
    // (ready with the server's answer) and used for later reconnects.
    std::future<command_result> refresh_token(std::string token);
    // Drops the connection abruptly, as a network failure would (tests, and
    // apps that know the network changed); reconnects when reconnect is on.
    void drop_connection();
    const std::string& client_id() const;

    // Server time minus this machine's time, measured at the last Welcome
    // (its server_time_ms; 0 before the first or from a server that sends
    // none). Add it to the local clock to get server time. It includes the
    // Welcome's one-way delay, which is small next to a timer's seconds.
    std::chrono::milliseconds server_clock_offset() const;
    // What the replica's shared timer has left now, in server time (0 when it
    // ran out or was never started); see remaining_ms() below.
    std::int64_t timer_remaining_ms() const;
    // The pseudonym of this participant's dots in anonymous vote rounds, from
    // the last Welcome.
    std::string ballot_id() const;

    // Callbacks, run on the client's I/O thread, one at a time. Each setter
    // replaces that callback (an empty function removes it) and may be called
    // from any thread, at any time, also from a callback: a delivery that has
    // not started yet uses the new one. Set them before connect() to see the
    // first connection's states and Welcome. None runs once the destructor
    // has started (it waits for one under way, as clear_callbacks() does).
    void on_event(std::function<void(const pb::Event&)> callback);
    void on_presence(std::function<void(const pb::PresenceUpdate&)> callback);
    void on_participant_joined(std::function<void(const pb::Participant&)> callback);
    void on_participant_left(std::function<void(const std::string& participant_id)> callback);
    // An Error not tied to a pending request (request id 0, e.g. a malformed frame).
    void on_error(std::function<void(const pb::Error&)> callback);
    void on_closed(std::function<void(const close_info&)> callback);
    // Every change of connection state (for "reconnecting, N changes pending").
    void on_state(std::function<void(connection_state)> callback);
    // After each (re)join: true when the replica was kept and the missed
    // events follow (recovered), false when a snapshot replaced it.
    void on_welcome(std::function<void(bool recovered)> callback);
    // "Everyone's view follows": called with the view this client's map
    // should move to when an agenda step with a view opens, when a
    // facilitator shares a view (ViewShared; not for one's own share), and,
    // while someone else leads (FollowState), with each viewport of the
    // leader's presence. A step's view given as centre and zoom arrives as a
    // viewport whose two corners are both the centre, with that zoom; a view
    // with bounds as those bounds (and the step's zoom, 0 when unset). Also
    // called for such events among the missed ones replayed after a resume.
    void on_view_request(std::function<void(const pb::Viewport&)> callback);
    // A chat message someone else posted that mentions me() (its mentions
    // hold my participant id).
    void on_mention(std::function<void(const pb::ChatMessage&)> callback);
    // Removes every callback: once it returns, no callback starts (until one
    // is set again). Called from any other thread, it also waits for the
    // callback running at that moment, if any, to finish, so none is running
    // when it returns: call it before destroying what the callbacks capture,
    // and not while holding a lock a callback takes. Called from inside a
    // callback, it returns at once and only that callback (the caller) is
    // still running, to its end. It does not wait on the client's connection
    // or event loop: it returns whether the client is connected, reconnecting
    // or closed.
    void clear_callbacks();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// What a shared timer has left at server time now_ms:
// running ? remaining_ms - (now_ms - started_at_ms) : remaining_ms, never
// below 0 (and never above remaining_ms when now_ms is before the start).
std::int64_t remaining_ms(const pb::Timer& timer, std::int64_t now_ms);

// The viewport a map should show for an agenda step's view (see
// client::on_view_request for how a centre and zoom are carried).
pb::Viewport viewport_of(const pb::MapView& view);

// A short random id, e.g. for client ids and feature ids.
std::string random_id(std::size_t bytes = 8);

} // namespace maptable
