// Layer: client (command-line tool). Text for people: features, chat
// messages and events as one line each (see commands.hpp), made safe to
// print with printable().
#include "commands.hpp"

#include "model/geojson.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace maptable::cli {

namespace {

// Titles longer than this are shortened in one-line listings.
constexpr std::size_t label_bytes = 80;

// A coordinate for people: up to six decimals (about 10 cm), no trailing
// zeros, so that what was typed is what is shown.
std::string degrees(double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6f", value);
    std::string text = buffer;
    if (text.find('.') != std::string::npos) {
        text.erase(text.find_last_not_of('0') + 1);
        if (text.back() == '.')
            text.pop_back();
    }
    return text == "-0" ? "0" : text;
}

std::string position_text(const pb::LonLat& p)
{
    return degrees(p.lon()) + "," + degrees(p.lat());
}

} // namespace

const char* role_name(pb::Role role)
{
    switch (role) {
    case pb::ROLE_FACILITATOR: return "facilitator";
    case pb::ROLE_PARTICIPANT: return "participant";
    case pb::ROLE_OBSERVER: return "observer";
    default: return "no role";
    }
}

namespace {

// At most max_bytes of text, cut at a character boundary, with "..." when cut.
std::string shorten(std::string_view text, std::size_t max_bytes)
{
    if (text.size() <= max_bytes)
        return std::string(text);
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80)
        --cut; // do not split a UTF-8 sequence
    return std::string(text.substr(0, cut)) + "...";
}

// What a feature is called in a line: its title, or for an untitled note the
// start of its text.
std::string label(const pb::Feature& f)
{
    const std::string& text = f.title().empty() ? f.description() : f.title();
    return "'" + printable(shorten(text.substr(0, text.find('\n')), label_bytes)) + "'";
}

// "point 'Unsafe corner' (f-1a2b)"
std::string named(const pb::Feature& f)
{
    return std::string(model::kind_name(f.geometry().kind())) + " " + label(f) + " (" + f.id() + ")";
}

// Where a geometry lies, as the end of a sentence: " at 18.42,-33.92".
std::string placement(const pb::Geometry& g)
{
    const auto& ps = g.positions();
    if (ps.empty())
        return "";
    switch (g.kind()) {
    case pb::FEATURE_KIND_LINE:
        return " from " + position_text(ps[0]) + " to " + position_text(ps[ps.size() - 1]) + " (" +
            std::to_string(ps.size()) + " positions)";
    case pb::FEATURE_KIND_AREA: return " at " + position_text(ps[0]) + " (" + std::to_string(ps.size()) + " corners)";
    default: return " at " + position_text(ps[0]);
    }
}

std::string actor_of(const pb::Event& e)
{
    return printable(e.actor_name().empty() ? e.actor_id() : e.actor_name());
}

} // namespace

std::string join_with_commas(const std::vector<std::string>& parts)
{
    std::string out;
    for (const auto& part : parts)
        out += (out.empty() ? "" : ", ") + part;
    return out;
}

namespace {

// "title 'New name', colour #00ff00, moved to 18.42,-33.92"
std::string describe_patch(const pb::FeaturePatch& patch)
{
    std::vector<std::string> changes;
    if (patch.has_title())
        changes.push_back("title '" + printable(shorten(patch.title(), label_bytes)) + "'");
    if (patch.has_description())
        changes.push_back("description");
    if (patch.has_colour())
        changes.push_back(patch.colour().empty() ? "no colour" : "colour " + printable(patch.colour()));
    if (patch.has_category())
        changes.push_back("category '" + printable(patch.category()) + "'");
    if (patch.has_layer())
        changes.push_back("layer '" + printable(patch.layer()) + "'");
    if (patch.has_geometry()) {
        const auto& g = patch.geometry();
        if (g.positions_size() == 1)
            changes.push_back("moved to " + position_text(g.positions(0)));
        else
            changes.push_back("reshaped" + placement(g));
    }
    return join_with_commas(changes);
}

std::string describe_room_change(const pb::RoomInfoChanged& change)
{
    std::vector<std::string> changes;
    if (change.has_title())
        changes.push_back("title '" + printable(change.title()) + "'");
    if (change.has_description())
        changes.push_back("description");
    if (change.has_center())
        changes.push_back("centre " + position_text(change.center()));
    if (change.has_zoom())
        changes.push_back("zoom " + degrees(change.zoom()));
    return join_with_commas(changes);
}

// The feature an event names, as it was before the event; a feature that did
// not exist (the event then changes nothing) is named by its id alone.
std::string named_in(const model::room_state& before, const std::string& id)
{
    const auto* f = before.find_feature(id);
    return f ? named(*f) : "feature " + id;
}

} // namespace

std::string printable(std::string_view text)
{
    static constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (c == '\n')
            out += "\n    ";
        else if (c == '\t')
            out += ' ';
        else if (c < 0x20 || c == 0x7f)
            out += replacement;
        else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) { // C1 controls, U+0080..U+009F
            out += replacement;
            ++i;
        } else
            out += static_cast<char>(c);
    }
    return out;
}

std::string describe_feature(const pb::Feature& f)
{
    std::string line = f.id() + " " + model::kind_name(f.geometry().kind()) + " " + label(f);
    if (!f.geometry().positions().empty())
        line += " at " + position_text(f.geometry().positions(0));
    return line + " by " + printable(f.author_name().empty() ? f.author_id() : f.author_name());
}

std::string describe_chat(const pb::ChatMessage& m)
{
    std::string line =
        "[seq " + std::to_string(m.seq()) + "] " + printable(m.author_name().empty() ? m.author_id() : m.author_name());
    if (m.reply_to() != 0)
        line += " (replying to seq " + std::to_string(m.reply_to()) + ")";
    if (!m.feature_id().empty())
        line += " (about " + printable(m.feature_id()) + ")";
    return line + ": " + printable(m.text());
}

std::string describe_event(const pb::Event& e, const model::room_state& before)
{
    const std::string who = "[seq " + std::to_string(e.seq()) + "] " + actor_of(e);
    switch (e.body_case()) {
    case pb::Event::kFeatureAdded: {
        const auto& f = e.feature_added().feature();
        return who + " added " + named(f) + placement(f.geometry());
    }
    case pb::Event::kFeatureUpdated:
        return who + " changed " + named_in(before, e.feature_updated().id()) + ": " +
            describe_patch(e.feature_updated().patch());
    case pb::Event::kFeatureDeleted: return who + " deleted " + named_in(before, e.feature_deleted().id());
    case pb::Event::kChatPosted: return describe_chat(e.chat_posted().message());
    case pb::Event::kRoomInfoChanged: return who + " changed the room: " + describe_room_change(e.room_info_changed());
    default:
        if (auto line = describe_facilitation_event(e, before, who); !line.empty())
            return line;
        return who + " made a change this version of maptable does not know";
    }
}

} // namespace maptable::cli
