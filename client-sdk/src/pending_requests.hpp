// SDK, connection logic: the requests sent (or queued) and not yet answered,
// by request id, kept across reconnects and resent after each Welcome with
// their original ids (the server acks a retry of a command it already
// applied with its original seq, never applies it twice). Pure: no socket,
// no promise type of its own (Completion is whatever the driver completes),
// tested alone in tests/unit/sdk/pending_requests_test.cpp. The TypeScript
// SDK's pending.ts and request_ids.ts are the same rules.
#pragma once

#include "maptable/v1/envelope.pb.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace maptable {
namespace pb = maptable::v1;
}

namespace maptable::detail {

// Request ids double as op ids under the client id, so they must never
// repeat for one client id, even across client objects of one install:
// they start from the clock (milliseconds x 1024 leaves room for 1024
// requests per millisecond and stays below 2^63 for millennia). Taken from
// any thread.
class request_ids {
public:
    explicit request_ids(std::int64_t now_ms);
    std::uint64_t take() { return next_++; }

private:
    std::atomic<std::uint64_t> next_;
};

// What to do with a request the server answered with an Error.
enum class error_verdict {
    unknown, // not one of ours (or answered already): the error is for the application
    keep,    // nothing was applied and the connection will come back: resend after the resume
    fail,    // the request is refused: complete it with the error
};

// ROOM_UNAVAILABLE means the room is closing (server shutdown, the node
// lost the room) or reloading: nothing was applied, so a client that will
// resume keeps the request.
error_verdict verdict_for(pb::ErrorCode code, bool will_resume);

template <class Completion>
class pending_requests {
public:
    // capacity: at most this many unanswered at once (client_options::max_pending).
    explicit pending_requests(std::size_t capacity) : capacity_(capacity) {}

    // False, leaving done with the caller, when capacity requests are
    // unanswered already.
    bool add(std::uint64_t id, std::string bytes, Completion& done)
    {
        if (entries_.size() >= capacity_)
            return false;
        entries_.emplace(id, entry{std::move(bytes), std::move(done)});
        return true;
    }

    bool contains(std::uint64_t id) const { return entries_.count(id) != 0; }

    // The request's completion, to look before taking it.
    Completion* find(std::uint64_t id)
    {
        auto it = entries_.find(id);
        return it == entries_.end() ? nullptr : &it->second.done;
    }

    // The bytes of a request, to write it now.
    const std::string* bytes(std::uint64_t id) const
    {
        auto it = entries_.find(id);
        return it == entries_.end() ? nullptr : &it->second.bytes;
    }

    // An answer (ack, page, state): the request is off the books before its
    // caller sees the result, so a count never includes an answered one.
    std::optional<Completion> take(std::uint64_t id)
    {
        auto it = entries_.find(id);
        if (it == entries_.end())
            return std::nullopt;
        auto done = std::move(it->second.done);
        entries_.erase(it);
        return done;
    }

    // An Error with the request's id: keep it for the resume, or take it to
    // complete it with the error (verdict fail, done set), or not ours.
    error_verdict on_error(std::uint64_t id, pb::ErrorCode code, bool will_resume, std::optional<Completion>& done)
    {
        if (id == 0 || !contains(id))
            return error_verdict::unknown;
        const auto verdict = verdict_for(code, will_resume);
        if (verdict == error_verdict::fail)
            done = take(id);
        return verdict;
    }

    // What to send again after a Welcome: every unanswered request, in the
    // order issued (ids grow with issue order), each with its original id.
    std::vector<const std::string*> resend() const
    {
        std::vector<const std::string*> out;
        out.reserve(entries_.size());
        for (const auto& [id, e] : entries_)
            out.push_back(&e.bytes);
        return out;
    }

    // The end: every request, oldest first, to fail.
    std::vector<Completion> take_all()
    {
        std::vector<Completion> out;
        out.reserve(entries_.size());
        for (auto& [id, e] : entries_)
            out.push_back(std::move(e.done));
        entries_.clear();
        return out;
    }

    std::size_t size() const { return entries_.size(); }
    std::size_t capacity() const { return capacity_; }

private:
    struct entry {
        std::string bytes; // the serialised ClientMessage, its request id inside
        Completion done;
    };
    std::size_t capacity_;
    std::map<std::uint64_t, entry> entries_; // by request id: the order issued
};

} // namespace maptable::detail
