// Layer: webhook (delivery). Delivers each room's events to the endpoints
// registered for it, in seq order, at least once, through crashes.
//
// The room's event log is the outbox: an event is durable before anyone is
// told of it, so "every event after the endpoint's cursor" read from the log
// is what is owed, and the commit path writes nothing more for webhooks. Per
// (endpoint, room) a delivery keeps that cursor, its failures in a row, when
// to try next, and whether it is dead-lettered (endpoint_store, webhooks.db).
// After a crash the cursors are read back and delivery resumes after them; a
// request that was in flight is sent again (same webhook-id: the receiver's
// idempotency key).
//
// Threads: a control thread owns every piece of state and is the only one
// that touches webhooks.db (as the commit queue's writer owns the log); it
// does no socket I/O, so a slow disk delays decisions, never a request in
// flight. A network thread runs the HTTP requests (http_sender) and nothing
// else; events are read on the store's reader threads (commit_queue::read).
// None of them is a server I/O thread. Rooms wake the control thread through
// on_commit (commit_observer); a timer per delivery retries after a failure.
//
// Bounds: max_in_flight requests at once over all endpoints, one per
// delivery so order holds; page events read per store read and held per
// delivery. A request that fails (no 2xx within the timeout) is retried
// after retry_delay (backoff.hpp); after max_attempts failures in a row the
// delivery is dead-lettered until reactivate(). An event the endpoint's
// kinds do not want advances the cursor without a request.
//
// Joins and leaves (participant.joined, participant.left) are presence, not
// events of the log: a room tells them once, as they happen (on_presence),
// and they are held in memory only, per delivery, each placed after the
// log's event it followed, with the same order, retries and dead letters as
// events. Best effort: what is held when the server stops is lost.
//
// Owned by app/server; stop() (or the destructor) must run before the
// commit queue is destroyed, after the rooms have stopped.
#pragma once

#include "webhook/backoff.hpp"
#include "webhook/commit_observer.hpp"
#include "webhook/endpoint_store.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace maptable::store {
class commit_queue;
}

namespace maptable::webhook {

struct dispatcher_options {
    std::filesystem::path file; // webhooks.db
    retry_policy retry;
    // How long one request may take, connect to status line. Ten seconds:
    // a receiver should answer at once and queue its own work.
    std::chrono::milliseconds timeout{10'000};
    // Requests in flight over all endpoints. Four: enough to keep several
    // receivers busy, few enough that webhooks never compete with the rooms
    // for the machine.
    std::size_t max_in_flight = 4;
    // Events read from the log per store read, and so held per delivery.
    std::size_t page = 100;
    // Endpoints one room may have. Sixteen: each is a copy of the room's
    // traffic with a page of events in memory; a backend that needs more
    // receivers fans out behind one.
    std::size_t max_endpoints_per_room = 16;
    // Joins and leaves one delivery holds while its receiver does not
    // accept them (they are in memory only). A thousand: a day of a busy
    // room's arrivals; past it the oldest is dropped, counted and logged.
    std::size_t max_presence_notices = 1000;
    std::string ca_file; // extra trusted CAs (PEM), "" for none
};

// What a registration asks for (checked by the admin API before it gets here).
struct registration {
    std::string url;
    std::string room;
    std::vector<std::string> kinds;
};

// One delivery as the admin API shows it.
struct delivery_view {
    delivery state;
    std::optional<std::uint64_t> head; // the room's newest seq, when known
    bool in_flight = false;
};

struct endpoint_view {
    endpoint registered; // secret empty except in a registration's answer
    std::vector<delivery_view> deliveries;
};

// An admin call's result: a value, "no such endpoint", a refusal (error says
// why), or a failure of the store (error says which; a 500).
template <class T>
struct admin_result {
    // refused: the request is sound but a limit stands in its way (a 409).
    enum class outcome { ok, not_found, refused, failed } status = outcome::ok;
    T value{};
    std::string error;
};

class dispatcher final : public commit_observer {
public:
    // Opens webhooks.db and reads every registration and cursor. Throws on
    // failure (a start-up failure). Nothing is sent before start().
    dispatcher(store::commit_queue& log, dispatcher_options options);
    ~dispatcher() override;
    dispatcher(const dispatcher&) = delete;
    dispatcher& operator=(const dispatcher&) = delete;

    // Starts the threads and every delivery that has events owed.
    void start();
    // Stops the threads; what is in flight is abandoned (its cursor did not
    // move, so it is sent again after the next start). Waits for the store
    // reads it queued. Idempotent.
    void stop();

    void on_commit(const std::string& room_id, std::uint64_t seq) noexcept override;
    void on_presence(const std::string& room_id, const presence_change& change) noexcept override;

    // The admin API's calls. Each answers exactly once, on the control
    // thread (post elsewhere from there), unless the dispatcher stops first.
    void create(registration request, std::function<void(admin_result<endpoint_view>)> done);
    void list(std::function<void(admin_result<std::vector<endpoint_view>>)> done);
    void find(std::string id, std::function<void(admin_result<endpoint_view>)> done);
    void remove(std::string id, std::function<void(admin_result<bool>)> done);
    void reactivate(std::string id, std::function<void(admin_result<endpoint_view>)> done);

    // Prometheus text lines of the webhook counters, for GET /metrics.
    std::string render_metrics() const;

private:
    struct lane;
    struct threads;

    endpoint_view view_of(const endpoint& e) const;
    void pump(const std::shared_ptr<lane>& l);
    void fetch(const std::shared_ptr<lane>& l);
    void send(const std::shared_ptr<lane>& l, bool notice);
    void on_sent(const std::shared_ptr<lane>& l, std::uint64_t seq, const std::string& notice_id, bool ok,
                 std::string error);
    void release_slot();
    void arm_retry(const std::shared_ptr<lane>& l, std::chrono::milliseconds delay);
    void save(lane& l);
    void update_gauges();  // recounts the gauges now (O(deliveries))
    void refresh_gauges(); // update_gauges, then again in a second
    std::shared_ptr<lane> add_lane(const endpoint& e, const delivery& d);

    store::commit_queue& log_;
    dispatcher_options options_;
    std::unique_ptr<threads> threads_;
    endpoint_store db_;                                                          // control thread only
    std::map<std::string, endpoint> endpoints_;                                  // by id; control thread only
    std::map<std::pair<std::string, std::string>, std::shared_ptr<lane>> lanes_; // (endpoint, room)
    // lanes_.size(), readable from any thread: a commit in a server with no
    // webhook registered posts nothing to the control thread.
    std::atomic<std::size_t> lane_count_{0};
    std::map<std::string, std::uint64_t> heads_;        // newest seq known per room
    std::vector<std::weak_ptr<lane>> waiting_for_slot_; // in arrival order
    std::size_t in_flight_ = 0;
    bool started_ = false;
    // webhook-id of a presence change: "<room>:presence-<boot>-<n>", boot
    // the dispatcher's creation (Unix ms), so ids never repeat across
    // restarts. Control thread only.
    std::int64_t boot_ms_ = 0;
    std::uint64_t presence_count_ = 0;

    std::atomic<std::uint64_t> delivered_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::uint64_t> dead_lettered_{0};
    std::atomic<std::uint64_t> presence_dropped_{0};
    std::atomic<std::uint64_t> lag_{0};
    std::atomic<std::uint64_t> dead_now_{0};
    std::atomic<std::uint64_t> endpoints_now_{0};
};

} // namespace maptable::webhook
