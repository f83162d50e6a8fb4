// Layer: model. (stub: to be written)
#include "model/rules/rules.hpp"

namespace maptable::model::rules {

problem validate_workshop_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                              pb::Event& event)
{
    return reject(pb::ERROR_CODE_UNKNOWN_COMMAND, "not implemented yet");
}

void apply_workshop_event(room_data& room, const pb::Event& event) {}

} // namespace maptable::model::rules
