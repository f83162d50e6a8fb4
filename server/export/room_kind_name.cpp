#include "export/room_kind_name.hpp"

#include <cctype>
#include <string_view>

namespace maptable::exports {

namespace pb = maptable::v1;

std::string room_kind_name(pb::RoomKind kind)
{
    constexpr std::string_view prefix = "ROOM_KIND_";
    if (kind == pb::ROOM_KIND_UNSPECIFIED || !pb::RoomKind_IsValid(kind))
        return {};
    std::string name = pb::RoomKind_Name(kind);
    if (name.starts_with(prefix))
        name.erase(0, prefix.size());
    for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

} // namespace maptable::exports
