// Layer: tests (fuzz). What the ClientMessage fuzzer runs each input through,
// shared by the libFuzzer target, the seed generator and the seed test.
//
// One input is taken the way the server takes a WebSocket message: decoded by
// session::decode_client_message, then, when it decodes, validated by
// model::room_state::validate against a room that already holds features and
// chat, once for each role. Accepted events are applied to a copy of the
// room. Every invariant that must hold for any input is checked, and a broken
// one aborts with a message naming it, which libFuzzer reports as a crash.
#pragma once

#include "maptable/v1/envelope.pb.h"
#include "model/room_state.hpp"

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maptable::fuzz {

namespace pb = maptable::v1;

// The time every validation is given: the model reads no clock.
inline constexpr std::int64_t now_ms = 1'700'000'000'000;

// A room with a point, a line, an area and a note, chat (one message a reply,
// one about a feature), a changed room info, a comment thread, an agenda, an
// open vote round with dots and a raised hand, built once through validate
// and apply. Its ids and seqs are what seed_messages() refers to.
const model::room_state& populated_room();

// One actor of each role, in the order facilitator, participant, observer.
const std::array<model::actor, 3>& actors();

// Valid ClientMessages, one or more of each kind, named for their files in the
// seed corpus. The event commands among them are accepted from the
// facilitator by populated_room(), except end_session (no session runs), the
// commands on a reference layer (the room has none), and the commands only
// the admin API or the server sends (archive_room, add_layer, add_attachment,
// the breakout commands).
std::vector<std::pair<std::string, pb::ClientMessage>> seed_messages();

// What happened to one input, for tests that check the fuzzer sees what it
// should; the fuzzer itself only needs check_client_message not to abort.
struct outcome {
    bool decoded = false;
    int accepted = 0;         // roles whose validate() produced an event
    bool presence_ok = false; // a move_cursor or change_viewport passed its check
};

// Runs the input through decode, validate for each role, apply and the
// invariants (see the file comment). Aborts when an invariant is broken.
outcome check_client_message(std::string_view bytes);

} // namespace maptable::fuzz
