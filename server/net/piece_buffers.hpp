// Layer: net. The storage a connection's outbox uses, and the view through
// which a write hands its pieces to Beast.
//
// A write gathers shared pieces (room/frame.hpp) into one WebSocket message.
// piece_buffers shows a run of pieces to Beast and Asio as a buffer sequence
// without building a vector of buffers first, and its copies (Beast and Asio
// copy a buffer sequence into each layer of a write) are two pointers, not a
// heap allocation each.
//
// piece_storage keeps the emptied outbox vectors of a thread's connections
// for the next burst: an idle connection holds no outbox (idle connections
// are most of them), and a connection that starts sending again takes a
// vector from here instead of from malloc, once per write.
#pragma once

#include "session/connection.hpp"

#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <iterator>
#include <vector>

namespace maptable::net {

class piece_buffers {
public:
    class const_iterator {
    public:
        using iterator_category = std::bidirectional_iterator_tag;
        using value_type = boost::asio::const_buffer;
        using difference_type = std::ptrdiff_t;
        using pointer = const value_type*;
        using reference = value_type;

        const_iterator() = default;
        explicit const_iterator(const room::shared_piece* at) : at_(at) {}

        value_type operator*() const { return {(*at_)->data(), (*at_)->size()}; }
        const_iterator& operator++()
        {
            ++at_;
            return *this;
        }
        const_iterator operator++(int)
        {
            auto before = *this;
            ++at_;
            return before;
        }
        const_iterator& operator--()
        {
            --at_;
            return *this;
        }
        const_iterator operator--(int)
        {
            auto before = *this;
            --at_;
            return before;
        }
        bool operator==(const const_iterator&) const = default;

    private:
        const room::shared_piece* at_ = nullptr;
    };
    using value_type = boost::asio::const_buffer;

    // The pieces must outlive every copy of the view (the write in flight).
    explicit piece_buffers(const std::vector<room::shared_piece>& pieces)
        : first_(pieces.data()), last_(pieces.data() + pieces.size())
    {
    }
    const_iterator begin() const { return const_iterator(first_); }
    const_iterator end() const { return const_iterator(last_); }

private:
    const room::shared_piece* first_;
    const room::shared_piece* last_;
};

// Per thread, so that no lock is taken; a vector may come back on another
// thread (a strand moves between threads), which only moves its storage.
class piece_storage {
public:
    // An empty vector, with the capacity of one kept from an earlier burst
    // when there is one.
    static std::vector<room::shared_piece> take()
    {
        auto& spare = spares();
        if (spare.empty())
            return {};
        auto out = std::move(spare.back());
        spare.pop_back();
        return out;
    }

    // Keeps v's storage for the next take (v is left without storage).
    // Storage grown by a large backlog is freed instead: only what bursts
    // of live sends use is worth keeping.
    static void give_back(std::vector<room::shared_piece>& v)
    {
        auto& spare = spares();
        v.clear();
        if (v.capacity() == 0)
            return;
        if (v.capacity() <= max_kept_capacity && spare.size() < max_kept) {
            spare.push_back(std::move(v));
            v = {};
            return;
        }
        std::vector<room::shared_piece>().swap(v);
    }

    static constexpr std::size_t max_kept_capacity = 64; // pieces (1 KiB)
    static constexpr std::size_t max_kept = 4096;        // vectors per thread

private:
    static std::vector<std::vector<room::shared_piece>>& spares()
    {
        thread_local std::vector<std::vector<room::shared_piece>> spare;
        return spare;
    }
};

} // namespace maptable::net
