// (placeholder: to be written)
#include "auth/ballot.hpp"
