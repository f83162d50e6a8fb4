#include "model/limits.hpp"

namespace maptable::model {

const content_limits& limits()
{
    static const content_limits defaults{};
    return defaults;
}

} // namespace maptable::model
