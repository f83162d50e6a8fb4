// Layer: store. Which node sequences a room, when several nodes share one
// PostgreSQL store: a lease per room, with an expiry and a generation.
//
// One node owns a room at a time. It claims the room when it loads it
// (acquire), extends the claim while the room is loaded (renew, every third
// of the lease) and gives it up when it unloads the room or shuts down
// (release), so a planned restart hands its rooms over at once. A node that
// dies stops renewing; once its lease has expired, the next node a client
// joins takes the room over.
//
// Every acquisition bumps the room's generation, so (room, generation) names
// one owner's tenure. The owner stamps each appended event with it, and the
// log refuses a batch whose generation is no longer the room's
// (append_error::fenced): a stale owner (paused, cut off from the database
// past its expiry) can never write into a room another node has taken over.
//
// Times are the database's clock (now()), never a node's, so nodes with
// skewed clocks still agree on who owns what.
//
// SQLite has no implementation: one process owns the file, and so every room.
// Calls are synchronous and run on the commit queue's writer thread, like
// appends, so an acquire sees every commit before it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace maptable::store {

// Who claims rooms: this node's name and where clients are sent to reach it.
struct lease_owner {
    std::string node_id;                 // unique per node (--node-id)
    std::string url;                     // ws(s)://host:port/v1/ws (--advertise-url)
    std::chrono::milliseconds ttl{5000}; // how long a claim lasts unrenewed (--lease-ms)
};

// The room is this node's from now on, under this generation.
struct lease_grant {
    std::uint64_t generation = 0;
};

// The room is another live node's.
struct lease_holder {
    std::string node_id;
    std::string url;
};

using lease_claim = std::variant<lease_grant, lease_holder>;

// A room this node holds, as renew() checks it.
struct held_lease {
    std::string room_id;
    std::uint64_t generation = 0;
};

class room_lease {
public:
    virtual ~room_lease() = default;

    // Claims room_id for me when it is free, expired, or already mine (a
    // restart under the same node id); the generation is bumped each time.
    // Otherwise names the live holder. Throws std::runtime_error when the
    // database cannot be asked.
    virtual lease_claim acquire(const std::string& room_id, const lease_owner& me) = 0;

    // Extends every lease in held that still carries its generation, in one
    // statement; returns the rooms that were taken over meanwhile (their
    // owner must step down). Throws when the database cannot be asked (the
    // caller keeps its leases until they would have expired).
    virtual std::vector<std::string> renew(const std::vector<held_lease>& held, const lease_owner& me) = 0;

    // Gives room_id up, if generation is still its: the next acquire by any
    // node succeeds at once. Throws when the database cannot be asked (the
    // lease then simply expires).
    virtual void release(const std::string& room_id, std::uint64_t generation) = 0;

    // The live holder of room_id, if any node holds it unexpired.
    virtual std::optional<lease_holder> holder(const std::string& room_id) = 0;
};

} // namespace maptable::store
