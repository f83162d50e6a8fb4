// Layer: client (command-line tool). The commands of `maptable`; see
// commands.hpp for what each promises.
#include "commands.hpp"

#include "model/geojson.hpp"
#include "model/limits.hpp"

#include <boost/json.hpp>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace maptable::cli {

namespace {

// Chat messages shown when `join` starts.
constexpr std::size_t header_chat_messages = 10;

// Titles longer than this are shortened in one-line listings.
constexpr std::size_t label_bytes = 80;

// ---------------------------------------------------------------- talking to the server

client_options options_for(const connection& where)
{
    client_options options;
    options.url = where.url;
    options.room_id = where.room;
    options.token = where.token;
    return options;
}

// Connects and joins; returns once the Welcome is in, so the replica is the
// room at its current seq.
void join_or_throw(client& c)
{
    check(await(c.connect(), "the join"));
}

// ---------------------------------------------------------------- small text helpers

std::optional<std::string> base64url_decode(std::string_view in)
{
    std::string out;
    unsigned bits = 0;
    unsigned value = 0;
    for (char ch : in) {
        int v;
        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9')
            v = ch - '0' + 52;
        else if (ch == '-')
            v = 62;
        else if (ch == '_')
            v = 63;
        else if (ch == '=')
            break;  // padding: not used by JWTs, tolerated
        else
            return std::nullopt;
        value = ((value << 6) | static_cast<unsigned>(v)) & 0xffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((value >> bits) & 0xff));
        }
    }
    return out;
}

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

const char* role_name(pb::Role role)
{
    switch (role) {
    case pb::ROLE_FACILITATOR: return "facilitator";
    case pb::ROLE_PARTICIPANT: return "participant";
    case pb::ROLE_OBSERVER: return "observer";
    default: return "no role";
    }
}

// At most max_bytes of text, cut at a character boundary, with "..." when cut.
std::string shorten(std::string_view text, std::size_t max_bytes)
{
    if (text.size() <= max_bytes)
        return std::string(text);
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80)
        --cut;  // do not split a UTF-8 sequence
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
    case pb::FEATURE_KIND_AREA:
        return " at " + position_text(ps[0]) + " (" + std::to_string(ps.size()) + " corners)";
    default:
        return " at " + position_text(ps[0]);
    }
}

std::string actor_of(const pb::Event& e)
{
    return printable(e.actor_name().empty() ? e.actor_id() : e.actor_name());
}

std::string join_with_commas(const std::vector<std::string>& parts)
{
    std::string out;
    for (const auto& part : parts)
        out += (out.empty() ? "" : ", ") + part;
    return out;
}

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

// ---------------------------------------------------------------- reading stdin

// Lines from stdin, read so that the caller wakes up now and then even when
// nobody types: `join` must notice that the connection ended.
class line_reader {
public:
    enum class result { line, idle, end };

    result next(std::string& line)
    {
        for (;;) {
            if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
                line = buffer_.substr(0, newline);
                buffer_.erase(0, newline + 1);
                if (!line.empty() && line.back() == '\r')
                    line.pop_back();
                return result::line;
            }
            if (eof_) {
                if (buffer_.empty())
                    return result::end;
                line = std::exchange(buffer_, {});  // a last line without a newline
                return result::line;
            }
            pollfd in{STDIN_FILENO, POLLIN, 0};
            const int ready = ::poll(&in, 1, 200);
            if (ready == 0 || (ready < 0 && errno == EINTR))
                return result::idle;
            char chunk[4096];
            const auto n = ::read(STDIN_FILENO, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                return result::idle;
            if (n <= 0)
                eof_ = true;
            else
                buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

private:
    std::string buffer_;
    bool eof_ = false;
};

// The first `count` whitespace-separated words of text, then the rest with
// its leading white space removed.
std::pair<std::vector<std::string>, std::string> split_words(std::string_view text, std::size_t count)
{
    std::vector<std::string> words;
    std::size_t at = 0;
    auto skip_space = [&] {
        while (at < text.size() && (text[at] == ' ' || text[at] == '\t'))
            ++at;
    };
    while (words.size() < count) {
        skip_space();
        if (at == text.size())
            break;
        const auto end = std::min(text.find_first_of(" \t", at), text.size());
        words.emplace_back(text.substr(at, end - at));
        at = end;
    }
    skip_space();
    return {std::move(words), std::string(text.substr(at))};
}

pb::Feature new_feature(pb::FeatureKind kind, double lon, double lat)
{
    pb::Feature f;
    f.set_id("f-" + random_id(6));
    f.mutable_geometry()->set_kind(kind);
    auto* p = f.mutable_geometry()->add_positions();
    p->set_lon(lon);
    p->set_lat(lat);
    return f;
}

constexpr const char* join_help = R"(  TEXT                    send TEXT to the chat (start with // to send a line that begins with /)
  /mark LON LAT TITLE...  add a point marker, e.g. /mark 18.4231 -33.9249 Unsafe corner
  /note LON LAT TEXT...   pin a note
  /features               list the features
  /move ID LON LAT        move a feature (a line or an area is shifted so that its first position lands there)
  /delete ID              delete a feature
  /help                   this list
  /quit                   leave (so does end of input, Ctrl-D))";

// ---------------------------------------------------------------- join

// An interactive session. Two threads print: the main thread (the header,
// answers to what was typed) and the SDK's I/O thread (events, joins and
// leaves). mutex_ keeps their lines whole and guards what both touch.
class interactive_session {
public:
    explicit interactive_session(const connection& where)
        : client_(options_for(where))
    {
        client_.on_event([this](const pb::Event& e) { on_event(e); });
        client_.on_participant_joined([this](const pb::Participant& p) { on_joined(p); });
        client_.on_participant_left([this](const std::string& id) { on_left(id); });
        client_.on_error([this](const pb::Error& e) { print("! " + describe_failure(e.code(), e.message())); });
        client_.on_closed([this](const close_info& info) { on_closed(info); });
        // No on_presence: cursors move many times a second; a terminal would drown.
    }

