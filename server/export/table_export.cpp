#include "export/table_export.hpp"

#include "export/lon_lat_json.hpp"

#include "model/geojson.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>

namespace maptable::exports {

namespace json = boost::json;

// ---------------------------------------------------------------- folding the log

namespace {

void note_participant(room_record& r, const pb::Event& e)
{
    if (e.actor_id().empty())
        return; // an anonymous ballot names no one
    auto& p = r.participants[e.actor_id()];
    if (p.events == 0) {
        p.id = e.actor_id();
        p.first_ms = e.time_ms();
    }
    p.name = e.actor_name();
    p.last_ms = e.time_ms();
    ++p.events;
}

pb::ChatMessage* find_chat(std::vector<pb::ChatMessage>& chat, std::uint64_t seq)
{
    const auto it = std::lower_bound(chat.begin(), chat.end(), seq,
                                     [](const pb::ChatMessage& m, std::uint64_t s) { return m.seq() < s; });
    return it != chat.end() && it->seq() == seq ? &*it : nullptr;
}

// The words of a comment just before event e changes them.
const pb::Comment* find_comment(const model::room_state& state, const std::string& thread_id, std::uint64_t seq)
{
    const pb::Thread* thread = state.find_thread(thread_id);
    if (!thread)
        return nullptr;
    for (const auto& c : thread->comments())
        if (c.seq() == seq)
            return &c;
    return nullptr;
}

} // namespace

room_record fold_log(const std::string& room_id, std::span<const pb::Event> events)
{
    room_record r(room_id);
    for (const pb::Event& e : events)
        fold_event(r, e);
    return r;
}

bool fold_event(room_record& r, const pb::Event& e)
{
    if (e.seq() != r.state.seq() + 1)
        return false;
    // What the state forgets, read before it forgets it.
    switch (e.body_case()) {
    case pb::Event::kFeatureDeleted:
        if (const pb::Feature* f = r.state.find_feature(e.feature_deleted().id()))
            r.deleted_features[f->id()] = deleted_feature{*f, e.actor_id(), e.feature_deleted().reason(), e.seq()};
        break;
    case pb::Event::kFeatureAdded:
        r.deleted_features.erase(e.feature_added().feature().id()); // an id used again
        r.feature_session[e.feature_added().feature().id()] = e.session_id();
        break;
    case pb::Event::kCommentDeleted:
        if (const pb::Comment* c =
                find_comment(r.state, e.comment_deleted().thread_id(), e.comment_deleted().comment_seq()))
            if (!c->deleted())
                r.deleted_comment_text[{e.comment_deleted().thread_id(), c->seq()}] = c->text();
        break;
    default: break;
    }
    r.state.apply(e);
    note_participant(r, e);
    if (r.first_event_ms == 0)
        r.first_event_ms = e.time_ms();
    r.last_event_ms = e.time_ms();

    // Every chat message, not only the state's recent window.
    switch (e.body_case()) {
    case pb::Event::kChatPosted: {
        pb::ChatMessage m = e.chat_posted().message();
        m.set_seq(e.seq());
        if (m.time_ms() == 0)
            m.set_time_ms(e.time_ms());
        if (m.author_id().empty())
            m.set_author_id(e.actor_id());
        if (m.author_name().empty())
            m.set_author_name(e.actor_name());
        r.chat.push_back(std::move(m));
        break;
    }
    case pb::Event::kChatDeleted:
        if (auto* m = find_chat(r.chat, e.chat_deleted().message_seq())) {
            if (!m->deleted())
                r.deleted_chat_text[m->seq()] = m->text();
            model::apply_chat_change(*m, e);
        }
        break;
    case pb::Event::kChatReacted:
        if (auto* m = find_chat(r.chat, e.chat_reacted().message_seq()))
            model::apply_chat_change(*m, e);
        break;
    case pb::Event::kChatEdited:
        if (auto* m = find_chat(r.chat, e.chat_edited().message_seq()))
            model::apply_chat_change(*m, e);
        break;
    default: break;
    }
    return true;
}

void fold_later_deletion(room_record& r, const pb::Event& e)
{
    switch (e.body_case()) {
    case pb::Event::kChatDeleted:
        if (auto* m = find_chat(r.chat, e.chat_deleted().message_seq()); m && !m->deleted()) {
            r.deleted_chat_text[m->seq()] = m->text();
            model::apply_chat_change(*m, e);
        }
        break;
    case pb::Event::kCommentDeleted: {
        const auto& deleted = e.comment_deleted();
        if (const pb::Comment* c = find_comment(r.state, deleted.thread_id(), deleted.comment_seq());
            c && !c->deleted()) {
            const auto key = std::pair{deleted.thread_id(), c->seq()};
            r.deleted_comment_text[key] = c->text();
            r.later_comment_deletions.try_emplace(key, e);
        }
        break;
    }
    default: break;
    }
}

// A comment as exported: deleted when a deletion after the export's seq took
// it back (room_record::later_comment_deletions).
pb::Comment exported_comment(const room_record& r, const pb::Thread& t, const pb::Comment& c)
{
    const auto later = r.later_comment_deletions.find({t.id(), c.seq()});
    if (later == r.later_comment_deletions.end())
        return c;
    pb::Comment withheld = c;
    withheld.clear_text();
    withheld.set_deleted(true);
    withheld.set_deleted_by(later->second.actor_id());
    withheld.set_delete_reason(later->second.comment_deleted().reason());
    return withheld;
}

// ---------------------------------------------------------------- helpers

namespace {

json::array strings(const google::protobuf::RepeatedPtrField<std::string>& list)
{
    json::array out;
    for (const auto& s : list)
        out.emplace_back(s);
    return out;
}

std::string text_of(const pb::ChatMessage& m, const room_record& r, bool include_deleted)
{
    if (!m.deleted())
        return m.text();
    if (!include_deleted)
        return {};
    const auto it = r.deleted_chat_text.find(m.seq());
    return it == r.deleted_chat_text.end() ? std::string() : it->second;
}

std::string text_of(const pb::Thread& t, const pb::Comment& c, const room_record& r, bool include_deleted)
{
    if (!c.deleted())
        return c.text();
    if (!include_deleted)
        return {};
    const auto it = r.deleted_comment_text.find({t.id(), c.seq()});
    return it == r.deleted_comment_text.end() ? std::string() : it->second;
}

std::string reactions_text(const pb::ChatMessage& m)
{
    std::string out;
    for (const auto& reaction : m.reactions()) {
        if (!out.empty())
            out += ' ';
        out += reaction.emoji() + ' ' + std::to_string(reaction.participant_ids_size());
    }
    return out;
}

const char* yes_no(bool b)
{
    return b ? "true" : "false";
}

void csv_row(std::string& out, std::initializer_list<std::string_view> fields)
{
    bool first = true;
    for (auto f : fields) {
        if (!first)
            out += ',';
        first = false;
        out += csv_field(f);
    }
    out += "\r\n";
}

} // namespace

std::string write_json(const json::value& value)
{
    return model::write_json(value);
}

namespace {

// Whether value is a plain decimal number ("-33.92", "1e-05"): the numbers
// the exports write themselves, which a spreadsheet should read as numbers.
bool plain_number(std::string_view value)
{
    double parsed = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    return ec == std::errc{} && end == value.data() + value.size() && !value.empty();
}

} // namespace

bool starts_like_formula(std::string_view value)
{
    if (value.empty() || plain_number(value))
        return false;
    switch (value.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r': return true;
    default: return false;
    }
}

std::string csv_field(std::string_view value)
{
    // A spreadsheet runs a cell that starts like a formula ("=HYPERLINK(..)",
    // "@SUM(..)"), so text from participants could run in whoever opens the
    // file. OWASP's defence: a leading quote makes it text, and the quotes
    // around it keep the cell whole in tools that split on the quote.
    if (starts_like_formula(value)) {
        std::string out = "\"'";
        for (char c : value) {
            if (c == '"')
                out += '"';
            out += c;
        }
        out += '"';
        return out;
    }
    if (value.find_first_of(",\"\r\n") == std::string_view::npos)
        return std::string(value);
    std::string out = "\"";
    for (char c : value) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string iso_time(std::int64_t unix_ms)
{
    const std::time_t seconds = static_cast<std::time_t>(unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000);
    const int millis = static_cast<int>(unix_ms - static_cast<std::int64_t>(seconds) * 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    return buffer;
}

std::optional<json::object> network_place(const pb::RoomInfo& info)
{
    if (info.network_id().empty())
        return std::nullopt;
    return json::object{{"id", info.network_id()}, {"kind", room_kind_name(info.kind())}, {"city_id", info.city_id()}};
}

// ---------------------------------------------------------------- chat

std::string chat_json(const room_record& r, bool include_deleted)
{
    json::array messages;
    for (const auto& m : r.chat) {
        json::array reactions;
        for (const auto& reaction : m.reactions())
            reactions.push_back(
                json::object{{"emoji", reaction.emoji()}, {"participant_ids", strings(reaction.participant_ids())}});
        messages.push_back(json::object{
            {"seq", m.seq()},
            {"time_ms", m.time_ms()},
            {"time", iso_time(m.time_ms())},
            {"author_id", m.author_id()},
            {"author_name", m.author_name()},
            {"text", text_of(m, r, include_deleted)},
            {"reply_to", m.reply_to()},
            {"feature_id", m.feature_id()},
            {"mentions", strings(m.mentions())},
            {"edited_seq", m.edited_seq()},
            {"deleted", m.deleted()},
            {"deleted_by", m.deleted_by()},
            {"delete_reason", m.delete_reason()},
            {"reactions", std::move(reactions)},
            {"session_id", m.session_id()},
        });
    }
    return write_json(json::object{
               {"room_id", r.state.info().id()}, {"seq", r.state.seq()}, {"messages", std::move(messages)}}) +
        "\n";
}

std::string chat_csv(const room_record& r, bool include_deleted)
{
    std::string out;
    csv_row(out,
            {"seq", "time", "author_id", "author_name", "text", "reply_to", "feature_id", "mentions", "edited_seq",
             "deleted", "deleted_by", "delete_reason", "reactions", "session_id"});
    for (const auto& m : r.chat) {
        std::string mentions;
        for (const auto& id : m.mentions())
            mentions += (mentions.empty() ? "" : " ") + id;
        csv_row(out,
                {std::to_string(m.seq()), iso_time(m.time_ms()), m.author_id(), m.author_name(),
                 text_of(m, r, include_deleted), m.reply_to() ? std::to_string(m.reply_to()) : "", m.feature_id(),
                 mentions, m.edited_seq() ? std::to_string(m.edited_seq()) : "", yes_no(m.deleted()), m.deleted_by(),
                 m.delete_reason(), reactions_text(m), m.session_id() ? std::to_string(m.session_id()) : ""});
    }
    return out;
}

// ---------------------------------------------------------------- comments

namespace {

std::string feature_title(const room_record& r, const std::string& id)
{
    if (id.empty())
        return {};
    if (const pb::Feature* f = r.state.find_feature(id))
        return f->title();
    const auto it = r.deleted_features.find(id);
    return it == r.deleted_features.end() ? std::string() : it->second.feature.title();
}

// A thread on a live feature is where the feature is (its first position).
pb::LonLat thread_position(const room_record& r, const pb::Thread& t)
{
    if (!t.feature_id().empty() && !t.feature_deleted())
        if (const pb::Feature* f = r.state.find_feature(t.feature_id()); f && f->geometry().positions_size() > 0)
            return f->geometry().positions(0);
    return t.position();
}

std::string number(double d)
{
    return model::write_json(json::value(d));
}

} // namespace

std::string comments_json(const room_record& r, bool include_deleted)
{
    json::array threads;
    for (const auto& [id, t] : r.state.data().threads) {
        json::array comments;
        for (const auto& stored : t.comments()) {
            const pb::Comment c = exported_comment(r, t, stored);
            comments.push_back(json::object{
                {"seq", c.seq()},
                {"time_ms", c.time_ms()},
                {"time", iso_time(c.time_ms())},
                {"author_id", c.author_id()},
                {"author_name", c.author_name()},
                {"text", text_of(t, c, r, include_deleted)},
                {"edited_seq", c.edited_seq()},
                {"deleted", c.deleted()},
                {"deleted_by", c.deleted_by()},
                {"delete_reason", c.delete_reason()},
            });
        }
        const auto position = thread_position(r, t);
        threads.push_back(json::object{
            {"id", t.id()},
            {"feature_id", t.feature_id()},
            {"feature_title", feature_title(r, t.feature_id())},
            {"position", lon_lat_json(position)},
            {"feature_deleted", t.feature_deleted()},
            {"resolved", t.resolved()},
            {"resolved_by", t.resolved_by()},
            {"author_id", t.author_id()},
            {"created_seq", t.created_seq()},
            {"session_id", t.session_id()},
            {"comments", std::move(comments)},
        });
    }
    return write_json(json::object{
               {"room_id", r.state.info().id()}, {"seq", r.state.seq()}, {"threads", std::move(threads)}}) +
        "\n";
}

std::string comments_csv(const room_record& r, bool include_deleted)
{
    std::string out;
    csv_row(out,
            {"thread_id", "feature_id", "feature_title", "lon", "lat", "resolved", "comment_seq", "time", "author_id",
             "author_name", "text", "edited_seq", "deleted", "deleted_by", "delete_reason"});
    for (const auto& [id, t] : r.state.data().threads) {
        const auto position = thread_position(r, t);
        const auto title = feature_title(r, t.feature_id());
        for (const auto& stored : t.comments()) {
            const pb::Comment c = exported_comment(r, t, stored);
            csv_row(out,
                    {t.id(), t.feature_id(), title, number(position.lon()), number(position.lat()),
                     yes_no(t.resolved()), std::to_string(c.seq()), iso_time(c.time_ms()), c.author_id(),
                     c.author_name(), text_of(t, c, r, include_deleted),
                     c.edited_seq() ? std::to_string(c.edited_seq()) : "", yes_no(c.deleted()), c.deleted_by(),
                     c.delete_reason()});
        }
    }
    return out;
}

} // namespace maptable::exports
