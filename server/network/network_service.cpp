#include "network/network_service.hpp"

#include "maptable/v1/room.pb.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <limits>

namespace maptable::network {
namespace {

// Events read per store read: one read is one short statement, so that a
// long history shares the readers with everything else.
constexpr std::uint64_t page_events = 500;
constexpr std::uint64_t newest = std::numeric_limits<std::int64_t>::max(); // PostgreSQL binds int64

// Runs fn on one of the store's readers and waits for its answer.
template <class T, class Fn>
T read_from(store::commit_queue& store, Fn fn)
{
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    store.read([promise, fn = std::move(fn)](store::event_log& log) mutable {
        try {
            promise->set_value(fn(log));
        } catch (...) {
            promise->set_exception(std::current_exception());
        }
    });
    try {
        return future.get();
    } catch (const std::future_error&) {
        // The queue dropped the read: it is shutting down.
        throw store_failure("the store is shutting down");
    } catch (const std::exception& e) {
        throw store_failure(std::string("the store could not be read: ") + e.what());
    }
}

store::append_error append_to(store::commit_queue& store, std::vector<store::event_record> records)
{
    auto promise = std::make_shared<std::promise<store::append_error>>();
    auto future = promise->get_future();
    store.append(std::move(records), [promise](store::append_error result) { promise->set_value(result); });
    try {
        return future.get();
    } catch (const std::future_error&) {
        return store::append_error::io;
    }
}

// The events of log after seq `after`, in order, one page per read.
template <class Each>
void each_event_after(store::commit_queue& store, const std::string& log, std::uint64_t after, Each each)
{
    for (std::uint64_t from = after + 1;;) {
        auto page = read_from<std::vector<std::string>>(
            store, [&log, from](store::event_log& l) { return l.events_between(log, from, from + page_events - 1); });
        for (auto& bytes : page)
            each(bytes);
        if (page.size() < page_events)
            return;
        from += page_events;
    }
}

store::event_record record_of(const std::string& log, const pb::NetworkEvent& event)
{
    store::event_record record;
    record.room_id = log;
    record.seq = event.seq();
    record.time_ms = event.time_ms();
    record.bytes = event.SerializeAsString();
    return record;
}

void apply_info(model::room_place& place, const pb::RoomInfoChanged& change)
{
    if (change.has_network_id())
        place.network_id = change.network_id();
    if (change.has_kind())
        place.kind = change.kind();
    if (change.has_city_id())
        place.city_id = change.city_id();
}

} // namespace

std::string log_id(std::string_view network_id)
{
    return "network:" + std::string(network_id);
}

network_service::network_service(store::commit_queue& store) : store_(store) {}

std::shared_ptr<network_service::network_entry> network_service::entry_of(const std::string& network_id)
{
    std::lock_guard lock(entries_lock_);
    auto& entry = entries_[network_id];
    if (!entry)
        entry = std::make_shared<network_entry>(network_id);
    return entry;
}

void network_service::catch_up(network_entry& entry)
{
    const auto log = log_id(entry.state.id());
    each_event_after(store_, log, entry.state.seq(), [&](const std::string& bytes) {
        pb::NetworkEvent event;
        if (!event.ParseFromString(bytes))
            throw store_failure("the log " + log + " holds an event that is not a NetworkEvent");
        entry.state.apply(event);
    });
}

std::optional<model::network_state> network_service::find(const std::string& network_id)
{
    auto entry = entry_of(network_id);
    std::unique_lock lock(entry->lock);
    catch_up(*entry);
    if (entry->state.exists())
        return entry->state;
    lock.unlock();
    // Not kept: a probe for ids that do not exist must not grow the map. A
    // network created meanwhile is read again from its log.
    std::lock_guard map_lock(entries_lock_);
    if (auto it = entries_.find(network_id); it != entries_.end() && it->second == entry)
        entries_.erase(it);
    return std::nullopt;
}

std::vector<std::string> network_service::index_ids()
{
    each_event_after(store_, std::string(index_log_id), index_seq_, [&](const std::string& bytes) {
        pb::NetworkEvent event;
        if (!event.ParseFromString(bytes) || event.seq() != index_seq_ + 1)
            throw store_failure("the network index holds an event out of order");
        index_seq_ = event.seq();
        if (event.has_network_created())
            index_.push_back(event.network_created().network().id());
    });
    return index_;
}

change_result network_service::change(const std::string& network_id, pb::NetworkEvent change,
                                      const std::string& actor_id, std::int64_t now_ms)
{
    auto entry = entry_of(network_id);
    std::lock_guard lock(entry->lock);
    // Twice at most: a duplicate seq means another node appended meanwhile;
    // the change is validated again against what it wrote.
    for (int attempt = 0; attempt < 2; ++attempt) {
        catch_up(*entry);
        auto checked = entry->state.validate(change, actor_id, now_ms);
        if (auto* refused = std::get_if<model::rejection>(&checked))
            return *refused;
        const auto& event = std::get<pb::NetworkEvent>(checked);
        std::vector<store::event_record> records{record_of(log_id(network_id), event)};
        std::unique_lock index_lock(index_lock_, std::defer_lock);
        if (event.has_network_created()) {
            index_lock.lock();
            index_ids();
            pb::NetworkEvent listed;
            listed.set_seq(index_seq_ + 1);
            listed.set_time_ms(now_ms);
            listed.set_actor_id(actor_id);
            auto* network = listed.mutable_network_created()->mutable_network();
            network->set_id(network_id);
            network->set_title(event.network_created().network().title());
            records.push_back(record_of(std::string(index_log_id), listed));
        }
        // The network's event and its line in the index in one transaction.
        const auto result = append_to(store_, std::move(records));
        if (result == store::append_error::duplicate)
            continue;
        if (result != store::append_error::ok)
            throw store_failure("the store refused the write (disk full or read-only?)");
        entry->state.apply(event);
        if (index_lock.owns_lock()) {
            ++index_seq_;
            index_.push_back(network_id);
        }
        spdlog::info("network={} seq={} {} by {}", network_id, event.seq(),
                     pb::NetworkEvent::descriptor()->FindFieldByNumber(event.body_case())->name(), actor_id);
        return entry->state;
    }
    throw store_failure("the network changed on another node meanwhile; try again");
}

std::vector<model::network_state> network_service::list()
{
    std::vector<std::string> ids;
    {
        std::lock_guard lock(index_lock_);
        ids = index_ids();
    }
    std::vector<model::network_state> out;
    for (const auto& id : ids)
        if (auto state = find(id))
            out.push_back(std::move(*state));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id() < b.id(); });
    return out;
}