    void run()
    {
        join_or_throw(client_);
        print_header();
        line_reader input;
        std::string line;
        for (;;) {
            if (ended_)
                throw refused(pb::ERROR_CODE_UNSPECIFIED, "the connection ended" + end_reason());
            switch (input.next(line)) {
            case line_reader::result::idle:
                continue;
            case line_reader::result::end:
                return;
            case line_reader::result::line:
                if (!handle(line))
                    return;
            }
        }
    }

private:
    void print(const std::string& line)
    {
        std::lock_guard lock(mutex_);
        std::cout << line << std::endl;  // flushed: the reader may be a pipe
    }

    // ------------------------------------------------------------ SDK thread

    void on_event(const pb::Event& e)
    {
        std::lock_guard lock(mutex_);
        // Before the header, or already in the state the header showed.
        if (!view_ || e.seq() <= view_->seq())
            return;
        std::cout << describe_event(e, *view_) << std::endl;
        view_->apply(e);
    }

    void on_joined(const pb::Participant& p)
    {
        std::lock_guard lock(mutex_);
        // Someone the header already listed as online is not announced again.
        if (!view_ || !names_.emplace(p.id(), p.name()).second)
            return;
        std::cout << "* " << printable(p.name()) << " joined" << std::endl;
    }

    void on_left(const std::string& id)
    {
        std::lock_guard lock(mutex_);
        const auto it = names_.find(id);
        if (view_)  // before the header, the roster it shows already lacks them
            std::cout << "* " << printable(it != names_.end() ? it->second : id) << " left" << std::endl;
        if (it != names_.end())
            names_.erase(it);
    }

    void on_closed(const close_info& info)
    {
        std::lock_guard lock(mutex_);
        end_ = info;
        ended_ = true;
    }

    std::string end_reason()
    {
        std::lock_guard lock(mutex_);
        std::string why;
        if (end_.code != 0)
            why += " (close code " + std::to_string(end_.code) + ")";
        if (!end_.reason.empty())
            why += ": " + printable(end_.reason);
        return why;
    }

    // ------------------------------------------------------------ main thread

    void print_header()
    {
        std::lock_guard lock(mutex_);
        // Taken under mutex_: an event that is already in this copy reaches
        // on_event only after we let go, and is skipped there as shown.
        auto state = client_.replica();
        const auto me = client_.me();
        std::vector<std::string> online;
        for (const auto& p : client_.online()) {
            names_[p.id()] = p.name();
            online.push_back(printable(p.name()) + " (" + role_name(p.role()) + (p.id() == me.id() ? ", you" : "") + ")");
        }
        std::cout << "Room '" << printable(state.info().title()) << "' (" << state.info().id() << ") at seq "
                  << state.seq() << ": " << state.features().size()
                  << (state.features().size() == 1 ? " feature\n" : " features\n");
        std::cout << "Online: " << (online.empty() ? "nobody else" : join_with_commas(online)) << "\n";
        const auto& chat = state.recent_chat();
        if (!chat.empty()) {
            std::cout << "Recent chat:\n";
            const auto shown = std::min(chat.size(), header_chat_messages);
            for (auto it = chat.end() - static_cast<std::ptrdiff_t>(shown); it != chat.end(); ++it)
                std::cout << "  " << describe_chat(*it) << "\n";
        }
        std::cout << "Type a line to chat; /help lists the commands." << std::endl;
        view_ = std::move(state);
    }

