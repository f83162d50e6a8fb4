// The golden scenarios: small room histories built through the real
// validate + apply of model::room_state, so every event in them is one the
// server could have produced (plus one apply-only scenario of hand-made
// events that checks apply is total). Each covers one area of the rules.
#pragma once

#include "golden_format.hpp"

#include <vector>

namespace maptable::golden {

// Every scenario, in a fixed order. Deterministic: the same model code gives
// the same bytes (times, ids and actors are fixed).
std::vector<golden_sequence> make_all_scenarios();

} // namespace maptable::golden
