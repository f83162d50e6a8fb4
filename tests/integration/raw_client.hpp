// Test harness: a bare WebSocket client (no SDK) that can send anything,
// including what the SDK never would: garbage, text frames, huge frames.
#pragma once

#include "maptable/v1/envelope.pb.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace maptable::test {

namespace pb = maptable::v1;

struct raw_close {
    std::uint16_t code = 0;
    std::string reason;
};

class raw_client {
public:
    // Connects to 127.0.0.1:port and upgrades on path.
    raw_client(unsigned short port, const std::string& path = "/v1/ws");
    // The same, with the socket's receive buffer set to receive_buffer_bytes
    // before it connects: a client that then stops reading stalls the
    // server's writes soon (a slow or stalled reader).
    raw_client(unsigned short port, const std::string& path, int receive_buffer_bytes);
    ~raw_client();

    void send_binary(const std::string& bytes);
    void send_text(const std::string& text);
    void send(const pb::ClientMessage& message);

    // Sends Join with token for room; returns the first answering message.
    pb::ServerMessage join(const std::string& room, const std::string& token, std::uint32_t version = 1);

    // The next server message (reads a new frame when the last is used up),
    // or nullopt when the server closed the connection (see close()).
    std::optional<pb::ServerMessage> next();
    // The same, read at most bytes_per_read at a time with a pause after
    // each read: a slow link that keeps reading.
    std::optional<pb::ServerMessage> next_paced(std::size_t bytes_per_read, std::chrono::milliseconds pause);
    // Reads until a message with this request id (an Ack, Error, Welcome or
    // ChatHistory) arrives; nullopt on close.
    std::optional<pb::ServerMessage> answer_to(std::uint64_t request_id);

    const raw_close& close() const { return close_; }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    std::vector<pb::ServerMessage> buffered_;
    raw_close close_;
};

// Client messages as a client sends them, for tests that speak the protocol
// without the SDK.
pb::ClientMessage chat_command(std::uint64_t request_id, const std::string& text);
pb::ClientMessage join_message(const std::string& room, const std::string& token, const std::string& client_id,
                               std::optional<pb::Resume> resume = std::nullopt, std::uint64_t request_id = 1);
pb::Resume resume_at(const std::string& epoch, std::uint64_t seq);

// A plain HTTP GET; returns the status code and body.
std::pair<int, std::string> http_get(unsigned short port, const std::string& target);

} // namespace maptable::test
