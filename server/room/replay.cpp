// (placeholder: to be written)
#include "room/replay.hpp"
