// Layer: session. One connected participant: the Join handshake (protocol
// version, room id, join token), then routing of each command to its room.
//
// Runs on its connection's executor (a strand in the shared thread model, its
// event loop's own in the per-core one; either runs one handler at a time):
// on_message and on_closed are called there,
// and completions from the room are posted back to it. Owned by its
// connection (net/websocket_connection); rooms hold it weakly as a subscriber.
#pragma once

#include "model/limits.hpp"
#include "model/room_state.hpp"
#include "room/room_host.hpp"
#include "session/connection.hpp"
#include "session/server_context.hpp"
#include "session/token_bucket.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace maptable::session {

// The protocol versions this server speaks.
inline constexpr std::uint32_t min_protocol_version = 1;
inline constexpr std::uint32_t max_protocol_version = 1;

class participant final : public room::subscriber, public std::enable_shared_from_this<participant> {
public:
    participant(server_context& context, boost::asio::any_io_executor executor, std::weak_ptr<connection> conn,
                std::uint64_t connection_id);

    // Starts the join deadline. Called once, right after construction.
    void start();

    // One binary message from the client.
    void on_message(std::string_view bytes);

    // The connection ended; leave the room.
    void on_closed();

    // The token this participant joined (or last refreshed) with was revoked:
    // sends Error TOKEN_REVOKED and closes with 1008 "token revoked".
    // Thread-safe (posts to the participant's executor); a no-op once closed.
    void revoke();

    // room::subscriber
    void deliver(room::shared_piece piece) override;
    void deliver_all(std::vector<room::shared_piece> pieces) override;
    void deliver_catch_up(std::vector<room::shared_piece> pieces) override;
    // In the per-core thread model the participant's executor is its one-thread
    // io_context: that is its lane (room/fanout).
    const boost::asio::any_io_executor* lane() const override { return on_lane_ ? &executor_ : nullptr; }
    void deliver_on_lane(const std::vector<room::shared_piece>& pieces) override;
    void disconnect(std::string reason) override;
    // Removed from the room: sends Error{code, message}, revokes the token id
    // this participant joined with until the token expires (in memory at once,
    // then in the store, so it cannot join again, also after a restart), and
    // closes with 1008 "removed from the room". Posts to the participant's executor.
    void kick(pb::ErrorCode code, std::string message) override;

private:
    enum class phase { waiting_for_join, joining, joined, closed };

    void handle_join(const pb::ClientMessage& message);
    void enter_room(std::uint64_t request_id, std::optional<pb::Resume> resume, int attempts_left);
    void handle_refresh(const pb::ClientMessage& message);
    void finish_refresh(std::uint64_t request_id, auth::join_claims claims);
    // The role a network invitation gives in this participant's room (the
    // room's RoomInfo and the network's state, model::role_in_room), or why
    // it is refused; then runs on the participant's executor.
    void network_role(const auth::join_claims& claims,
                      std::function<void(std::variant<pb::Role, model::rejection>)> then);
    void arm_expiry(std::int64_t expires_at);
    bool within_rate(const pb::ClientMessage& message);
    void forward_presence(pb::ParticipantPresence presence);
    void close_connection(close_code code, std::string reason);
    void handle_command(pb::ClientMessage message);
    void reply_error(std::uint64_t request_id, pb::ErrorCode code, std::string message);
    void refuse_join(std::uint64_t request_id, pb::ErrorCode code, std::string message);
    // Another node owns the room: Redirect{request_id, owner_url?room=id},
    // then close 4001 "room moved".
    void redirect(std::uint64_t request_id, const std::string& owner_url);
    void unregister_token();
    void revoke_own_token();

    server_context& context_;
    boost::asio::any_io_executor executor_;
    std::weak_ptr<connection> connection_;
    std::uint64_t connection_id_;
    bool on_lane_;
    std::shared_ptr<revocation_list> revocations_;
    // The "jti" of the token in force ("" = none), under which this participant is
    // registered in revocations_ from its Join until it closes.
    std::string token_id_;
    std::int64_t token_expires_at_ = 0; // "exp" of the token in force: how long a revocation must last
    bool network_token_ = false;        // joined with a network invitation (a "net" claim)

    phase phase_ = phase::waiting_for_join;
    std::string room_id_;
    std::string client_id_;
    model::actor actor_;
    std::shared_ptr<room::room_host> room_;

    // One timer for both deadlines, one after the other: the Join's until
    // the Join arrives, then the token's expiry. A second timer would cost
    // 120 bytes on every connection, and the idle benchmark holds 10 000.
    boost::asio::steady_timer deadline_;
    token_bucket commands_;
    token_bucket presence_;
    int rate_strikes_ = 0;
    // Presence over the rate is not dropped but coalesced here (newest
    // wins) and forwarded when the rate allows, so the last position a
    // participant sends always arrives.
    std::optional<pb::ParticipantPresence> deferred_presence_;
    boost::asio::steady_timer presence_flush_;
};

} // namespace maptable::session
