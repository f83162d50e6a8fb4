// (placeholder: to be written)
#include "room/admin_submit.hpp"
