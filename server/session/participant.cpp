#include "session/participant.hpp"

#include "metrics/metrics.hpp"

#include "auth/ballot.hpp"
#include "model/network_state.hpp"
#include "model/plain_id.hpp"
#include "network/network_service.hpp"
#include "room/frame.hpp"
#include "session/decode.hpp"
#include "store/clock.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

namespace maptable::session {

participant::participant(server_context& context, boost::asio::any_io_executor executor, std::weak_ptr<connection> conn,
                         std::uint64_t connection_id)
    : context_(context)
    , executor_(std::move(executor))
    , connection_(std::move(conn))
    , connection_id_(connection_id)
    , on_lane_(context.one_thread_per_context)
    , revocations_(context.revocations)
    , deadline_(executor_)
    , commands_(context.limits.command_rate, context.limits.command_burst, token_bucket::clock::now())
    , presence_(context.limits.presence_rate, context.limits.presence_rate, token_bucket::clock::now())
    , presence_flush_(executor_)
{
}

void participant::start()
{
    deadline_.expires_after(context_.limits.join_timeout);
    deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->phase_ != phase::waiting_for_join)
            return;
        self->reply_error(0, pb::ERROR_CODE_JOIN_TIMEOUT, "no Join arrived in time");
        self->close_connection(close_code::policy, "no Join arrived in time");
    });
}

void participant::revoke()
{
    boost::asio::post(executor_, [self = shared_from_this()] {
        if (self->phase_ == phase::closed)
            return;
        spdlog::info("conn={} room={} token revoked participant={}", self->connection_id_, self->room_id_,
                     self->actor_.id);
        self->reply_error(0, pb::ERROR_CODE_TOKEN_REVOKED, "the join token was revoked");
        self->close_connection(close_code::policy, "token revoked");
    });
}

void participant::kick(pb::ErrorCode code, std::string message)
{
    boost::asio::post(executor_, [self = shared_from_this(), code, message = std::move(message)]() mutable {
        if (self->phase_ == phase::closed)
            return;
        spdlog::info("conn={} room={} participant={} removed from the room", self->connection_id_, self->room_id_,
                     self->actor_.id);
        self->revoke_own_token();
        self->reply_error(0, code, std::move(message));
        // The room has dropped this member already; the leave in close_connection finds nothing.
        self->close_connection(close_code::policy, "removed from the room");
    });
}

void participant::revoke_own_token()
{
    // A token without a jti cannot be revoked alone; the room's removed set
    // still refuses its participant id.
    if (token_id_.empty())
        return;
    // A network invitation opens every room of its network: removal from
    // one room must not close the others. The room's removed set refuses
    // its participant here.
    if (network_token_)
        return;
    // Every other participant object registered under this token id is the same
    // participant in the same room (a token names one of each), so the room
    // kicks those itself, or refuses their join: the participants revoke()
    // returns need no closing here.
    (void)revocations_->revoke(token_id_, token_expires_at_);
    if (context_.store == nullptr)
        return;
    context_.store->run([jti = token_id_, expires_at = token_expires_at_, room = room_id_](store::event_log& log) {
        try {
            log.revoke(jti, expires_at);
        } catch (const std::exception& e) {
            // The removal itself is in the room's log: the participant stays
            // refused in this room even if the token id is not stored.
            spdlog::error("room={} the token id of a removed participant could not be stored: {}", room, e.what());
        }
    });
}

void participant::unregister_token()
{
    revocations_->unregister_participant(token_id_, this);
    token_id_.clear();
}

void participant::close_connection(close_code code, std::string reason)
{
    phase_ = phase::closed;
    unregister_token();
    deadline_.cancel();
    presence_flush_.cancel();
    if (room_)
        room_->leave(this);
    if (auto conn = connection_.lock())
        conn->close(code, std::move(reason));
}

void participant::deliver(room::shared_piece piece)
{
    if (auto conn = connection_.lock())
        conn->send(std::move(piece));
}

void participant::deliver_all(std::vector<room::shared_piece> pieces)
{
    if (auto conn = connection_.lock())
        conn->send_all(std::move(pieces));
}

void participant::deliver_catch_up(std::vector<room::shared_piece> pieces)
{
    if (auto conn = connection_.lock())
        conn->send_catch_up(std::move(pieces));
}