model::room_place network_service::place_of(const std::string& room_id)
{
    place_entry known;
    {
        std::lock_guard lock(places_lock_);
        if (auto it = places_.find(room_id); it != places_.end())
            known = it->second;
    }
    const auto before = known.seq;
    if (known.seq == 0) {
        // The newest snapshot holds the info up to its seq: only the events
        // after it are read.
        auto snapshot = read_from<std::optional<store::stored_snapshot>>(
            store_, [&room_id](store::event_log& log) { return log.snapshot_at_most(room_id, newest); });
        pb::RoomState state;
        if (snapshot && state.ParseFromString(snapshot->bytes)) {
            known.place = {state.info().network_id(), state.info().kind(), state.info().city_id()};
            known.seq = snapshot->seq;
        }
    }
    each_event_after(store_, room_id, known.seq, [&](const std::string& bytes) {
        pb::Event event;
        if (!event.ParseFromString(bytes))
            throw store_failure("room " + room_id + " holds an event that cannot be read");
        if (event.has_room_info_changed())
            apply_info(known.place, event.room_info_changed());
        known.seq = event.seq();
    });
    if (known.seq != before) {
        std::lock_guard lock(places_lock_);
        auto& kept = places_[room_id];
        if (kept.seq < known.seq)
            kept = known;
    }
    return known.place;
}

room_activity network_service::activity_of(const std::string& room_id)
{
    return read_from<room_activity>(store_, [&room_id](store::event_log& log) {
        room_activity out;
        const auto seq = log.seq_at_time(room_id, std::numeric_limits<std::int64_t>::max(), newest);
        if (!seq)
            return out;
        auto events = log.events_between(room_id, *seq, *seq);
        pb::Event event;
        if (!events.empty() && event.ParseFromString(events.front())) {
            out.last_seq = event.seq();
            out.last_time_ms = event.time_ms();
        }
        return out;
    });
}

room_changes network_service::changes_since(const std::string& room_id, std::int64_t since_ms)
{
    const auto start = read_from<std::uint64_t>(store_, [&room_id, since_ms](store::event_log& log) {
        return log.seq_at_time(room_id, since_ms, newest).value_or(0);
    });
    room_changes out;
    each_event_after(store_, room_id, start, [&](const std::string& bytes) {
        pb::Event event;
        if (!event.ParseFromString(bytes))
            throw store_failure("room " + room_id + " holds an event that cannot be read");
        if (event.time_ms() <= since_ms)
            return; // a clock set back: an older event after a newer one
        ++out.events;
        switch (event.body_case()) {
        case pb::Event::kFeatureAdded: ++out.features_added; break;
        case pb::Event::kThreadStarted: ++out.threads_started; break;
        case pb::Event::kVoteClosed: ++out.votes_closed; break;
        case pb::Event::kChatPosted: ++out.chat_messages; break;
        default: break;
        }
    });
    return out;
}

std::set<std::string> network_service::participants_of(const std::string& room_id)
{
    people_entry known;
    {
        std::lock_guard lock(people_lock_);
        if (auto it = people_.find(room_id); it != people_.end())
            known = it->second;
    }
    const auto before = known.seq;
    const auto admin = std::string("admin");
    each_event_after(store_, room_id, known.seq, [&](const std::string& bytes) {
        pb::Event event;
        if (!event.ParseFromString(bytes))
            throw store_failure("room " + room_id + " holds an event that cannot be read");
        if (!event.actor_id().empty() && event.actor_id() != admin)
            known.ids.insert(event.actor_id());
        known.seq = event.seq();
    });
    if (known.seq != before) {
        std::lock_guard lock(people_lock_);
        auto& kept = people_[room_id];
        if (kept.seq < known.seq)
            kept = known;
    }
    return known.ids;
}

network_service& service_for(store::commit_queue& store)
{
    static std::mutex lock;
    static std::map<store::commit_queue*, std::unique_ptr<network_service>> services;
    std::lock_guard guard(lock);
    auto& service = services[&store];
    if (!service)
        service = std::make_unique<network_service>(store);
    return *service;
}

} // namespace maptable::network