    // Shows why a command failed; success shows as its event line.
    void report(const command_result& result)
    {
        if (!result.ok)
            print("! " + describe_failure(result.code, result.message));
    }

    void report(std::future<command_result> pending)
    {
        try {
            report(await(std::move(pending), "the command"));
        } catch (const refused& e) {
            print("! " + std::string(e.what()));
        }
    }

    std::optional<std::pair<double, double>> lon_lat(const std::string& lon, const std::string& lat)
    {
        auto x = parse_degrees(lon);
        auto y = parse_degrees(lat);
        if (!x || !y) {
            print("! '" + printable(lon) + " " + printable(lat) + "' is not a position: give LON LAT in decimal degrees");
            return std::nullopt;
        }
        return std::pair{*x, *y};
    }

    // Returns false when the user asked to leave.
    bool handle(const std::string& line)
    {
        if (line.find_first_not_of(" \t") == std::string::npos)
            return true;
        if (line[0] != '/' || line.rfind("//", 0) == 0) {
            report(client_.send_chat(line[0] == '/' ? line.substr(1) : line));
            return true;
        }
        auto [words, rest] = split_words(line, 1);
        const std::string command = words[0];

        if (command == "/quit" || command == "/exit")
            return false;
        if (command == "/help") {
            print(join_help);
        } else if (command == "/features") {
            list_features();
        } else if (command == "/mark" || command == "/note") {
            auto [args, text] = split_words(rest, 2);
            if (args.size() < 2 || text.empty()) {
                print("! usage: " + command + " LON LAT " + (command == "/mark" ? "TITLE..." : "TEXT..."));
                return true;
            }
            const auto position = lon_lat(args[0], args[1]);
            if (!position)
                return true;
            const bool note = command == "/note";
            auto f = new_feature(note ? pb::FEATURE_KIND_NOTE : pb::FEATURE_KIND_POINT, position->first, position->second);
            (note ? f.mutable_description() : f.mutable_title())->assign(text);
            report(client_.add_feature(std::move(f)));
        } else if (command == "/move") {
            auto [args, extra] = split_words(rest, 3);
            if (args.size() < 3 || !extra.empty()) {
                print("! usage: /move ID LON LAT");
                return true;
            }
            if (const auto position = lon_lat(args[1], args[2]))
                move(args[0], position->first, position->second);
        } else if (command == "/delete") {
            auto [args, extra] = split_words(rest, 1);
            if (args.empty() || !extra.empty()) {
                print("! usage: /delete ID");
                return true;
            }
            report(client_.delete_feature(args[0]));
        } else {
            print("! unknown command " + printable(command) + "; /help lists the commands");
        }
        return true;
    }

    void list_features()
    {
        const auto state = client_.replica();
        std::lock_guard lock(mutex_);
        if (state.features().empty())
            std::cout << "(no features yet)\n";
        for (const auto& [id, f] : state.features())
            std::cout << describe_feature(f) << "\n";
        std::cout << std::flush;
    }

    // Moves a feature so that its first position lands on (lon, lat): a point
    // or a note goes there, a line or an area is shifted as a whole.
    void move(const std::string& id, double lon, double lat)
    {
        const auto state = client_.replica();
        const auto* f = state.find_feature(id);
        if (!f || f->geometry().positions().empty()) {
            print("! there is no feature " + printable(id) + " (/features lists them)");
            return;
        }
        pb::FeaturePatch patch;
        auto* geometry = patch.mutable_geometry();
        *geometry = f->geometry();
        const double d_lon = lon - geometry->positions(0).lon();
        const double d_lat = lat - geometry->positions(0).lat();
        for (auto& p : *geometry->mutable_positions()) {
            p.set_lon(p.lon() + d_lon);
            p.set_lat(p.lat() + d_lat);
        }
        geometry->mutable_positions(0)->set_lon(lon);  // exactly what was typed, free of rounding
        geometry->mutable_positions(0)->set_lat(lat);
        report(client_.update_feature(id, std::move(patch)));
    }

    std::mutex mutex_;                               // guards stdout and the members below
    std::optional<model::room_state> view_;          // the room as printed so far; empty before the header
    std::map<std::string, std::string> names_;       // participant id -> name, to say who left
    close_info end_;
    std::atomic<bool> ended_{false};
    // Declared last so that it is destroyed first: its destructor joins the
    // I/O thread, whose callbacks use the members above.
    client client_;
};

} // namespace

// ---------------------------------------------------------------- public helpers

