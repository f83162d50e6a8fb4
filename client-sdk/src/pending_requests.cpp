// SDK, connection logic: request ids and the rule for a refused request (see
// pending_requests.hpp).
#include "pending_requests.hpp"

namespace maptable::detail {

request_ids::request_ids(std::int64_t now_ms) : next_(static_cast<std::uint64_t>(now_ms) << 10) {}

error_verdict verdict_for(pb::ErrorCode code, bool will_resume)
{
    if (code == pb::ERROR_CODE_ROOM_UNAVAILABLE && will_resume)
        return error_verdict::keep;
    return error_verdict::fail;
}

} // namespace maptable::detail
