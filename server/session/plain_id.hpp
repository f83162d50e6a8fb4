// Layer: session. The ids a Join accepts for a room and a client: they end up
// in logs, URLs and file names, so a short, plain alphabet (1-64 of
// A-Z a-z 0-9 . _ -). The admin API and the export routes accept exactly the
// same room ids, so a room joined under an id can be managed under it.
#pragma once

#include <string_view>

namespace maptable::session {

inline bool is_plain_id(std::string_view s)
{
    if (s.empty() || s.size() > 64)
        return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace maptable::session
