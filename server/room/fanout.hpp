// Layer: room. Hands a room's outgoing pieces to its members with as few
// hand-overs between threads as the thread model allows.
//
// Members with a lane (their handlers run on one one-thread io_context: the
// per-core model) are grouped by lane: send() posts ONE handler per lane,
// which queues every piece for each of that lane's members on their own
// thread. Members without a lane get one deliver_all per send(). Either way a
// member gets, per send(), the pieces for everyone in the order queued,
// followed by the pieces queued for it alone (an event, then its ack).
//
// Not thread-safe: used on the room's strand only.
#pragma once

#include "room/subscriber.hpp"

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace maptable::room {

class fanout {
public:
    void add(const std::shared_ptr<subscriber>& who);
    void remove(const subscriber* who);
    std::size_t members() const { return members_; }

    // Queue a piece for every member, or for one recipient (a member or not).
    void to_all(shared_piece piece) { to_all_.push_back(std::move(piece)); }
    void to_one(std::shared_ptr<subscriber> who, shared_piece piece);
    bool empty() const { return to_all_.empty() && to_one_.empty(); }

    // Hands over everything queued. Returns how many (piece, member)
    // deliveries of the pieces for everyone it made.
    std::size_t send();

private:
    using member_entry = std::pair<const subscriber*, std::weak_ptr<subscriber>>;
    using member_list = std::vector<member_entry>;
    struct lane_group {
        boost::asio::any_io_executor executor;
        // Replaced, never changed in place: posted batches share it.
        std::shared_ptr<const member_list> members = std::make_shared<const member_list>();
        std::vector<std::pair<std::shared_ptr<subscriber>, shared_piece>> ones; // this send's single pieces
    };
    lane_group& group_of(const boost::asio::any_io_executor& executor);

    std::vector<lane_group> lanes_;
    member_list unlaned_;
    std::size_t members_ = 0;
    std::vector<shared_piece> to_all_;
    std::vector<std::pair<std::shared_ptr<subscriber>, shared_piece>> to_one_; // recipients without a lane
};

} // namespace maptable::room
