// Layer: client (command-line tool). Comment threads, reactions, the
// facilitator's moderation (lock settings, mute, remove), sessions, and
// replay (state-at): one small function per command.
#include "command_table.hpp"

#include "model/geojson.hpp"

#include <google/protobuf/util/json_util.h>

#include <iostream>

namespace maptable::cli {

namespace {

constexpr const char* comment_usage =
    "comment on FEATURE_ID TEXT... | comment at LON LAT TEXT... | comment reply THREAD_ID TEXT... [--thread ID]";
constexpr const char* audiences = "facilitators, participants, everyone or default";

pb::Audience audience(const std::string& text, const char* option)
{
    if (text == "facilitators")
        return pb::AUDIENCE_FACILITATORS;
    if (text == "participants")
        return pb::AUDIENCE_PARTICIPANTS;
    if (text == "everyone")
        return pb::AUDIENCE_EVERYONE;
    if (text == "default")
        return pb::AUDIENCE_UNSPECIFIED;
    throw usage_error(std::string(option) + " '" + text + "' is not an audience: give " + audiences);
}

bool on_off(const std::string& text, const char* option, const char* on, const char* off)
{
    if (text == on)
        return true;
    if (text == off)
        return false;
    throw usage_error(std::string(option) + " '" + text + "' must be " + on + " or " + off);
}

// The participant a facilitator means: an id as given, or the name of
// exactly one participant online now (ids from invites are not memorable).
std::string participant_id(const client& c, const std::string& id_or_name)
{
    std::vector<pb::Participant> named;
    for (const auto& p : c.online()) {
        if (p.id() == id_or_name)
            return p.id();
        if (p.name() == id_or_name)
            named.push_back(p);
    }
    if (named.size() > 1)
        throw usage_error("several people online are called '" + printable(id_or_name) +
                          "': give the participant id (maptable who lists them)");
    return named.empty() ? id_or_name : named.front().id();
}

} // namespace

void comment_command(const settings& global, const arguments& args)
{
    std::string thread_id;
    po::options_description options;
    options.add_options()("thread", po::value(&thread_id));
    const auto parsed = parse_command(args, options);
    const auto& w = parsed.words;
    const std::string how = w.empty() ? "" : w[0];
    const std::size_t text_from = how == "at" ? 3 : 2;
    if ((how != "on" && how != "at" && how != "reply") || w.size() <= text_from)
        throw usage_error(std::string("usage: maptable ") + comment_usage);
    const auto text = joined(w, text_from);

    if (how == "reply") {
        run_one(connection_from(global), "the comment", [&](client& c) { return c.add_comment(w[1], text); });
        return;
    }
    if (thread_id.empty())
        thread_id = "t-" + random_id(6);
    pb::LonLat position;
    if (how == "at") {
        position.set_lon(degrees(w[1], "longitude"));
        position.set_lat(degrees(w[2], "latitude"));
    }
    const auto seq = run_one(connection_from(global), "the new thread", [&](client& c) {
        return how == "on" ? c.start_thread(thread_id, w[1], text) : c.start_thread(thread_id, position, text);
    });
    std::cout << thread_id << " seq " << seq << std::endl;
}

void react_command(const settings& global, const arguments& args)
{
    po::options_description options;
    options.add_options()("remove", "");
    const auto parsed = parse_command(args, options);
    expect_words(parsed, 2, "react MESSAGE_SEQ EMOJI [--remove]");
    const auto seq = whole_number(parsed.words[0], "message seq");
    const bool remove = parsed.options.count("remove") > 0;
    run_one(connection_from(global), "the reaction",
            [&](client& c) { return c.react_to_chat(seq, parsed.words[1], remove); });
}

void lock_command(const settings& global, const arguments& args)
{
    std::string map, annotate, chat, comment, cursors;
    po::options_description options;
    options.add_options()("map", po::value(&map))("annotate", po::value(&annotate))("chat", po::value(&chat))(
        "comment", po::value(&comment))("cursors", po::value(&cursors));
    const auto parsed = parse_command(args, options);
    expect_no_words("lock", parsed);
    pb::RoomSettingsChange change;
    if (!map.empty())
        change.set_map_locked(on_off(map, "--map", "locked", "open"));
    if (!annotate.empty())
        change.set_annotate(audience(annotate, "--annotate"));
    if (!chat.empty())
        change.set_chat(audience(chat, "--chat"));
    if (!comment.empty())
        change.set_comment(audience(comment, "--comment"));
    if (!cursors.empty())
        change.set_hide_cursors(on_off(cursors, "--cursors", "hidden", "shown"));
    if (change.ByteSizeLong() == 0)
        throw usage_error("lock needs at least one of --map locked|open, --annotate WHO, --chat WHO, --comment WHO, "
                          "--cursors hidden|shown (WHO: " +
                          std::string(audiences) + ")");
    run_one(connection_from(global), "the settings", [&](client& c) { return c.update_settings(change); });
}

void mute_command(const settings& global, const arguments& args)
{
    std::string reason;
    po::options_description options;
    options.add_options()("reason", po::value(&reason))("undo", "");
    const auto parsed = parse_command(args, options);
    expect_words(parsed, 1, "mute PARTICIPANT [--reason TEXT] [--undo]");
    const bool muted = parsed.options.count("undo") == 0;
    run_one(connection_from(global), "the mute",
            [&](client& c) { return c.mute_participant(participant_id(c, parsed.words[0]), muted, reason); });
}

void remove_command(const settings& global, const arguments& args)
{
    std::string reason;
    po::options_description options;
    options.add_options()("reason", po::value(&reason));
    const auto parsed = parse_command(args, options);
    expect_words(parsed, 1, "remove PARTICIPANT [--reason TEXT]");
    run_one(connection_from(global), "the removal",
            [&](client& c) { return c.remove_participant(participant_id(c, parsed.words[0]), reason); });
}

void who_command(const settings& global, const arguments& args)
{
    expect_no_words("who", parse_command(args, {}));
    const auto c = joined_client(connection_from(global));
    const auto me = c->me();
    for (const auto& p : c->online())
        std::cout << p.id() << " " << printable(p.name()) << " (" << role_name(p.role())
                  << (p.id() == me.id() ? ", you" : "") << ")\n";
    std::cout << std::flush;
}

void session_command(const settings& global, const arguments& args)
{
    const auto parsed = parse_command(args, {});
    const std::string what = parsed.words.empty() ? "" : parsed.words[0];
    if (what == "start" && parsed.words.size() > 1) {
        const auto title = joined(parsed.words, 1);
        const auto seq =
            run_one(connection_from(global), "the session start", [&](client& c) { return c.start_session(title); });
        std::cout << "session " << seq << std::endl; // a session's id is the seq that started it
    } else if (what == "end" && parsed.words.size() == 1) {
        run_one(connection_from(global), "the session end", [](client& c) { return c.end_session(); });
    } else {
        throw usage_error("usage: maptable session start TITLE... | session end");
    }
}

void state_at_command(const settings& global, const arguments& args)
{
    std::uint64_t seq = 0;
    std::int64_t time_ms = 0;
    po::options_description options;
    options.add_options()("seq", po::value(&seq))("time", po::value(&time_ms))("geojson", "");
    const auto parsed = parse_command(args, options);
    expect_no_words("state-at", parsed);
    if ((parsed.options.count("seq") > 0) == (parsed.options.count("time") > 0))
        throw usage_error("state-at needs --seq N or --time UNIX_MS (one of them)");
    auto c = joined_client(connection_from(global));
    const auto replay =
        await(parsed.options.count("seq") ? c->state_at_seq(seq) : c->state_at_time(time_ms), "the replay");
    if (!replay.ok)
        throw refused(replay.error.code, replay.error.message);
    if (parsed.options.count("geojson")) {
        std::cout << model::to_geojson(replay.state) << std::endl;
        return;
    }
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    print.add_whitespace = true;
    std::string text;
    const auto status = google::protobuf::util::MessageToJsonString(replay.state.to_proto(), &text, print);
    if (!status.ok())
        throw refused(pb::ERROR_CODE_UNSPECIFIED, "cannot print the state as JSON: " + std::string(status.message()));
    std::cout << text << std::flush;
}

} // namespace maptable::cli
