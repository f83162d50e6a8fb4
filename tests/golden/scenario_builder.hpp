// Builds one golden scenario: runs commands through validate and apply as the
// server would (with a clock that advances one second per command), and
// records each event with the state's hash after it.
#pragma once

#include "golden_format.hpp"
#include "model/room_state.hpp"

#include <cstdint>
#include <string>

namespace maptable::golden {

namespace pb = maptable::v1;

class scenario_builder {
public:
    scenario_builder(std::string name, std::string about, std::string room_id);

    // Validates the command as `who` and applies the event; returns its seq.
    // A refusal is a bug in the scenario: it throws, naming the step.
    std::uint64_t run(const pb::ClientMessage& command, const model::actor& who);
    // Expects a refusal with this code: documents what a scenario relies on
    // (and keeps it true if the rules change). Nothing is recorded.
    void refused(const pb::ClientMessage& command, const model::actor& who, pb::ErrorCode code);
    // Applies a hand-made event (its seq is set here), for the apply-only
    // scenario: events that validate would never produce.
    void apply_raw(pb::Event event);
    // Moves the clock on (the time of the next command).
    void wait_ms(std::int64_t ms) { now_ms_ += ms; }
    std::int64_t now_ms() const { return now_ms_; }

    const model::room_state& state() const { return state_; }
    golden_sequence finish() const;

private:
    void record(const pb::Event& event);

    golden_sequence sequence_;
    model::room_state state_;
    std::int64_t now_ms_ = 1'767'225'600'000; // 2026-01-01T00:00:00Z
};

// The deterministic binary encoding of a message (as canonical_hash uses).
std::string deterministic_bytes(const google::protobuf::MessageLite& message);

} // namespace maptable::golden
