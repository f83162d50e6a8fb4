// A room's kind as the HTTP API and the exports spell it: the enum's name
// without its prefix, in lower case ("living_lab", "study_trip"); "" for no
// kind (a room in no network). One home, so the admin API, the network
// routes and the exports cannot drift apart.
#pragma once

#include "maptable/v1/network.pb.h"

#include <string>

namespace maptable::exports {

std::string room_kind_name(maptable::v1::RoomKind kind);

} // namespace maptable::exports
