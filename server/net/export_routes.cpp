// (placeholder: to be written)
#include "net/export_routes.hpp"
