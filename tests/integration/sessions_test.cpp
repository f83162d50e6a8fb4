// (placeholder: to be written)
#include "server_process.hpp"
