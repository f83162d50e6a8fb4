#include "room/admin_submit.hpp"

#include "room/subscriber.hpp"

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

namespace maptable::room {
namespace {

// A room answers ROOM_UNAVAILABLE while it loads (commands do not wait for a
// load, joins do) and once it was unloaded. Loading takes milliseconds; a
// room that is still unavailable after this many tries (about 3 s in all)
// failed to load.
constexpr int max_attempts = 12;
constexpr auto first_retry_delay = std::chrono::milliseconds(5);
constexpr auto max_retry_delay = std::chrono::milliseconds(500);

std::uint64_t next_request_id()
{
    static std::atomic<std::uint64_t> counter{1};
    return counter++;
}

// The sender of one admin command: a subscriber that only waits for the
// answer to its request. It keeps itself alive while a room holds it weakly
// and until it completes, once.
class admin_command final : public subscriber, public std::enable_shared_from_this<admin_command> {
public:
    admin_command(room_registry& rooms, boost::asio::any_io_executor retry_on, std::string room_id,
                  pb::ClientMessage command, model::actor actor, admin_done done)
        : rooms_(rooms)
        , timer_(retry_on)
        , room_id_(std::move(room_id))
        , command_(std::move(command))
        , actor_(std::move(actor))
        , done_(std::move(done))
    {
    }

    void start()
    {
        self_ = shared_from_this();
        attempt();
    }

    void deliver(shared_piece piece) override
    {
        // A piece is one ServerFrame field-1 entry, so it parses as a frame
        // of one message.
        pb::ServerFrame frame;
        if (!frame.ParseFromString(*piece))
            return;
        for (const auto& message : frame.messages()) {
            if (message.has_ack() && message.ack().request_id() == current_request_id()) {
                admin_outcome outcome;
                outcome.ok = true;
                outcome.seq = message.ack().seq();
                return finish(std::move(outcome));
            }
            if (message.has_error() && message.error().request_id() == current_request_id()) {
                const auto& error = message.error();
                if (error.code() == pb::ERROR_CODE_ROOM_UNAVAILABLE && attempts_ < max_attempts)
                    return retry_later();
                return finish(admin_outcome{false, 0, error.code(), error.message(), {}});
            }
        }
    }

    void disconnect(std::string reason) override
    {
        finish(admin_outcome{false, 0, pb::ERROR_CODE_ROOM_UNAVAILABLE, std::move(reason), {}});
    }

private:
    std::uint64_t current_request_id()
    {
        std::lock_guard lock(mutex_);
        return request_id_;
    }

    void attempt()
    {
        // The room the last attempt opened found another node owning it:
        // the request belongs there, not in a loop of loads here.
        std::shared_ptr<room_host> last;
        {
            std::lock_guard lock(mutex_);
            last = host_;
        }
        if (last) {
            if (auto owner = last->moved_to(); !owner.empty()) {
                auto base = http_base_of(owner);
                return finish(admin_outcome{
                    false, 0, pb::ERROR_CODE_ROOM_UNAVAILABLE,
                    "room " + room_id_ + " is served by another node (" + base + "); send the request there", base});
            }
        }
        auto host = rooms_.open(room_id_);
        if (!host)
            return finish(admin_outcome{false,
                                        0,
                                        pb::ERROR_CODE_SERVER_BUSY,
                                        "the server cannot open the room now (too many rooms loaded, or it is "
                                        "shutting down); try again later",
                                        {}});
        pb::ClientMessage command = command_;
        {
            std::lock_guard lock(mutex_);
            ++attempts_;
            host_ = host;
            request_id_ = next_request_id();
            command.set_request_id(request_id_);
        }
        host->submit(shared_from_this(), actor_, std::string{}, std::move(command));
    }

    void retry_later()
    {
        auto delay = first_retry_delay * (1 << std::min(attempts_, 7));
        if (delay > max_retry_delay)
            delay = max_retry_delay;
        {
            std::lock_guard lock(mutex_);
            request_id_ = 0; // a late answer to the old attempt is ignored
        }
        timer_.expires_after(delay);
        timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec)
                return self->finish(
                    admin_outcome{false, 0, pb::ERROR_CODE_ROOM_UNAVAILABLE, "the server is shutting down", {}});
            self->attempt();
        });
    }

    void finish(admin_outcome outcome)
    {
        admin_done done;
        std::shared_ptr<admin_command> keep;
        {
            std::lock_guard lock(mutex_);
            if (!done_)
                return;
            done = std::move(done_);
            done_ = nullptr;
            request_id_ = 0;
            keep = std::move(self_);
            host_.reset(); // an answered command keeps no room alive
        }
        if (!outcome.ok)
            spdlog::info("room={} admin command {} refused: {} {}", room_id_,
                         model::command_name(command_.body_case()) ? model::command_name(command_.body_case()) : "?",
                         pb::ErrorCode_Name(outcome.code), outcome.message);
        done(std::move(outcome));
    }

    room_registry& rooms_;
    boost::asio::steady_timer timer_;
    std::string room_id_;
    pb::ClientMessage command_;
    model::actor actor_;
    std::mutex mutex_;
    admin_done done_;
    std::uint64_t request_id_ = 0;
    int attempts_ = 0;
    std::shared_ptr<room_host> host_; // the room of the last attempt; guarded by mutex_
    std::shared_ptr<admin_command> self_;
};

} // namespace

std::string http_base_of(const std::string& ws_url)
{
    std::string base = ws_url;
    if (base.rfind("wss://", 0) == 0)
        base = "https://" + base.substr(6);
    else if (base.rfind("ws://", 0) == 0)
        base = "http://" + base.substr(5);
    constexpr std::string_view websocket_path = "/v1/ws";
    if (base.ends_with(websocket_path))
        base.resize(base.size() - websocket_path.size());
    return base;
}

model::actor admin_actor()
{
    return model::actor{"admin", "Administrator", pb::ROLE_ADMIN, {}};
}

void submit_as_admin(room_registry& rooms, boost::asio::any_io_executor retry_on, const std::string& room_id,
                     pb::ClientMessage command, admin_done done)
{
    std::make_shared<admin_command>(rooms, std::move(retry_on), room_id, std::move(command), admin_actor(),
                                    std::move(done))
        ->start();
}

void submit_on_behalf(room_registry& rooms, boost::asio::any_io_executor retry_on, const std::string& room_id,
                      pb::ClientMessage command, model::actor person, admin_done done)
{
    person.role = pb::ROLE_ADMIN;
    person.ballot_id.clear();
    std::make_shared<admin_command>(rooms, std::move(retry_on), room_id, std::move(command), std::move(person),
                                    std::move(done))
        ->start();
}

} // namespace maptable::room
