// Test harness: the webhook receiver (webhook_receiver.py) as a process of
// its own on a free loopback port, and what it received. Tests wait on it
// (records(n) returns once n requests were accepted), never sleep.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace maptable::test {

// One request as the receiver saw it.
struct received_webhook {
    std::string id;        // webhook-id
    std::string timestamp; // webhook-timestamp
    std::string signature; // webhook-signature
    std::string path;
    std::string mode; // how the receiver answered it: ok, fail or hang
    std::string body;
    boost::json::value json; // body parsed
    std::string room() const;
    std::uint64_t seq() const;
    std::string type() const;
};

class webhook_receiver_process {
public:
    // Starts the receiver answering in mode (ok, fail or hang); with
    // tls_cert and tls_key it speaks HTTPS.
    explicit webhook_receiver_process(std::string mode = "ok", const std::string& tls_cert = {},
                                      const std::string& tls_key = {});
    ~webhook_receiver_process(); // kills it and removes its files

    unsigned short port() const { return port_; }
    // http(s)://127.0.0.1:<port><path>
    std::string url(const std::string& path = "/hook") const;

    // From now on, answer deliveries with 2xx (ok), 500 (fail), or nothing
    // until the mode changes (hang).
    void set_mode(const std::string& mode);

    // The accepted requests once there are at least n; fails the test after
    // timeout.
    std::vector<received_webhook> records(std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(60));
    // Every request received, whatever its answer, once there are at least n.
    std::vector<received_webhook> attempts(std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(60));

private:
    std::vector<received_webhook> wait(const char* which, std::size_t n, std::chrono::seconds timeout);
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    unsigned short port_ = 0;
    bool tls_ = false;
};

// Whether signature ("v1,<base64>", possibly several separated by spaces) is
// HMAC-SHA256(key of secret, id.timestamp.body), computed here with OpenSSL
// independently of the server's code.
bool signature_valid(const std::string& secret, const received_webhook& request);

inline constexpr const char* webhook_admin_key = "webhook-test-admin-key";

// POST /v1/admin/webhooks with the test admin key; fails the test unless 201.
struct registered_webhook {
    std::string id;
    std::string secret;
};
registered_webhook register_webhook(unsigned short server_port, const std::string& url, const std::string& room,
                                    const std::vector<std::string>& kinds);

// GET /v1/admin/webhooks/{id}: the endpoint with its deliveries.
boost::json::object webhook_state(unsigned short server_port, const std::string& id);

// Waits until the endpoint's first delivery satisfies pred. There is no
// event to wait on for a state the server keeps to itself (dead-lettered,
// a cursor moved past unwanted events), so this asks the admin API again
// every 20 ms; it fails the test after timeout.
template <class Pred>
boost::json::object wait_for_delivery(unsigned short server_port, const std::string& id, Pred pred,
                                      std::chrono::seconds timeout = std::chrono::seconds(60));

template <class Pred>
boost::json::object wait_for_delivery(unsigned short server_port, const std::string& id, Pred pred,
                                      std::chrono::seconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto state = webhook_state(server_port, id);
        const auto& delivery = state.at("deliveries").as_array().at(0).as_object();
        if (pred(delivery))
            return delivery;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("the webhook delivery never reached the state waited for: " +
                                     boost::json::serialize(delivery));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

} // namespace maptable::test
