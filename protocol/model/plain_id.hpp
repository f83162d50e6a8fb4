// Layer: model (pure). The one rule for the ids people and programs choose
// for rooms, networks, cities and planned sessions: 1 to 64 of
// A-Z a-z 0-9 . _ -. They end up in URLs, join tokens, log lines and file
// names, so the alphabet is short and needs no escaping. A Join, the admin
// API, the exports and the network rules all check with this one function,
// so a room joined under an id can be managed and exported under it. It
// lives in the model because that is the lowest layer every checker may
// include (the server's session and net, the model's own rules).
#pragma once

#include <string_view>

namespace maptable::model {

inline bool is_plain_id(std::string_view s)
{
    if (s.empty() || s.size() > 64)
        return false;
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace maptable::model
