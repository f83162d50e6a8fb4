// Layer: model. (placeholder: to be written)
#include "model_fixture.hpp"
