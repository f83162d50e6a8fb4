// Layer: session (auth). Join tokens: JWTs signed with HMAC-SHA256.
//
// A join token says who may enter which room in which role. Host apps mint
// them from their own backend with the shared secret; `maptable-server token`
// mints one by hand. Verification is strict: the algorithm is fixed to HS256
// (a header naming any other, "none" included, is refused before any
// signature check), exp and nbf are checked with a small leeway, iss and aud
// when configured. Tokens are secrets: never log one.
#pragma once

#include "maptable/v1/envelope.pb.h"
#include "maptable/v1/presence.pb.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace maptable::auth {

namespace pb = maptable::v1;

struct join_claims {
    std::string room;    // the room it admits to; empty in a network invitation without one
    std::string network; // "net": a network invitation, for the rooms of this network
    std::string city;    // "city": the member city of a network invitation, empty for none
    std::string subject; // the participant id ("sub")
    std::string name;    // display name
    pb::Role role = pb::ROLE_PARTICIPANT;
    std::int64_t expires_at = 0; // Unix seconds ("exp"); required
    std::int64_t not_before = 0; // Unix seconds ("nbf"); 0 = none
    std::string issuer;          // "iss", empty = none
    std::string audience;        // "aud", empty = none
    std::string token_id;        // "jti", empty = none
};

struct verifier_options {
    std::string secret;
    std::string issuer;               // when set, "iss" must equal it
    std::string audience;             // when set, "aud" must equal or contain it
    std::int64_t leeway_seconds = 30; // clock skew tolerated on exp and nbf
};

struct token_error {
    pb::ErrorCode code = pb::ERROR_CODE_TOKEN_INVALID; // TOKEN_MISSING, _INVALID, _EXPIRED, _NOT_YET_VALID
    std::string message;                               // safe to send and log: never contains the token
};

using verification = std::variant<join_claims, token_error>;

// Verifies a token at time now (Unix seconds). Does not check the room: the
// caller compares claims.room with the room being joined (TOKEN_WRONG_ROOM),
// and for a network invitation (claims.network set; room may then be empty)
// asks model::role_in_room with the room's network (TOKEN_WRONG_NETWORK).
// "city" without "net" is refused.
// Tokens longer than 4096 bytes are refused before decoding; an empty
// options.secret refuses every token. A missing or empty "name" becomes sub.
verification verify_join_token(std::string_view token, const verifier_options& options, std::int64_t now);

// Signs claims into a compact JWT (header {"alg":"HS256","typ":"JWT"}).
// Writes sub, name, role and exp always; room unless it is a network
// invitation without one; net, city, nbf, iss, aud and jti when set.
// Throws std::invalid_argument for an empty secret or a role with no name
// (ROLE_UNSPECIFIED): both are caller bugs that would mint useless tokens.
std::string mint_join_token(const join_claims& claims, std::string_view secret);

// "facilitator" / "participant" / "observer" <-> Role.
std::optional<pb::Role> parse_role(std::string_view name);
std::string_view role_name(pb::Role role); // empty for ROLE_UNSPECIFIED and unknown values

} // namespace maptable::auth