void participant::deliver_on_lane(const std::vector<room::shared_piece>& pieces)
{
    if (auto conn = connection_.lock())
        conn->send_here(pieces);
}

void participant::disconnect(std::string reason)
{
    // A room that stepped down (another node owns it now): 4001 tells the
    // client to reconnect at once and resume, which reaches the new owner.
    const auto code = reason == room::room_moved_reason ? close_code::room_moved : close_code::going_away;
    if (auto conn = connection_.lock())
        conn->close(code, std::move(reason));
}

void participant::redirect(std::uint64_t request_id, const std::string& owner_url)
{
    metrics::global().redirects.add();
    pb::ServerMessage message;
    auto* redirect = message.mutable_redirect();
    redirect->set_request_id(request_id);
    // The room in the url too, so that a proxy in front of the owner can
    // route the upgrade by room without reading the Join.
    redirect->set_url(owner_url + (owner_url.find('?') == std::string::npos ? "?room=" : "&room=") + room_id_);
    redirect->set_room_id(room_id_);
    redirect->set_reason("room " + room_id_ + " is served by another node");
    spdlog::info("conn={} room={} redirected to {}", connection_id_, room_id_, redirect->url());
    deliver(room::encode_piece(message));
    close_connection(close_code::room_moved, std::string(room::room_moved_reason));
}

void participant::reply_error(std::uint64_t request_id, pb::ErrorCode code, std::string message)
{
    spdlog::info("conn={} room={} error request={} code={}", connection_id_, room_id_, request_id,
                 pb::ErrorCode_Name(code));
    deliver(room::error_piece(request_id, code, std::move(message)));
}

void participant::refuse_join(std::uint64_t request_id, pb::ErrorCode code, std::string message)
{
    reply_error(request_id, code, message);
    close_connection(close_code::policy, "join refused: " + message);
}

void participant::on_message(std::string_view bytes)
{
    if (phase_ == phase::closed)
        return;
    auto decoded = decode_client_message(bytes);
    if (auto* failure = std::get_if<decode_failure>(&decoded)) {
        reply_error(failure->request_id, failure->code, std::move(failure->message));
        return;
    }
    auto& message = std::get<pb::ClientMessage>(decoded);
    metrics::global().commands.add(static_cast<std::size_t>(message.body_case()));
    if (message.body_case() == pb::ClientMessage::BODY_NOT_SET) {
        reply_error(message.request_id(), pb::ERROR_CODE_UNKNOWN_COMMAND,
                    "the message carries no command this server knows (is the client newer?)");
        return;
    }
    if (!within_rate(message))
        return;
    if (message.has_join())
        return handle_join(message);
    if (phase_ != phase::joined) {
        reply_error(message.request_id(), pb::ERROR_CODE_NOT_JOINED,
                    phase_ == phase::joining ? "the join is still in progress; wait for the Welcome"
                                             : "send Join first");
        return;
    }
    handle_command(std::move(message));
}

