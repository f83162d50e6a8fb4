// Layer: model. The rules of reference layers (see rules.hpp).
#include "model/rules/rules.hpp"

namespace maptable::model::rules {

problem validate_layer_command(const room_data&, const pb::ClientMessage&, const actor&, pb::Event&)
{
    return reject(pb::ERROR_CODE_UNKNOWN_COMMAND, "this server does not handle reference layers yet");
}

void apply_layer_event(room_data&, const pb::Event&) {}

} // namespace maptable::model::rules
