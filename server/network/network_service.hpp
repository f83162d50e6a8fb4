// Layer: network. Learning networks on the server (docs/NETWORKS.md): each
// network's record kept as an ordered log of NetworkEvents in the store,
// under the log id "network:{id}" (':' never appears in a room id), through
// the same event_log as the rooms, so SQLite and PostgreSQL, backups,
// checksums and `maptable-server check` cover it. The ids of all networks
// are kept in one more log, "networks:index", whose events are copies of
// each network's NetworkCreated, appended in the same transaction.
//
// Which room belongs to which network is not kept here: it is the room's own
// RoomInfo (network_id, kind, city_id), read from the room's log.
//
// Every call blocks on the store (it waits for a read or a commit): call it
// on the work pool, never on an event loop. Thread-safe. A network's change
// is validated, appended and applied under that network's lock, so two
// changes of one network are never validated against the same state.
// States are kept in memory and caught up from the log before each use, so
// another node writing the same PostgreSQL store is seen too.
#pragma once

#include "model/network_state.hpp"
#include "store/commit_queue.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace maptable::network {

namespace pb = maptable::v1;

// The log a network's events are stored under.
std::string log_id(std::string_view network_id);
inline constexpr std::string_view index_log_id = "networks:index";

// The store could not be read or written (or is shutting down).
class store_failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using change_result = std::variant<model::network_state, model::rejection>;

// The newest event of a room: seq 0 when the room has none.
struct room_activity {
    std::uint64_t last_seq = 0;
    std::int64_t last_time_ms = 0;
};

// What happened in a room after a time: what the network home shows as
// "new since your last visit".
struct room_changes {
    std::uint64_t features_added = 0;
    std::uint64_t threads_started = 0;
    std::uint64_t votes_closed = 0; // decisions
    std::uint64_t chat_messages = 0;
    std::uint64_t events = 0; // every event after the time
};

class network_service {
public:
    explicit network_service(store::commit_queue& store);

    // The network as of every commit so far; nullopt when there is none.
    std::optional<model::network_state> find(const std::string& network_id);

    // Validates change against the network, appends the event and applies
    // it: the state after it, or why it was refused (nothing stored then).
    change_result change(const std::string& network_id, pb::NetworkEvent change, const std::string& actor_id,
                         std::int64_t now_ms);

    // Every network, by id.
    std::vector<model::network_state> list();

    // Where a room stands (its RoomInfo's network fields) as of every commit
    // so far; in no network when the room has no history.
    model::room_place place_of(const std::string& room_id);

    room_activity activity_of(const std::string& room_id);
    room_changes changes_since(const std::string& room_id, std::int64_t since_ms);

    // The participant ids that have acted in the room (events they caused;
    // not the admin, not anonymous ballots), as of every commit so far.
    std::set<std::string> participants_of(const std::string& room_id);

private:
    struct network_entry {
        std::mutex lock;
        model::network_state state;
        explicit network_entry(const std::string& id) : state(id) {}
    };
    struct place_entry {
        model::room_place place;
        std::uint64_t seq = 0;
    };

    std::shared_ptr<network_entry> entry_of(const std::string& network_id);
    // With entry.lock held: applies the events stored after the entry's seq.
    void catch_up(network_entry& entry);
    std::vector<std::string> index_ids(); // with index_lock_ held

    store::commit_queue& store_;
    std::mutex entries_lock_; // guards entries_ (the map only)
    std::map<std::string, std::shared_ptr<network_entry>> entries_;
    std::mutex index_lock_; // guards the index's seq and ids, and its appends
    std::uint64_t index_seq_ = 0;
    std::vector<std::string> index_;
    std::mutex places_lock_;
    std::map<std::string, place_entry> places_;
    struct people_entry {
        std::set<std::string> ids;
        std::uint64_t seq = 0;
    };
    std::mutex people_lock_;
    std::map<std::string, people_entry> people_;
};

// The service of this store: made at the first call, kept for the process
// (the server has one store; tests that start several servers run each in
// a process of its own).
network_service& service_for(store::commit_queue& store);

} // namespace maptable::network