std::string describe_failure(pb::ErrorCode code, const std::string& message)
{
    if (code == pb::ERROR_CODE_UNSPECIFIED)
        return message;
    const auto& name = pb::ErrorCode_Name(code);
    return (name.empty() ? "ERROR_CODE_" + std::to_string(code) : name) + ": " + message;
}

std::optional<std::string> room_of_token(std::string_view token)
{
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos)
        return std::nullopt;
    const auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
    if (!payload)
        return std::nullopt;
    boost::json::error_code ec;
    const auto claims = boost::json::parse(*payload, ec);
    if (ec || !claims.is_object())
        return std::nullopt;
    const auto* room = claims.as_object().if_contains("room");
    if (!room || !room->is_string() || room->as_string().empty())
        return std::nullopt;
    return std::string(room->as_string());
}

std::optional<double> parse_degrees(std::string_view text)
{
    if (!text.empty() && text[0] == '+')
        text.remove_prefix(1);
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::string printable(std::string_view text)
{
    static constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
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
        else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {  // C1 controls, U+0080..U+009F
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
    std::string line = "[seq " + std::to_string(m.seq()) + "] " +
                       printable(m.author_name().empty() ? m.author_id() : m.author_name());
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
    case pb::Event::kFeatureDeleted:
        return who + " deleted " + named_in(before, e.feature_deleted().id());
    case pb::Event::kChatPosted:
        return describe_chat(e.chat_posted().message());
    case pb::Event::kRoomInfoChanged:
        return who + " changed the room: " + describe_room_change(e.room_info_changed());
    default:
        if (auto line = describe_facilitation_event(e, before, who); !line.empty())
            return line;
        return who + " made a change this version of maptable does not know";
    }
}

// ---------------------------------------------------------------- talking to the server

void check(const command_result& result)
{
    if (!result.ok)
        throw refused(result.code, result.message);
}

std::unique_ptr<client> joined_client(const connection& where)
{
    auto c = std::make_unique<client>(options_for(where));
    join_or_throw(*c);
    return c;
}

std::uint64_t run_one(const connection& where, const std::string& what,
                      const std::function<std::future<command_result>(client&)>& command)
{
    auto c = joined_client(where);
    const auto result = await(command(*c), what);
    check(result);
    return result.seq;
}

// ---------------------------------------------------------------- commands

void join(const connection& where)
{
    interactive_session session(where);
    session.run();
}

void say(const connection& where, const std::string& text)
{
    auto c = joined_client(where);
    check(await(c->send_chat(text), "the message"));
}

void mark(const connection& where, const mark_options& marker)
{
    auto c = joined_client(where);
    auto f = new_feature(pb::FEATURE_KIND_POINT, marker.lon, marker.lat);
    f.set_title(marker.title);
    f.set_description(marker.description);
    f.set_category(marker.category);
    f.set_colour(marker.colour);
    const auto id = f.id();
    const auto result = await(c->add_feature(std::move(f)), "the new marker");
    check(result);
    std::cout << id << " seq " << result.seq << std::endl;
}

void features(const connection& where)
{
    const auto state = joined_client(where)->replica();
    for (const auto& [id, f] : state.features())
        std::cout << describe_feature(f) << "\n";
    std::cout << std::flush;
}

void chat(const connection& where, std::uint32_t limit)
{
    auto c = joined_client(where);
    const auto state = c->replica();
    const auto& recent = state.recent_chat();
    std::vector<pb::ChatMessage> messages;
    // The replica holds the newest limits().recent_chat messages; when it
    // holds fewer, those are all there are.
    if (recent.size() >= limit || recent.size() < model::limits().recent_chat) {
        const auto shown = std::min<std::size_t>(recent.size(), limit);
        messages.assign(recent.end() - static_cast<std::ptrdiff_t>(shown), recent.end());
    } else {
        std::uint64_t before_seq = 0;  // 0: from the newest
        while (messages.size() < limit) {
            const auto wanted = static_cast<std::uint32_t>(
                std::min<std::size_t>(limit - messages.size(), model::limits().max_history_page));
            auto page = await(c->chat_history(before_seq, wanted), "the chat history request");
            if (!page.ok)
                throw refused(page.error.code, page.error.message);
            messages.insert(messages.begin(), page.messages.begin(), page.messages.end());
            if (!page.has_more || page.messages.empty())
                break;
            before_seq = page.messages.front().seq();
        }
    }
    for (const auto& m : messages)
        std::cout << describe_chat(m) << "\n";
    std::cout << std::flush;
}

void export_geojson(const connection& where)
{
    const auto state = joined_client(where)->replica();
    std::cout << model::to_geojson(state) << std::endl;
}

} // namespace maptable::cli