void participant::handle_join(const pb::ClientMessage& message)
{
    const auto request_id = message.request_id();
    if (phase_ != phase::waiting_for_join) {
        reply_error(request_id, pb::ERROR_CODE_ALREADY_JOINED, "this connection has already joined a room");
        return;
    }
    const auto& join = message.join();
    if (join.protocol_version() < min_protocol_version)
        return refuse_join(request_id, pb::ERROR_CODE_CLIENT_TOO_OLD,
                           "client too old: it speaks protocol " + std::to_string(join.protocol_version()) +
                               ", this server speaks " + std::to_string(min_protocol_version) + " to " +
                               std::to_string(max_protocol_version) + "; update the client");
    if (join.protocol_version() > max_protocol_version)
        return refuse_join(request_id, pb::ERROR_CODE_CLIENT_TOO_NEW,
                           "client too new: it speaks protocol " + std::to_string(join.protocol_version()) +
                               ", this server speaks at most " + std::to_string(max_protocol_version) +
                               "; update the server or use an older client");
    if (!model::is_plain_id(join.room_id()))
        return refuse_join(request_id, pb::ERROR_CODE_INVALID_ROOM_ID,
                           "a room id is 1-64 characters of A-Z a-z 0-9 . _ -");
    room_id_ = join.room_id();
    if (!model::is_plain_id(join.client_id()))
        return refuse_join(request_id, pb::ERROR_CODE_INVALID_CLIENT_ID,
                           "a client id is 1-64 characters of A-Z a-z 0-9 . _ -");

    auto verified = auth::verify_join_token(join.token(), context_.verifier, clock::now_seconds());
    if (auto* bad = std::get_if<auth::token_error>(&verified))
        return refuse_join(request_id, bad->code, bad->message);
    auto& claims = std::get<auth::join_claims>(verified);
    // A network invitation may name no room: the room's own network decides
    // (below, once the room's place and the network are read).
    if (claims.room != join.room_id() && !(claims.room.empty() && !claims.network.empty()))
        return refuse_join(request_id, pb::ERROR_CODE_TOKEN_WRONG_ROOM, "the join token is for another room");
    // Registered before entering the room, in one step with the check, so a
    // revocation arriving during the join still finds and closes this participant.
    if (!revocations_->register_participant(claims.token_id, weak_from_this()))
        return refuse_join(request_id, pb::ERROR_CODE_TOKEN_REVOKED, "the join token was revoked");
    token_id_ = claims.token_id;
    token_expires_at_ = claims.expires_at;
    network_token_ = !claims.network.empty();

    client_id_ = join.client_id();
    // The ballot id names this participant's dots in anonymous rounds: the
    // same for every connection of theirs to this room, never their id.
    actor_ = model::actor{claims.subject, claims.name, claims.role,
                          auth::ballot_id(context_.verifier.secret, room_id_, claims.subject)};
    phase_ = phase::joining;
    arm_expiry(claims.expires_at); // replaces the Join deadline (expires_after cancels its wait)
    std::optional<pb::Resume> resume;
    if (join.has_resume())
        resume = join.resume();
    if (claims.network.empty())
        return enter_room(request_id, std::move(resume), 3);
    network_role(claims,
                 [self = shared_from_this(), request_id,
                  resume = std::move(resume)](std::variant<pb::Role, model::rejection> role) mutable {
        if (self->phase_ != phase::joining)
            return; // the connection closed meanwhile
        if (auto* refused = std::get_if<model::rejection>(&role))
            return self->refuse_join(request_id, refused->code, refused->message);
        self->actor_.role = std::get<pb::Role>(role);
        self->enter_room(request_id, std::move(resume), 3);
    });
}

void participant::network_role(const auth::join_claims& claims,
                               std::function<void(std::variant<pb::Role, model::rejection>)> then)
{
    if (context_.store == nullptr || !context_.work)
        return then(model::rejection{pb::ERROR_CODE_ROOM_UNAVAILABLE, "this server keeps no networks"});
    model::network_member who{claims.network, claims.city, claims.role};
    // The room's place and the network are read from the store: on the
    // work pool, never on this event loop.
    boost::asio::post(
        context_.work,
        [self = shared_from_this(), who = std::move(who), room_id = room_id_, then = std::move(then)]() mutable {
        std::variant<pb::Role, model::rejection> role = model::rejection{};
        try {
            auto& service = network::service_for(*self->context_.store);
            const auto place = service.place_of(room_id);
            auto state = place.network_id == who.network_id ? service.find(who.network_id) : std::nullopt;
            role = model::role_in_room(who, place, state ? *state : model::network_state(who.network_id));
        } catch (const std::exception& e) {
            spdlog::error("conn={} room={} network {} could not be read: {}", self->connection_id_, room_id,
                          who.network_id, e.what());
            role = model::rejection{pb::ERROR_CODE_ROOM_UNAVAILABLE,
                                    "the room's network could not be read; try again later"};
        }
        boost::asio::post(self->executor_,
                          [then = std::move(then), role = std::move(role)]() mutable { then(std::move(role)); });
        });
}

