// Layer: session (auth). Ballot ids: the pseudonyms that name a participant's
// dots in anonymous vote rounds.
//
// A ballot id is a keyed hash of (room id, participant id): stable for one
// participant in one room (across connections, refreshes and restarts, so a
// participant can find and remove their own dots), different between
// participants and between rooms, and impossible to map back to a participant
// id without the server's secret. The key is a sub-key derived from the join
// token secret with a fixed label, so a ballot id never equals any MAC the
// token code computes with the secret itself.
#pragma once

#include <string>
#include <string_view>

namespace maptable::auth {

// 16 lower-case hex characters (the first 64 bits of
// HMAC-SHA256(HMAC-SHA256(secret, "maptable ballot id v1"), room_id "\n" participant_id)).
// Room ids never contain a newline (they are 1-64 of A-Za-z0-9._-), so no two
// (room, participant) pairs hash the same input. Throws std::runtime_error
// only if OpenSSL fails.
std::string ballot_id(std::string_view secret, std::string_view room_id, std::string_view participant_id);

} // namespace maptable::auth
