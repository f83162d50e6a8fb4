// SDK, connection logic: when to connect, where to, when to send the Join,
// how long to wait before a reconnect, when to follow a Redirect and when to
// stop for good, as one pure state machine. It does no I/O and reads no
// clock: the driver (client.cpp) feeds it what happened on the socket and
// the timer and performs the action it returns, so every rule here is tested
// by feeding events (tests/unit/sdk/connection_state_test.cpp). The
// TypeScript SDK's client-sdk/js/src/link.ts is the same machine.
#pragma once

#include "maptable/client.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace maptable::detail {

// Where one client's connection is. Exactly one at a time: the flags it
// replaces (open, joined, user closed, ever joined, finished) could combine
// into states that mean nothing.
enum class link_state {
    idle,        // connect() not called yet
    connecting,  // opening a WebSocket to the configured url
    redirected,  // opening a WebSocket to the url a Redirect named
    joining,     // the WebSocket is up and the Join sent; no Welcome yet
    joined,      // the Welcome of this connection arrived
    backing_off, // the connection dropped; waiting for the reconnect timer
    closing,     // the user closed a live connection; waiting for its close handshake
    closed,      // for good: nothing reconnects, requests fail at once
};

const char* to_string(link_state state);

// WebSocket close codes the machine tells apart.
inline constexpr std::uint16_t close_room_moved = 4001; // the node lost the room: rejoin at once

// Close codes after which reconnecting would only be refused again: a text
// frame (1003), policy (1008: refused, expired, flooding), too big (1009).
bool is_final_close(std::uint16_t code);

// How long to wait before reconnect attempt number `attempt` (0 for the
// first after a drop): exponential from `initial`, capped at `max`, with
// jitter in [delay/2, delay] from `random` (in [0, 1]) so that a room's
// clients do not all come back in the same millisecond after a server
// restart. The same schedule as the TypeScript SDK's backoff.ts.
std::chrono::milliseconds reconnect_delay(int attempt, std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                          double random);

// Where a ws:// or wss:// url points, as the transport needs it.
struct ws_endpoint {
    bool secure = false; // wss
    std::string host;
    std::string port;   // 80 or 443 when the url names none
    std::string target; // path and query, with ?room=
};

// The upgrade's target carries the room (?room=ID), so that a proxy in front
// of several nodes can route by room without reading the Join; a room the
// url already names (a Redirect's url does) is left as it is. Nothing when
// url is not ws:// or wss:// with a host.
std::optional<ws_endpoint> parse_ws_url(const std::string& url, const std::string& room_id);

struct reconnect_policy {
    std::string url;       // the configured url (with ?room=)
    bool reconnect = true; // client_options::reconnect
    std::chrono::milliseconds initial_delay{200};
    std::chrono::milliseconds max_delay{10000};
    // Redirects and "room moved" closes in a row, without a Welcome or a
    // backoff between them. Two nodes that each think the other owns the
    // room would otherwise bounce the client between them for ever, with no
    // pause; a handover needs one or two hops.
    int max_hops = 4;
};

// What happened, as the driver saw it.
struct link_event {
    enum class kind {
        start,        // connect() was called
        opened,       // the WebSocket handshake completed
        open_failed,  // resolving, TCP, TLS or the WebSocket handshake failed (text: why)
        welcome,      // the Welcome to our Join arrived
        join_refused, // an Error answering our Join (error, text)
        redirect,     // a Redirect answering our Join (text: its url)
        closed,       // the open connection ended (code: close code, 0 when it dropped; text: reason)
        timer,        // the reconnect timer fired
        user_close,   // disconnect() or the destructor
    };
    kind what = kind::start;
    std::uint16_t code = 0;
    pb::ErrorCode error = pb::ERROR_CODE_UNSPECIFIED;
    std::string text;