void participant::enter_room(std::uint64_t request_id, std::optional<pb::Resume> resume, int attempts_left)
{
    room_ = context_.rooms.open(room_id_);
    if (!room_)
        return refuse_join(request_id, pb::ERROR_CODE_SERVER_BUSY,
                           "the server cannot take this room now (busy or shutting down); try again shortly");
    room_->join(shared_from_this(), actor_, request_id, resume,
                [self = shared_from_this(), request_id, resume, attempts_left](room::join_outcome outcome,
                                                                               const std::string& moved_to) {
        boost::asio::post(self->executor_, [self, request_id, resume, attempts_left, outcome, moved_to] {
            if (self->phase_ != phase::joining) {
                // The connection closed while joining: leave again.
                if (outcome == room::join_outcome::joined)
                    self->room_->leave(self.get());
                return;
            }
            switch (outcome) {
            case room::join_outcome::joined:
                self->phase_ = phase::joined;
                spdlog::info("conn={} room={} joined participant={} role={}", self->connection_id_, self->room_id_,
                             self->actor_.id, auth::role_name(self->actor_.role));
                return;
            case room::join_outcome::removed:
                self->room_.reset();
                return self->refuse_join(request_id, pb::ERROR_CODE_PARTICIPANT_REMOVED,
                                         "a facilitator removed you from this room");
            case room::join_outcome::moved: self->room_.reset(); return self->redirect(request_id, moved_to);
            case room::join_outcome::full:
                self->room_.reset();
                return self->refuse_join(request_id, pb::ERROR_CODE_ROOM_FULL,
                                         "the room has its maximum of participants");
            case room::join_outcome::gone:
                // Unloaded between lookup and join: the next open loads it anew.
                if (attempts_left > 0)
                    return self->enter_room(request_id, resume, attempts_left - 1);
                [[fallthrough]];
            case room::join_outcome::unavailable:
                self->room_.reset();
                self->refuse_join(request_id, pb::ERROR_CODE_ROOM_UNAVAILABLE,
                                  "the room could not be loaded; try again later");
                return;
            }
        });
    });
}

void participant::handle_command(pb::ClientMessage message)
{
    const auto request_id = message.request_id();
    if (model::produces_event(message)) {
        room_->submit(shared_from_this(), actor_, client_id_, std::move(message));
        return;
    }
    switch (message.body_case()) {
    case pb::ClientMessage::kRefreshToken: return handle_refresh(message);
    case pb::ClientMessage::kGetChatHistory: {
        const auto& ask = message.get_chat_history();
        const auto& limits = model::limits();
        if (ask.limit() > limits.max_history_page)
            return reply_error(request_id, pb::ERROR_CODE_INVALID_LIMIT,
                               "at most " + std::to_string(limits.max_history_page) + " messages per request");
        room_->chat_history(shared_from_this(), request_id, ask.before_seq(),
                            ask.limit() == 0 ? limits.default_history_page : ask.limit());
        return;
    }
    case pb::ClientMessage::kGetStateAt:
        // Any joined role may look back: it shows nothing a member has not seen live.
        room_->state_at(shared_from_this(), request_id, message.get_state_at());
        return;
    case pb::ClientMessage::kMoveCursor: {
        if (auto bad = model::check_position(message.move_cursor().position()))
            return reply_error(request_id, bad->code, bad->message);
        pb::ParticipantPresence presence;
        presence.set_participant_id(actor_.id);
        *presence.mutable_cursor() = message.move_cursor().position();
        return forward_presence(std::move(presence));
    }
    case pb::ClientMessage::kChangeViewport: {
        if (auto bad = model::check_viewport(message.change_viewport().viewport()))
            return reply_error(request_id, bad->code, bad->message);
        pb::ParticipantPresence presence;
        presence.set_participant_id(actor_.id);
        *presence.mutable_viewport() = message.change_viewport().viewport();
        return forward_presence(std::move(presence));
    }
    default: return reply_error(request_id, pb::ERROR_CODE_UNKNOWN_COMMAND, "this command is not known to this server");
    }
}

void participant::handle_refresh(const pb::ClientMessage& message)
{
    const auto request_id = message.request_id();
    auto verified = auth::verify_join_token(message.refresh_token().token(), context_.verifier, clock::now_seconds());
    if (auto* bad = std::get_if<auth::token_error>(&verified))
        return reply_error(request_id, bad->code, bad->message + " (the current token stays in force)");
    auto& claims = std::get<auth::join_claims>(verified);
    if (claims.room != room_id_ && !(claims.room.empty() && !claims.network.empty()))
        return reply_error(request_id, pb::ERROR_CODE_TOKEN_WRONG_ROOM, "the new token is for another room");
    if (claims.subject != actor_.id)
        return reply_error(request_id, pb::ERROR_CODE_TOKEN_WRONG_SUBJECT,
                           "the new token names another participant; join again with it instead");
    if (claims.network.empty())
        return finish_refresh(request_id, std::move(claims));
    network_role(
        claims, [self = shared_from_this(), request_id, claims](std::variant<pb::Role, model::rejection> role) mutable {
            if (self->phase_ != phase::joined)
                return;
            if (auto* refused = std::get_if<model::rejection>(&role))
                return self->reply_error(request_id, refused->code,
                                         refused->message + " (the current token stays in force)");
            claims.role = std::get<pb::Role>(role);
            self->finish_refresh(request_id, std::move(claims));
        });
}

