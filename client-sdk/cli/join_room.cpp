// Layer: client (command-line tool). `join`: the interactive view of a room. Prints
// the room, then every change as it happens (describe_event), and sends what
// is typed: chat lines and slash commands.
#include "command_table.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace maptable::cli {

namespace {

// Chat messages shown when `join` starts.
constexpr std::size_t header_chat_messages = 10;

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
                line = std::exchange(buffer_, {}); // a last line without a newline
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

constexpr const char* join_help =
    R"(  TEXT                    send TEXT to the chat (start with // to send a line that begins with /)
  /mark LON LAT TITLE...  add a point marker, e.g. /mark 18.4231 -33.9249 Unsafe corner
  /note LON LAT TEXT...   pin a note
  /features               list the features
  /move ID LON LAT        move a feature (a line or an area is shifted so that its first position lands there)
  /delete ID              delete a feature
  /help                   this list
  /quit                   leave (so does end of input, Ctrl-D))";

// ---------------------------------------------------------------- join

// An interactive view of a room. Two threads print: the main thread (the header,
// answers to what was typed) and the SDK's I/O thread (events, joins and
// leaves). mutex_ keeps their lines whole and guards what both touch.
class interactive_join {
public:
    explicit interactive_join(const connection& where) : client_(options_for(where))
    {
        client_.on_event([this](const pb::Event& e) { on_event(e); });
        client_.on_participant_joined([this](const pb::Participant& p) { on_joined(p); });
        client_.on_participant_left([this](const std::string& id) { on_left(id); });
        client_.on_error([this](const pb::Error& e) { print("! " + describe_failure(e.code(), e.message())); });
        client_.on_closed([this](const close_info& info) { on_closed(info); });
        client_.on_state([this](connection_state s) { on_state(s); });
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
            case line_reader::result::idle: continue;
            case line_reader::result::end: return;
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
        std::cout << line << std::endl; // flushed: the reader may be a pipe
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
        if (view_) // before the header, the roster it shows already lacks them
            std::cout << "* " << printable(it != names_.end() ? it->second : id) << " left" << std::endl;
        if (it != names_.end())
            names_.erase(it);
    }

    // A dropped connection (the server restarting, a weak link) is not the
    // end: the SDK reconnects and resumes, and what was typed meanwhile is
    // sent then. Say so, so that nobody types into what looks like silence.
    void on_state(connection_state state)
    {
        if (state == connection_state::reconnecting && !reconnecting_.exchange(true))
            print("* connection lost; reconnecting (what you type is sent when it is back)");
        else if (state == connection_state::connected && reconnecting_.exchange(false))
            print("* reconnected");
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
            online.push_back(printable(p.name()) + " (" + role_name(p.role()) + (p.id() == me.id() ? ", you" : "") +
                             ")");
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
            print("! '" + printable(lon) + " " + printable(lat) +
                  "' is not a position: give LON LAT in decimal degrees");
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
            auto f =
                new_feature(note ? pb::FEATURE_KIND_NOTE : pb::FEATURE_KIND_POINT, position->first, position->second);
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
        geometry->mutable_positions(0)->set_lon(lon); // exactly what was typed, free of rounding
        geometry->mutable_positions(0)->set_lat(lat);
        report(client_.update_feature(id, std::move(patch)));
    }

    std::mutex mutex_;                         // guards stdout and the members below
    std::optional<model::room_state> view_;    // the room as printed so far; empty before the header
    std::map<std::string, std::string> names_; // participant id -> name, to say who left
    close_info end_;
    std::atomic<bool> ended_{false};
    std::atomic<bool> reconnecting_{false}; // between a lost connection and the next Welcome
    // Declared last so that it is destroyed first: its destructor joins the
    // I/O thread, whose callbacks use the members above.
    client client_;
};

} // namespace

void join(const connection& where)
{
    interactive_join view(where);
    view.run();
}

void join_command(const settings& global, const arguments& args)
{
    expect_no_words("join", parse_command(args, {}));
    join(connection_from(global));
}

} // namespace maptable::cli
