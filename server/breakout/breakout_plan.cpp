// Layer: breakout (see breakout_plan.hpp).
#include "breakout_plan.hpp"

#include "model/limits.hpp"
#include "model/text.hpp"

#include <algorithm>
#include <map>

namespace maptable::breakout {

namespace {

// SplitMix64: a small generator whose sequence is the same on every platform.
std::uint64_t next(std::uint64_t& state)
{
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// The longest prefix of s that is at most max_chars characters of whole UTF-8.
std::string cut(std::string_view s, std::size_t max_chars)
{
    if (model::utf8_length(s) <= max_chars)
        return std::string(s);
    std::size_t chars = 0, i = 0;
    while (i < s.size() && chars < max_chars - 1) {
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80)
            ++i;
        ++chars;
    }
    return std::string(s.substr(0, i)) + "\xE2\x80\xA6"; // an ellipsis
}

pb::LayerProperty property(std::string key, std::string value)
{
    pb::LayerProperty p;
    p.set_key(std::move(key));
    p.set_value(std::move(value));
    return p;
}

} // namespace

std::vector<std::vector<std::string>> deal_random(std::vector<std::string> ids, int count, std::uint64_t seed)
{
    if (count < 1)
        return {};
    std::uint64_t state = seed;
    for (std::size_t i = ids.size(); i > 1; --i)
        std::swap(ids[i - 1], ids[next(state) % i]);
    std::vector<std::vector<std::string>> groups(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < ids.size(); ++i)
        groups[i % groups.size()].push_back(std::move(ids[i]));
    return groups;
}

bool every_city_known(const std::vector<person>& people)
{
    return std::all_of(people.begin(), people.end(), [](const person& p) { return !p.city.empty(); });
}

std::vector<city_group> deal_by_city(const std::vector<person>& people)
{
    std::map<std::string, std::vector<std::string>> by_city;
    for (const person& p : people)
        by_city[p.city].push_back(p.id);
    std::vector<city_group> out;
    for (auto& [city, ids] : by_city)
        out.push_back({city, std::move(ids)});
    return out;
}

std::string group_room_id(std::string_view plenary, std::string_view round_id, std::string_view group_id)
{
    constexpr std::size_t max_room = 64;
    const std::string tail = "." + std::string(round_id) + "." + std::string(group_id);
    if (tail.size() >= max_room)
        return tail.substr(tail.size() - max_room + 1).insert(0, "b");
    const std::size_t room_for_plenary = max_room - tail.size();
    return std::string(plenary.substr(0, room_for_plenary)) + tail;
}

std::string captured_layer_id(std::string_view round_id, std::string_view group_id)
{
    return "breakout." + std::string(round_id).substr(0, 26) + "." + std::string(group_id).substr(0, 26);
}

pb::ReferenceLayer captured_layer(const model::room_data& room, std::string_view round_id,
                                  const pb::BreakoutGroup& group)
{
    const auto& limits = model::limits();
    pb::ReferenceLayer layer;
    layer.set_id(captured_layer_id(round_id, group.id()));
    layer.set_name(cut(group.name(), limits.max_title_chars));
    layer.set_source_format("breakout");
    layer.set_source_name(cut(group.name(), limits.max_title_chars));

    std::size_t vertices = 0;
    std::size_t left_out = 0;
    const auto fits = [&](std::size_t positions) {
        if (static_cast<std::size_t>(layer.features_size()) < limits.max_layer_features &&
            vertices + positions <= limits.max_layer_vertices) {
            vertices += positions;
            return true;
        }
        ++left_out;
        return false;
    };

    for (const auto& [id, feature] : room.features) {
        if (feature.geometry().positions_size() == 0 || !fits(feature.geometry().positions_size()))
            continue;
        pb::LayerFeature& out = *layer.add_features();
        *out.mutable_geometry() = feature.geometry();
        if (feature.geometry().kind() == pb::FEATURE_KIND_NOTE) {
            // A layer has no notes: the note's place, its text as the description.
            out.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
            out.mutable_geometry()->mutable_positions()->DeleteSubrange(1, out.geometry().positions_size() - 1);
        }
        out.set_title(cut(feature.title(), limits.max_title_chars));
        out.set_description(cut(feature.description(), limits.max_description_chars));
        *out.add_properties() = property("group", group.name());
        *out.add_properties() =
            property("author", feature.author_name().empty() ? feature.author_id() : feature.author_name());
        if (!feature.category().empty())
            *out.add_properties() = property("category", feature.category());
        if (!feature.colour().empty())
            *out.add_properties() = property("colour", feature.colour());
    }

    for (const auto& [id, thread] : room.threads) {
        pb::LonLat place = thread.position();
        if (!thread.feature_deleted() && !thread.feature_id().empty()) {
            const auto it = room.features.find(thread.feature_id());
            if (it != room.features.end() && it->second.geometry().positions_size() > 0)
                place = it->second.geometry().positions(0);
        }
        std::string text;
        std::string first;
        for (const pb::Comment& c : thread.comments()) {
            if (c.deleted() || c.text().empty())
                continue;
            if (first.empty())
                first = c.text();
            text += (c.author_name().empty() ? c.author_id() : c.author_name()) + ": " + c.text() + "\n";
        }
        if (text.empty() || !fits(1))
            continue;
        text.pop_back();
        pb::LayerFeature& out = *layer.add_features();
        out.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
        *out.mutable_geometry()->add_positions() = place;
        out.set_title(cut(first, std::min<std::size_t>(80, limits.max_title_chars)));
        out.set_description(cut(text, limits.max_description_chars));
        *out.add_properties() = property("group", group.name());
        *out.add_properties() = property("kind", "thread");
        if (thread.resolved())
            *out.add_properties() = property("resolved", "true");
    }

    if (left_out > 0)
        layer.add_notes(std::to_string(left_out) + " of the group's marks and threads did not fit in one layer");
    return layer;
}

} // namespace maptable::breakout
