// Layer: webhook (delivery). The dispatcher: deliveries, their cursors and
// retries, driven from one control thread.
#include "webhook/dispatcher.hpp"

#include "webhook/delivery_rules.hpp"
#include "webhook/endpoint_url.hpp"
#include "webhook/event_body.hpp"
#include "webhook/http_sender.hpp"
#include "webhook/signature.hpp"

#include "maptable/v1/room.pb.h"
#include "store/clock.hpp"
#include "store/commit_queue.hpp"
#include "store/random_hex.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <random>
#include <variant>

namespace maptable::webhook {

namespace asio = boost::asio;

namespace {

std::string new_endpoint_id()
{
    return "wh_" + store::random_hex(8, "a webhook id");
}

bool has_event(store::event_log& log, const std::string& room, std::uint64_t seq)
{
    return !log.events_between(room, seq, seq).empty();
}

// The newest seq of room (0 for a room without events). A room's seqs run
// 1, 2, 3... without gaps (the log refuses a gap as damage), so the newest
// is found by probing: from the newest by time (normally the answer), up in
// doubling steps, then by bisection: a few point reads, whatever the length.
std::uint64_t newest_seq(store::event_log& log, const std::string& room)
{
    std::uint64_t low =
        log.seq_at_time(room, std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::uint64_t>::max())
            .value_or(0);
    if (low == 0 && !has_event(log, room, 1))
        return 0;
    low = std::max<std::uint64_t>(low, 1);
    std::uint64_t step = 1;
    std::uint64_t high = low + step;
    while (has_event(log, room, high)) {
        low = high;
        step *= 2;
        high = low + step;
    }
    while (high - low > 1) {
        const auto mid = low + (high - low) / 2;
        (has_event(log, room, mid) ? low : high) = mid;
    }
    return low;
}

template <class T>
admin_result<T> failed_result(std::string error)
{
    admin_result<T> r;
    r.status = admin_result<T>::outcome::failed;
    r.error = std::move(error);
    return r;
}

template <class T>
admin_result<T> refused_result(std::string error)
{
    admin_result<T> r;
    r.status = admin_result<T>::outcome::refused;
    r.error = std::move(error);
    return r;
}

template <class T>
admin_result<T> not_found_result()
{
    admin_result<T> r;
    r.status = admin_result<T>::outcome::not_found;
    return r;
}

template <class T>
admin_result<T> ok_result(T value)
{
    admin_result<T> r;
    r.value = std::move(value);
    return r;
}

} // namespace

struct dispatcher::threads {
    asio::io_context control{1};
    asio::io_context network{1};
    asio::executor_work_guard<asio::io_context::executor_type> control_work = asio::make_work_guard(control);
    asio::executor_work_guard<asio::io_context::executor_type> network_work = asio::make_work_guard(network);
    http_sender sender;
    std::thread control_thread;
    std::thread network_thread;
    std::mt19937_64 random{std::random_device{}()}; // jitter; control thread only
    asio::steady_timer gauge_timer{control};        // refresh_gauges

    bool stopped = false;

    explicit threads(const std::string& ca_file) : sender(network, ca_file) {}
};

// One (endpoint, room) delivery. Control thread only; shared with the
// callbacks of its pending read, request and timer, which check removed.
struct dispatcher::lane {
    endpoint_url url;
    std::string secret;
    std::vector<std::string> kinds;
    delivery state;
    std::deque<maptable::v1::Event> pending; // read from the log, not yet delivered or skipped
    // Joins and leaves to deliver, oldest first; each goes once the cursor
    // has reached the event it followed (after_seq). Memory only.
    struct notice {
        std::string id;   // webhook-id
        std::string type; // for the log
        std::string body;
        std::uint64_t after_seq = 0;
    };
    std::deque<notice> notices;
    bool probe = true; // the room's newest seq is not known: read once to find out
    bool fetching = false;
    bool sending = false;
    bool waiting_for_slot = false;
    bool timer_armed = false;
    bool removed = false;
    asio::steady_timer timer;

