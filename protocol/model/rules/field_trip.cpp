// Layer: model. The rules of a study trip's itinerary (see rules.hpp).
#include "model/rules/rules.hpp"

namespace maptable::model::rules {

problem validate_field_command(const room_data&, const pb::ClientMessage&, const actor&, pb::Event&)
{
    return reject(pb::ERROR_CODE_UNKNOWN_COMMAND, "this server does not handle a study trip's itinerary yet");
}

void apply_field_event(room_data&, const pb::Event&) {}

} // namespace maptable::model::rules
