// Layer: model. The rules of breakout groups (see rules.hpp).
#include "model/rules/rules.hpp"

namespace maptable::model::rules {

problem validate_breakout_command(const room_data&, const pb::ClientMessage&, const actor&, pb::Event&)
{
    return reject(pb::ERROR_CODE_UNKNOWN_COMMAND, "this server does not handle breakout groups yet");
}

void apply_breakout_event(room_data&, const pb::Event&) {}

} // namespace maptable::model::rules
