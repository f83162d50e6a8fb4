// Test harness: a TCP proxy on loopback that cuts connections on command.
//
//     client ──▶ 127.0.0.1:proxy.port() ──▶ 127.0.0.1:target port (the server)
//
// Every accepted connection is paired with a fresh connection to the target
// and bytes are forwarded both ways unchanged, until the test cuts the pair:
//
// - cut_all(): every live pair, now (both sockets reset).
// - cut_randomly(min, max): from now on each pair is cut after a random number
//   of forwarded bytes (both directions together) drawn from [min, max] by a
//   seeded generator. The budget can run out in the middle of a read, so the
//   peer gets part of a WebSocket frame (or of the HTTP upgrade) and then the
//   cut. Whether a cut resets (RST) or closes (FIN) is drawn too.
// - cut_after_server_bytes(n): each live pair forwards at most n more bytes
//   from the server and is cut when the server sends more. With n = 0 and a
//   command sent next, the server's answer (its Event and Ack, sent after the
//   commit) is lost: the "committed but not acknowledged" window.
// - cut_after_client_bytes(n): the same towards the server: a command can
//   arrive in part, then the cut.
//
// It connects only to 127.0.0.1 and listens only on 127.0.0.1. It runs its own
// io_context on its own thread; every public method is thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace maptable::test {

enum class cut_style {
    reset,  // SO_LINGER 0 and close: both peers see a connection reset
    close,  // shutdown and close: both peers see an end of stream (FIN), maybe mid-frame
    random, // drawn per cut from the proxy's generator
};

class fault_proxy {
public:
    // Listens on 127.0.0.1 at a free port; forwards to 127.0.0.1:target_port.
    explicit fault_proxy(unsigned short target_port, std::uint64_t seed = 1);
    ~fault_proxy(); // cuts every pair and joins the thread
    fault_proxy(const fault_proxy&) = delete;
    fault_proxy& operator=(const fault_proxy&) = delete;

    unsigned short port() const;
    // ws://127.0.0.1:<proxy port><path>
    std::string url(const std::string& path = "/v1/ws") const;
    // Connections accepted from now on go to this port (a restarted server).
    void set_target_port(unsigned short target_port);

    // Cuts every live pair; returns how many were cut. When it returns, every
    // one of them is closed.
    std::size_t cut_all(cut_style style = cut_style::reset);

    // Random cuts for every pair, live ones included (each gets a fresh
    // budget). max_bytes >= min_bytes >= 0.
    void cut_randomly(std::size_t min_bytes, std::size_t max_bytes, cut_style style = cut_style::random);
    // Ends random cutting; pairs already armed by cut_after_* stay armed.
    void stop_cutting();

    // One-shot per live pair (pairs accepted later are not affected).
    void cut_after_server_bytes(std::size_t n, cut_style style = cut_style::reset);
    void cut_after_client_bytes(std::size_t n, cut_style style = cut_style::reset);

    // Counters since construction.
    std::uint64_t connections() const; // pairs accepted
    std::uint64_t cuts() const;        // pairs cut by the proxy (not ends by a peer)
    std::uint64_t live() const;        // pairs open now
    std::uint64_t bytes_to_server() const;
    std::uint64_t bytes_to_client() const;

    // One line per live pair: bytes forwarded and what each direction is
    // doing (for failure messages).
    std::string describe() const;

    // Waits until cuts() >= n; false on timeout.
    bool wait_for_cuts(std::uint64_t n, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // Waits until live() >= n; false on timeout.
    bool wait_for_live(std::uint64_t n, std::chrono::milliseconds timeout = std::chrono::seconds(30));

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace maptable::test
