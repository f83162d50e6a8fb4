// (placeholder: to be written)
#include "store/room_catalog.hpp"