void participant::finish_refresh(std::uint64_t request_id, auth::join_claims claims)
{
    if (claims.token_id != token_id_) {
        // From now on the new token's id is the one whose revocation ends this connection.
        if (!revocations_->register_participant(claims.token_id, weak_from_this()))
            return reply_error(request_id, pb::ERROR_CODE_TOKEN_REVOKED,
                               "the new token was revoked (the current token stays in force)");
        revocations_->unregister_participant(token_id_, this);
        token_id_ = claims.token_id;
    }
    token_expires_at_ = claims.expires_at;
    network_token_ = !claims.network.empty();
    const bool changed = claims.name != actor_.name || claims.role != actor_.role;
    actor_.name = claims.name;
    actor_.role = claims.role; // every later command is checked against the new role
    // Same room and participant, so the same ballot id; derived again so the
    // actor is always built from the token in force.
    actor_.ballot_id = auth::ballot_id(context_.verifier.secret, room_id_, actor_.id);
    arm_expiry(claims.expires_at);
    if (changed) {
        spdlog::info("conn={} room={} token refreshed participant={} role={}", connection_id_, room_id_, actor_.id,
                     auth::role_name(actor_.role));
        room_->update_participant(actor_);
    }
    deliver(room::ack_piece(request_id, 0));
}

void participant::arm_expiry(std::int64_t expires_at)
{
    // A live connection lasts as long as its token (plus the leeway): a
    // client refreshes it in time, or is closed and must join anew.
    const auto remaining = std::chrono::seconds(expires_at + context_.verifier.leeway_seconds - clock::now_seconds());
    deadline_.expires_after(remaining);
    deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->phase_ == phase::closed)
            return;
        self->reply_error(0, pb::ERROR_CODE_TOKEN_EXPIRED, "the join token expired; refresh it or join again");
        self->close_connection(close_code::policy, "join token expired");
    });
}

bool participant::within_rate(const pb::ClientMessage& message)
{
    if (message.has_move_cursor() || message.has_change_viewport())
        return true; // presence has its own rate: forward_presence
    if (commands_.try_take(token_bucket::clock::now()))
        return true;
    if (++rate_strikes_ > context_.limits.rate_strikes_before_close) {
        spdlog::warn("conn={} room={} closed: sustained command flood", connection_id_, room_id_);
        close_connection(close_code::policy, "too many commands");
        return false;
    }
    reply_error(message.request_id(), pb::ERROR_CODE_RATE_LIMITED, "too many commands; slow down and resend");
    return false;
}

void participant::forward_presence(pb::ParticipantPresence presence)
{
    if (!deferred_presence_ && presence_.try_take(token_bucket::clock::now())) {
        room_->update_presence(std::move(presence));
        return;
    }
    if (!deferred_presence_) {
        deferred_presence_ = std::move(presence);
        presence_flush_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(1.0 / std::max(1.0, context_.limits.presence_rate))));
        presence_flush_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (ec || !self || self->phase_ != phase::joined || !self->deferred_presence_)
                return;
            self->room_->update_presence(std::move(*self->deferred_presence_));
            self->deferred_presence_.reset();
        });
        return;
    }
    if (presence.has_cursor())
        *deferred_presence_->mutable_cursor() = presence.cursor();
    if (presence.has_viewport())
        *deferred_presence_->mutable_viewport() = presence.viewport();
}

void participant::on_closed()
{
    if (room_ && phase_ == phase::joined) {
        spdlog::info("conn={} room={} left participant={}", connection_id_, room_id_, actor_.id);
        room_->leave(this);
    }
    phase_ = phase::closed;
    unregister_token();
    deadline_.cancel();
}

} // namespace maptable::session