    static link_event start() { return make(kind::start); }
    static link_event opened() { return make(kind::opened); }
    static link_event open_failed(std::string why) { return make(kind::open_failed, 0, {}, std::move(why)); }
    static link_event welcome() { return make(kind::welcome); }
    static link_event join_refused(pb::ErrorCode error, std::string message)
    {
        return make(kind::join_refused, 0, error, std::move(message));
    }
    static link_event redirect(std::string url) { return make(kind::redirect, 0, {}, std::move(url)); }
    static link_event closed(std::uint16_t code, std::string reason)
    {
        return make(kind::closed, code, {}, std::move(reason));
    }
    static link_event timer() { return make(kind::timer); }
    static link_event user_close() { return make(kind::user_close); }

private:
    static link_event make(kind what, std::uint16_t code = 0, pb::ErrorCode error = pb::ERROR_CODE_UNSPECIFIED,
                           std::string text = {})
    {
        link_event e;
        e.what = what;
        e.code = code;
        e.error = error;
        e.text = std::move(text);
        return e;
    }
};

// What the driver does next.
struct link_action {
    enum class kind {
        none,
        connect,      // drop the current socket, if any, and open one to url
        send_join,    // send the Join (with Resume once a Welcome was seen)
        schedule,     // start the reconnect timer: delay
        close_socket, // close the live connection politely (after queued writes)
        give_up,      // closed for good: report close_info{code, reason}, fail the join
                      // and every pending request with error and message
    };
    kind what = kind::none;
    std::string url;                                  // connect
    std::chrono::milliseconds delay{0};               // schedule
    std::uint16_t code = 0;                           // give_up
    std::string reason;                               // give_up: the close reason
    std::string message;                              // give_up: why requests fail, for people
    pb::ErrorCode error = pb::ERROR_CODE_UNSPECIFIED; // give_up

    static link_action none() { return {}; }
    static link_action connect(std::string url)
    {
        link_action a;
        a.what = kind::connect;
        a.url = std::move(url);
        return a;
    }
    static link_action send_join()
    {
        link_action a;
        a.what = kind::send_join;
        return a;
    }
    static link_action schedule(std::chrono::milliseconds delay)
    {
        link_action a;
        a.what = kind::schedule;
        a.delay = delay;
        return a;
    }
    static link_action close_socket()
    {
        link_action a;
        a.what = kind::close_socket;
        return a;
    }
    static link_action give_up(std::uint16_t code, std::string reason, std::string message,
                               pb::ErrorCode error = pb::ERROR_CODE_UNSPECIFIED)
    {
        link_action a;
        a.what = kind::give_up;
        a.code = code;
        a.reason = std::move(reason);
        a.message = std::move(message);
        a.error = error;
        return a;
    }
};

// One client's connection logic. Not thread-safe: the driver calls it on its
// I/O thread only.
class connection_machine {
public:
    // random: the jitter's source, in [0, 1]; tests pass a fixed one.
    explicit connection_machine(reconnect_policy policy, std::function<double()> random);

    // Feeds one event; returns what to do. An event that does not belong to
    // the current state (a late timer, a second Welcome) returns none and
    // changes nothing.
    link_action on(const link_event& event);

    link_state state() const { return state_; }
    // The state as the public API names it (client::state()).
    connection_state public_state() const { return public_; }
    // The url of the current (or last) connection: the configured one, or
    // the one the last Redirect named while following it.
    const std::string& endpoint() const { return endpoint_; }
    bool ever_joined() const { return ever_joined_; }
    // Requests are accepted (queued until joined) from connect() until the
    // client closes for good.
    bool accepts_requests() const;
    // The connection may come back: a request the server could not take now
    // (the room is closing) is worth keeping for after the resume.
    bool will_resume() const;
    int attempt() const { return attempt_; }
    int hops() const { return hops_; }

private:
    link_action enter_closed(std::uint16_t code, std::string reason, std::string message,
                             pb::ErrorCode error = pb::ERROR_CODE_UNSPECIFIED);
    link_action hop(std::string url, link_state next, const std::string& why);
    link_action lost(std::uint16_t code, std::string reason, std::string message);
    void set(link_state next);

    reconnect_policy policy_;
    std::function<double()> random_;
    link_state state_ = link_state::idle;
    connection_state public_ = connection_state::connecting;
    std::string endpoint_;
    bool ever_joined_ = false;
    int attempt_ = 0; // reconnect attempts since the last Welcome
    int hops_ = 0;    // redirects and "room moved" closes since the last Welcome or backoff
};

} // namespace maptable::detail
