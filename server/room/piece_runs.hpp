// Layer: room. Joining a batch's pieces into runs, once for every member.
//
// A ServerFrame is the concatenation of its pieces (room/frame.hpp), so
// consecutive pieces joined into one buffer are still the same frame. A
// fan-out joins the pieces for everyone once per send: each member's write
// then walks one buffer per run instead of one per event, so what a member's
// write costs (shared_ptr copies, the buffers Beast and Asio walk, iovecs)
// no longer grows with the batch. A piece that is a run alone (one larger
// than the limit, or one with no small neighbour) is handed on as it is,
// shared, not copied.
#pragma once

#include "room/frame.hpp"

#include <cstddef>
#include <vector>

namespace maptable::room {

inline constexpr std::size_t max_run_bytes = 8192;

// The same pieces, in the same order, with runs of consecutive pieces joined
// into one piece of at most run_bytes.
std::vector<shared_piece> join_pieces(std::vector<shared_piece> pieces, std::size_t run_bytes = max_run_bytes);

} // namespace maptable::room