    explicit lane(asio::io_context& io) : timer(io) {}
};

dispatcher::dispatcher(store::commit_queue& log, dispatcher_options options)
    : log_(log), options_(std::move(options)), threads_(std::make_unique<threads>(options_.ca_file)), db_(options_.file)
{
    options_.max_in_flight = std::max<std::size_t>(options_.max_in_flight, 1);
    options_.page = std::max<std::size_t>(options_.page, 1);
    options_.max_presence_notices = std::max<std::size_t>(options_.max_presence_notices, 1);
    boot_ms_ = clock::now_ms();
    for (auto& e : db_.endpoints())
        endpoints_.emplace(e.id, std::move(e));
    for (const auto& d : db_.deliveries()) {
        const auto it = endpoints_.find(d.endpoint_id);
        if (it != endpoints_.end())
            add_lane(it->second, d);
    }
    update_gauges();
}

dispatcher::~dispatcher()
{
    stop();
}

std::shared_ptr<dispatcher::lane> dispatcher::add_lane(const endpoint& e, const delivery& d)
{
    auto l = std::make_shared<lane>(threads_->control);
    l->state = d;
    l->secret = e.secret;
    l->kinds = e.kinds;
    if (auto parsed = parse_endpoint_url(e.url); std::holds_alternative<endpoint_url>(parsed)) {
        l->url = std::get<endpoint_url>(parsed);
    } else {
        // Registered under an older rule that no longer holds: kept, and
        // shown dead-lettered with the reason, rather than sent anywhere.
        l->state.status = delivery_status::dead;
        l->state.last_error = std::get<std::string>(parsed);
    }
    lanes_[{d.room, d.endpoint_id}] = l;
    lane_count_.store(lanes_.size(), std::memory_order_relaxed);
    return l;
}

void dispatcher::start()
{
    if (started_ || threads_->stopped)
        return;
    threads_->network_thread = std::thread([t = threads_.get()] { t->network.run(); });
    threads_->control_thread = std::thread([t = threads_.get()] { t->control.run(); });
    asio::post(threads_->control, [this] {
        started_ = true;
        refresh_gauges();
        spdlog::info("webhooks: {} endpoint(s), {} delivery(ies); up to {} request(s) in flight", endpoints_.size(),
                     lanes_.size(), options_.max_in_flight);
        for (auto& [key, l] : lanes_)
            pump(l);
    });
}

void dispatcher::stop()
{
    if (!threads_ || threads_->stopped)
        return;
    threads_->stopped = true;
    threads_->control.stop();
    threads_->network.stop();
    if (threads_->control_thread.joinable())
        threads_->control_thread.join();
    if (threads_->network_thread.joinable())
        threads_->network_thread.join();
    // Reads queued on the store post to the control context when they end:
    // they must all have ended before this object goes.
    log_.drain();
}

void dispatcher::on_commit(const std::string& room_id, std::uint64_t seq) noexcept
{
    // A lane made after this check starts from the log's newest seq, read
    // when it is made: it needs no wake-up for this commit.
    if (lane_count_.load(std::memory_order_relaxed) == 0)
        return;
    try {
        asio::post(threads_->control, [this, room_id, seq] {
            auto it = lanes_.lower_bound({room_id, std::string()});
            if (it == lanes_.end() || it->first.first != room_id)
                return; // no endpoint for this room: nothing to remember
            auto& head = heads_[room_id];
            head = std::max(head, seq);
            for (; it != lanes_.end() && it->first.first == room_id; ++it)
                pump(it->second);
        });
    } catch (...) {
        // Out of memory for the handler: this commit wakes no delivery, the
        // next one does (a cursor never skips an event it was not told of).
    }
}

void dispatcher::on_presence(const std::string& room_id, const presence_change& change) noexcept
{
    if (lane_count_.load(std::memory_order_relaxed) == 0)
        return;
    try {
        asio::post(threads_->control, [this, room_id, change] {
            auto it = lanes_.lower_bound({room_id, std::string()});
            if (it == lanes_.end() || it->first.first != room_id)
                return;
            const auto type = presence_type(change);
            const auto id = room_id + ":presence-" + std::to_string(boot_ms_) + "-" + std::to_string(++presence_count_);
            const auto body = presence_json(room_id, change);
            // The event it follows is committed: the deliveries read up to it.
            auto& head = heads_[room_id];
            head = std::max(head, change.after_seq);
            for (; it != lanes_.end() && it->first.first == room_id; ++it) {
                auto& l = it->second;
                if (!wanted(l->kinds, type))
                    continue;
                if (l->notices.size() >= options_.max_presence_notices) {
                    presence_dropped_.fetch_add(1, std::memory_order_relaxed);
                    spdlog::warn("webhook {} room={}: {} joins and leaves wait already; {} dropped",
                                 l->state.endpoint_id, room_id, l->notices.size(), l->notices.front().id);
                    l->notices.pop_front();
                }
                l->notices.push_back(lane::notice{id, std::string(type), body, change.after_seq});
                pump(l);
            }
        });
    } catch (...) {
        // Out of memory for the handler: this change is not delivered (best
        // effort, as documented).
    }
}

void dispatcher::pump(const std::shared_ptr<lane>& l)
{
    if (!started_ || l->removed || l->state.status == delivery_status::dead || l->sending || l->fetching ||
        l->waiting_for_slot || l->timer_armed)
        return;
    const auto now = clock::now_ms();
    if (l->state.next_attempt_ms > now)
        return arm_retry(l, std::chrono::milliseconds(l->state.next_attempt_ms - now));

    // What the endpoint does not want is passed over: the cursor moves, no
    // request is made.
    bool skipped = false;
    while (!l->pending.empty() && !wanted(l->kinds, event_type(l->pending.front()))) {
        pass_over(l->state, l->pending.front().seq());
        l->pending.pop_front();
        skipped = true;
    }
    if (skipped)
        save(*l);
    // A join or leave goes in its place: after the event it followed, before
    // the next one.
    if (!l->notices.empty() && l->notices.front().after_seq <= l->state.cursor) {
        if (in_flight_ >= options_.max_in_flight) {
            l->waiting_for_slot = true;
            waiting_for_slot_.push_back(l);
            return;
        }
        return send(l, true);
    }
    if (l->pending.empty()) {
        const auto head = heads_.find(l->state.room);
        if (l->probe || (head != heads_.end() && head->second > l->state.cursor))
            fetch(l);
        return;
    }
    if (in_flight_ >= options_.max_in_flight) {
        l->waiting_for_slot = true;
        waiting_for_slot_.push_back(l);
        return;
    }
    send(l, false);
}

void dispatcher::fetch(const std::shared_ptr<lane>& l)
{
    l->fetching = true;
    const auto from = l->state.cursor + 1;
    const auto to = l->state.cursor + options_.page;
    log_.read([this, l, room = l->state.room, from, to](store::event_log& log) {
        std::vector<maptable::v1::Event> events;
        std::string error;
        try {
            for (const auto& bytes : log.events_between(room, from, to)) {
                maptable::v1::Event event;
                if (!event.ParseFromString(bytes))
                    throw std::runtime_error("room " + room + ": a stored event does not decode");
                events.push_back(std::move(event));
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
        asio::post(threads_->control, [this, l, from, events = std::move(events), error = std::move(error)]() mutable {
            l->fetching = false;
            if (l->removed)
                return;
            if (!error.empty()) {
                // The store failing is no fault of the endpoint's: try again
                // later without counting it against the endpoint.
                spdlog::error("webhooks: cannot read room {} from seq {}: {}", l->state.room, from, error);
                return arm_retry(l, options_.retry.first_delay);
            }
            // Only what follows the cursor without a gap is kept (a read that
            // overlaps a cursor moved meanwhile drops the overlap).
            for (auto& event : events)
                if (event.seq() == l->state.cursor + l->pending.size() + 1)
                    l->pending.push_back(std::move(event));
            if (events.size() < options_.page) {
                l->probe = false;
                auto& head = heads_[l->state.room];
                head = std::max(head, l->state.cursor + l->pending.size());
            }
            pump(l);
        });
    });
}

void dispatcher::send(const std::shared_ptr<lane>& l, bool notice)
{
    ++in_flight_;
    l->sending = true;
    outgoing_request request;
    request.url = l->url;
    std::uint64_t seq = 0;
    std::string id;
    std::string notice_id;
    if (notice) {
        request.body = l->notices.front().body;
        id = notice_id = l->notices.front().id;
    } else {
        const auto& event = l->pending.front();
        seq = event.seq();
        request.body = event_json(l->state.room, event);
        id = l->state.room + ":" + std::to_string(seq);
    }
    const auto timestamp = clock::now_seconds();
    request.headers = {{"webhook-id", id},
                       {"webhook-timestamp", std::to_string(timestamp)},
                       {"webhook-signature", sign(l->secret, id, timestamp, request.body)}};
    asio::post(threads_->network, [this, l, seq, notice_id, request = std::move(request)]() mutable {
        threads_->sender.send(std::move(request), options_.timeout, [this, l, seq, notice_id](send_outcome outcome) {
            asio::post(threads_->control, [this, l, seq, notice_id, outcome = std::move(outcome)]() mutable {
                on_sent(l, seq, notice_id, outcome.ok, std::move(outcome.error));
            });
        });
    });
}

void dispatcher::on_sent(const std::shared_ptr<lane>& l, std::uint64_t seq, const std::string& notice_id, bool ok,
                         std::string error)
{
    --in_flight_;
    l->sending = false;
    if (!l->removed) {
        auto& s = l->state;
        // What the log and the admin API name the request by.
        const auto what = notice_id.empty()
            ? "seq " + std::to_string(seq)
            : std::string(l->notices.empty() ? "presence" : l->notices.front().type) + " " + notice_id;
        if (ok) {
            if (!notice_id.empty()) {
                if (!l->notices.empty() && l->notices.front().id == notice_id)
                    l->notices.pop_front();
                record_success(s, s.cursor); // the cursor counts events of the log only
            } else {
                if (!l->pending.empty() && l->pending.front().seq() == seq)
                    l->pending.pop_front();
                record_success(s, seq);
            }
            delivered_.fetch_add(1, std::memory_order_relaxed);
        } else {
            failed_.fetch_add(1, std::memory_order_relaxed);
            std::uniform_real_distribution<double> jitter(0.0, 1.0);
            if (const auto delay =
                    record_failure(s, what, error, options_.retry, jitter(threads_->random), clock::now_ms())) {
                spdlog::info("webhook {} room={} {}: {} (failure {} of {}); next try in {} ms", s.endpoint_id, s.room,
                             what, error, s.attempts, options_.retry.max_attempts, delay->count());
            } else {
                dead_lettered_.fetch_add(1, std::memory_order_relaxed);
                dead_now_.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("webhook {} room={} {}: {}; dead-lettered after {} failures in a row "
                             "(POST /v1/admin/webhooks/{}/reactivate resumes it)",
                             s.endpoint_id, s.room, what, error, s.attempts, s.endpoint_id);
            }
        }
        save(*l);
    }
    release_slot();
    pump(l);
}

void dispatcher::release_slot()
{
    while (!waiting_for_slot_.empty() && in_flight_ < options_.max_in_flight) {
        auto next = waiting_for_slot_.front().lock();
        waiting_for_slot_.erase(waiting_for_slot_.begin());
        if (!next)
            continue;
        next->waiting_for_slot = false;
        pump(next);
    }
}

void dispatcher::arm_retry(const std::shared_ptr<lane>& l, std::chrono::milliseconds delay)
{
    l->timer_armed = true;
    l->timer.expires_after(delay);
    l->timer.async_wait([this, l](boost::system::error_code ec) {
        if (ec)
            return; // cancelled: whoever cancelled it pumps
        l->timer_armed = false;
        pump(l);
    });
}

void dispatcher::save(lane& l)
{
    try {
        db_.save(l.state);
    } catch (const std::exception& e) {
        // The delivery goes on from memory; after a crash it resumes from the
        // last cursor that was saved, which at-least-once allows.
        spdlog::error("webhooks: cannot save the delivery state of {} room={}: {}", l.state.endpoint_id, l.state.room,
                      e.what());
    }
}

void dispatcher::refresh_gauges()
{
    // The lag walks every delivery: once a second, not at every commit.
    update_gauges();
    threads_->gauge_timer.expires_after(std::chrono::seconds(1));
    threads_->gauge_timer.async_wait([this](boost::system::error_code ec) {
        if (!ec)
            refresh_gauges();
    });
}

void dispatcher::update_gauges()
{
    std::uint64_t lag = 0;
    std::uint64_t dead = 0;
    for (const auto& [key, l] : lanes_) {
        if (l->state.status == delivery_status::dead)
            ++dead;
        if (const auto head = heads_.find(key.first); head != heads_.end() && head->second > l->state.cursor)
            lag += head->second - l->state.cursor;
    }
    lag_.store(lag, std::memory_order_relaxed);
    dead_now_.store(dead, std::memory_order_relaxed);
    endpoints_now_.store(endpoints_.size(), std::memory_order_relaxed);
}

endpoint_view dispatcher::view_of(const endpoint& e) const
{
    endpoint_view view;
    view.registered = e;
    view.registered.secret.clear();
    for (const auto& [key, l] : lanes_) {
        if (key.second != e.id)
            continue;
        delivery_view d;
        d.state = l->state;
        if (const auto head = heads_.find(key.first); head != heads_.end())
            d.head = std::max(head->second, l->state.cursor);
        d.in_flight = l->sending;
        view.deliveries.push_back(std::move(d));
    }
    return view;
}

void dispatcher::create(registration request, std::function<void(admin_result<endpoint_view>)> done)
{
    asio::post(threads_->control, [this, request = std::move(request), done = std::move(done)]() mutable {
        endpoint e;
        try {
            e.id = new_endpoint_id();
            e.secret = new_secret();
        } catch (const std::exception& ex) {
            return done(failed_result<endpoint_view>(ex.what()));
        }
        e.url = std::move(request.url);
        e.room = std::move(request.room);
        e.kinds = std::move(request.kinds);
        e.created_ms = clock::now_ms();
        // Delivery starts after the room's newest event: an endpoint learns
        // what happens from now on, not the room's whole past.
        log_.read([this, e = std::move(e), done = std::move(done)](store::event_log& log) mutable {
            std::uint64_t head = 0;
            std::string error;
            try {
                head = newest_seq(log, e.room);
            } catch (const std::exception& ex) {
                error = ex.what();
            }
            asio::post(threads_->control, [this, e = std::move(e), done = std::move(done), head, error]() {
                if (!error.empty()) {
                    spdlog::error("webhooks: cannot read room {} to register an endpoint: {}", e.room, error);
                    return done(failed_result<endpoint_view>("the store could not be read"));
                }
                // Checked here, where registrations are stored one at a time,
                // so two made at once cannot both take the last place.
                auto of_room = lanes_.lower_bound({e.room, std::string()});
                std::size_t in_room = 0;
                for (; of_room != lanes_.end() && of_room->first.first == e.room; ++of_room)
                    ++in_room;
                if (in_room >= options_.max_endpoints_per_room)
                    return done(refused_result<endpoint_view>(
                        "room " + e.room + " has " + std::to_string(in_room) +
                        " webhook endpoints, the most one room may have; delete one first"));
                try {
                    db_.add(e, head);
                } catch (const std::exception& ex) {
                    spdlog::error("webhooks: cannot store a registration: {}", ex.what());
                    return done(failed_result<endpoint_view>("the registration could not be stored"));
                }
                endpoints_.emplace(e.id, e);
                delivery d;
                d.endpoint_id = e.id;
                d.room = e.room;
                d.cursor = head;
                auto l = add_lane(e, d);
                // A commit between the read above and now was not seen by
                // this delivery: one more read finds it.
                l->probe = true;
                auto& known = heads_[e.room];
                known = std::max(known, head);
                spdlog::info("webhooks: endpoint {} registered for room {} after seq {} ({})", e.id, e.room, head,
                             e.url);
                auto view = view_of(e);
                view.registered.secret = e.secret;
                update_gauges();
                pump(l);
                done(ok_result<endpoint_view>(std::move(view)));
            });
        });
    });
}

void dispatcher::list(std::function<void(admin_result<std::vector<endpoint_view>>)> done)
{
    asio::post(threads_->control, [this, done = std::move(done)] {
        admin_result<std::vector<endpoint_view>> result;
        for (const auto& [id, e] : endpoints_)
            result.value.push_back(view_of(e));
        std::sort(result.value.begin(), result.value.end(), [](const auto& a, const auto& b) {
            return std::tie(a.registered.created_ms, a.registered.id) <
                std::tie(b.registered.created_ms, b.registered.id);
        });
        done(std::move(result));
    });
}

void dispatcher::find(std::string id, std::function<void(admin_result<endpoint_view>)> done)
{
    asio::post(threads_->control, [this, id = std::move(id), done = std::move(done)] {
        const auto it = endpoints_.find(id);
        if (it == endpoints_.end())
            return done(not_found_result<endpoint_view>());
        done(ok_result<endpoint_view>(view_of(it->second)));
    });
}

void dispatcher::remove(std::string id, std::function<void(admin_result<bool>)> done)
{
    asio::post(threads_->control, [this, id = std::move(id), done = std::move(done)] {
        if (endpoints_.find(id) == endpoints_.end())
            return done(not_found_result<bool>());
        try {
            db_.remove(id);
        } catch (const std::exception& ex) {
            spdlog::error("webhooks: cannot delete endpoint {}: {}", id, ex.what());
            return done(failed_result<bool>("the deletion could not be stored"));
        }
        endpoints_.erase(id);
        for (auto it = lanes_.begin(); it != lanes_.end();) {
            if (it->first.second == id) {
                it->second->removed = true;
                it->second->timer.cancel();
                it = lanes_.erase(it);
            } else {
                ++it;
            }
        }
        lane_count_.store(lanes_.size(), std::memory_order_relaxed);
        spdlog::info("webhooks: endpoint {} deleted", id);
        update_gauges();
        done(ok_result<bool>(true));
    });
}

void dispatcher::reactivate(std::string id, std::function<void(admin_result<endpoint_view>)> done)
{
    asio::post(threads_->control, [this, id = std::move(id), done = std::move(done)] {
        const auto it = endpoints_.find(id);
        if (it == endpoints_.end())
            return done(not_found_result<endpoint_view>());
        for (auto& [key, l] : lanes_) {
            if (key.second != id)
                continue;
            // A URL that no longer parses stays dead: sending it anywhere is wrong.
            if (l->url.host.empty())
                continue;
            const bool was_dead = l->state.status == delivery_status::dead;
            webhook::reactivate(l->state);
            if (l->timer_armed) {
                l->timer.cancel();
                l->timer_armed = false;
            }
            save(*l);
            if (was_dead)
                spdlog::info("webhooks: endpoint {} room={} reactivated at cursor {}", id, key.first, l->state.cursor);
            pump(l);
        }
        update_gauges();
        done(ok_result<endpoint_view>(view_of(it->second)));
    });
}

std::string dispatcher::render_metrics() const
{
    std::string out;
    const auto line = [&out](const char* text, std::uint64_t value) {
        out += text;
        out += ' ';
        out += std::to_string(value);
        out += '\n';
    };
    out += "# HELP maptable_webhook_deliveries_total Webhook requests, by outcome (failed: no 2xx in time).\n"
           "# TYPE maptable_webhook_deliveries_total counter\n";
    line("maptable_webhook_deliveries_total{outcome=\"ok\"}", delivered_.load(std::memory_order_relaxed));
    line("maptable_webhook_deliveries_total{outcome=\"failed\"}", failed_.load(std::memory_order_relaxed));
    out += "# HELP maptable_webhook_dead_lettered_total Deliveries dead-lettered after too many failures.\n"
           "# TYPE maptable_webhook_dead_lettered_total counter\n";
    line("maptable_webhook_dead_lettered_total", dead_lettered_.load(std::memory_order_relaxed));
    out += "# HELP maptable_webhook_presence_dropped_total Joins and leaves dropped: a delivery held too many.\n"
           "# TYPE maptable_webhook_presence_dropped_total counter\n";
    line("maptable_webhook_presence_dropped_total", presence_dropped_.load(std::memory_order_relaxed));
    out += "# HELP maptable_webhook_dead_deliveries Deliveries dead-lettered now, waiting for a reactivation.\n"
           "# TYPE maptable_webhook_dead_deliveries gauge\n";
    line("maptable_webhook_dead_deliveries", dead_now_.load(std::memory_order_relaxed));
    out += "# HELP maptable_webhook_lag_events Events committed but not yet delivered, over all deliveries.\n"
           "# TYPE maptable_webhook_lag_events gauge\n";
    line("maptable_webhook_lag_events", lag_.load(std::memory_order_relaxed));
    out += "# HELP maptable_webhook_endpoints Registered webhook endpoints.\n"
           "# TYPE maptable_webhook_endpoints gauge\n";
    line("maptable_webhook_endpoints", endpoints_now_.load(std::memory_order_relaxed));
    return out;
}

} // namespace maptable::webhook
