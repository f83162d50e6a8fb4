// Layer: tests. A Join sent by a raw_client and the Welcome it must get: for
// tests that compare a Welcome's fields (recovered, the state, the events).
#pragma once

#include "raw_client.hpp"

#include <doctest/doctest.h>

namespace maptable::test {

inline pb::Welcome join_raw(raw_client& raw, const pb::ClientMessage& join)
{
    raw.send(join);
    auto reply = raw.answer_to(join.request_id());
    REQUIRE(reply.has_value());
    REQUIRE_MESSAGE(reply->has_welcome(), reply->ShortDebugString());
    return reply->welcome();
}

} // namespace maptable::test
