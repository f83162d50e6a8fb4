// (placeholder: to be written)
#include "net/room_routes.hpp"
