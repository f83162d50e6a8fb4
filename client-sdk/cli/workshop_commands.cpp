// Layer: client (command-line tool). The workshop tools: raised hands, the
// agenda, the shared timer and dot voting; one small function per command.
#include "command_table.hpp"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace maptable::cli {

namespace {

constexpr const char* vote_usage =
    "vote open VOTE_ID TITLE... [--dots N] [--category C] [--anonymous] [--hide-results] [--max-per-feature N] "
    "[--ends-in SECONDS] | vote dot VOTE_ID FEATURE_ID | vote undot VOTE_ID FEATURE_ID | vote close VOTE_ID | "
    "vote results [VOTE_ID]";

// The words after the sub-command (e.g. after "open" in "agenda open X").
arguments after_first(const arguments& args)
{
    return arguments(args.begin() + (args.empty() ? 0 : 1), args.end());
}

// "300" (seconds), "90s", "5m", "1h".
std::chrono::milliseconds duration(const std::string& text)
{
    const char unit = text.empty() ? 0 : text.back();
    const bool has_unit = unit == 's' || unit == 'm' || unit == 'h';
    const auto number = has_unit ? text.substr(0, text.size() - 1) : text;
    std::uint64_t count = 0;
    try {
        count = whole_number(number, "duration");
    } catch (const usage_error&) {
        throw usage_error("duration '" + text + "' is not one: give seconds (300) or 90s, 5m, 1h");
    }
    const std::uint64_t seconds = unit == 'h' ? count * 3600 : unit == 'm' ? count * 60 : count;
    return std::chrono::seconds(seconds);
}

// The agenda file: the JSON form of SetAgenda ({"steps": [...]}) or just the
// array of steps; field names as in workshop.proto (timer_seconds) or in
// lowerCamelCase (timerSeconds).
std::vector<pb::AgendaStep> read_agenda(const std::string& path)
{
    std::stringstream text;
    if (path == "-") {
        text << std::cin.rdbuf();
    } else {
        std::ifstream file(path, std::ios::binary);
        if (!file)
            throw usage_error("cannot read the agenda file '" + path + "'");
        text << file.rdbuf();
    }
    std::string json = text.str();
    if (const auto first = json.find_first_not_of(" \t\r\n"); first != std::string::npos && json[first] == '[')
        json = "{\"steps\": " + json + "}";
    pb::SetAgenda agenda;
    const auto status = google::protobuf::util::JsonStringToMessage(json, &agenda);
    if (!status.ok())
        throw usage_error(
            "the agenda file '" + path + "' is not an agenda (" + std::string(status.message()) +
            "); give {\"steps\": [{\"id\": \"intro\", \"title\": \"...\", \"view\": {\"center\": "
            "{\"lon\": 13.4, \"lat\": 52.5}, \"zoom\": 14}, \"timer_seconds\": 300, \"prompt\": \"...\"}]}");
    return {agenda.steps().begin(), agenda.steps().end()};
}

std::string feature_title(const model::room_state& state, const std::string& id)
{
    const auto* f = state.find_feature(id);
    return f ? " '" + printable(f->title()) + "'" : "";
}

void print_results(const model::room_state& state, const pb::VoteRound& round)
{
    std::cout << round.id() << " '" << printable(round.title()) << "': " << (round.closed() ? "closed" : "open") << ", "
              << round.dots_per_person() << (round.dots_per_person() == 1 ? " dot" : " dots") << " each";
    if (!round.category().empty())
        std::cout << ", features of category '" << printable(round.category()) << "'";
    std::cout << "\n";
    if (round.closed()) {
        for (const auto& tally : round.results())
            std::cout << "  " << tally.dots() << " " << tally.feature_id() << " '" << printable(tally.title()) << "'\n";
        if (round.results().empty())
            std::cout << "  (no dots)\n";
        return;
    }
    if (round.results_hidden()) {
        std::cout << "  (results hidden until the round closes)\n";
        return;
    }
    std::map<std::string, std::uint32_t> dots;
    for (const auto& ballot : round.ballots())
        dots[ballot.feature_id()] += ballot.dots();
    std::vector<std::pair<std::string, std::uint32_t>> tally(dots.begin(), dots.end());
    std::stable_sort(tally.begin(), tally.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [id, count] : tally)
        std::cout << "  " << count << " " << id << feature_title(state, id) << "\n";
    if (tally.empty())
        std::cout << "  (no dots yet)\n";
}

void vote_open(const settings& global, const arguments& args)
{
    pb::VoteRound round;
    std::uint32_t dots = 3, max_per_feature = 0;
    std::uint64_t ends_in = 0;
    std::string category;
    po::options_description options;
    options.add_options()("dots", po::value(&dots))("category", po::value(&category))("anonymous", "")(
        "hide-results", "")("max-per-feature", po::value(&max_per_feature))("ends-in", po::value(&ends_in));
    const auto parsed = parse_command(args, options);
    if (parsed.words.size() < 2)
        throw usage_error(std::string("usage: maptable ") + vote_usage);
    round.set_id(parsed.words[0]);
    round.set_title(joined(parsed.words, 1));
    round.set_dots_per_person(dots);
    round.set_category(category);
    round.set_anonymous(parsed.options.count("anonymous") > 0);
    round.set_results_hidden(parsed.options.count("hide-results") > 0);
    round.set_max_dots_per_feature(max_per_feature);
    auto c = joined_client(connection_from(global));
    if (ends_in != 0) {
        // The end is a server time: this machine's clock corrected by the Welcome's.
        const auto now = std::chrono::system_clock::now().time_since_epoch() + c->server_clock_offset();
        round.set_end_time_ms(std::chrono::duration_cast<std::chrono::milliseconds>(now).count() +
                              static_cast<std::int64_t>(ends_in) * 1000);
    }
    check(await(c->open_vote(round), "the new vote"));
}

void vote_results(const settings& global, const arguments& words)
{
    if (words.size() > 1)
        throw usage_error(std::string("usage: maptable ") + vote_usage);
    const auto state = joined_client(connection_from(global))->replica();
    if (words.size() == 1) {
        const auto* round = state.find_vote(words[0]);
        if (!round)
            throw refused(pb::ERROR_CODE_VOTE_NOT_FOUND, "there is no vote '" + printable(words[0]) + "' in this room");
        print_results(state, *round);
    } else {
        for (const auto& [id, round] : state.data().votes)
            print_results(state, round);
        if (state.data().votes.empty())
            std::cout << "(no votes yet)\n";
    }
    std::cout << std::flush;
}

} // namespace

void hand_command(const settings& global, const arguments& args)
{
    const auto parsed = parse_command(args, {});
    const std::string what = parsed.words.size() == 1 ? parsed.words[0] : "";
    std::function<std::future<command_result>(client&)> command;
    if (what == "raise" || what == "lower")
        command = [raised = what == "raise"](client& c) { return c.raise_hand(raised); };
    else if (what == "next")
        command = [](client& c) { return c.call_next_hand(); };
    else if (what == "clear")
        command = [](client& c) { return c.clear_hands(); };
    else
        throw usage_error("usage: maptable hand raise|lower (your own hand) | hand next|clear (facilitator)");
    run_one(connection_from(global), "the hand", command);
}

void agenda_command(const settings& global, const arguments& args)
{
    const auto parsed = parse_command(args, {});
    const auto& w = parsed.words;
    const std::string what = w.empty() ? "" : w[0];
    if (what == "set" && w.size() == 2) {
        auto steps = read_agenda(w[1]);
        run_one(connection_from(global), "the agenda", [&](client& c) { return c.set_agenda(std::move(steps)); });
    } else if (what == "open" && w.size() == 2) {
        run_one(connection_from(global), "the step", [&](client& c) { return c.open_agenda_step(w[1]); });
    } else if (what == "close" && w.size() == 1) {
        run_one(connection_from(global), "the step", [](client& c) { return c.open_agenda_step(""); });
    } else {
        throw usage_error("usage: maptable agenda set FILE.json (- for stdin) | agenda open STEP_ID | agenda close");
    }
}

void timer_command(const settings& global, const arguments& args)
{
    const auto parsed = parse_command(args, {});
    const auto& w = parsed.words;
    const std::string what = w.empty() ? "" : w[0];
    pb::ControlTimer::Action action = pb::ControlTimer::ACTION_UNSPECIFIED;
    std::chrono::milliseconds length{0};
    if (what == "start" && w.size() == 2) {
        action = pb::ControlTimer::ACTION_START;
        length = duration(w[1]);
    } else if (w.size() == 1 && what == "pause") {
        action = pb::ControlTimer::ACTION_PAUSE;
    } else if (w.size() == 1 && what == "resume") {
        action = pb::ControlTimer::ACTION_RESUME;
    } else if (w.size() == 1 && what == "reset") {
        action = pb::ControlTimer::ACTION_RESET;
    } else {
        throw usage_error(
            "usage: maptable timer start DURATION (300, 90s, 5m, 1h) | timer pause | timer resume | timer reset");
    }
    run_one(connection_from(global), "the timer", [&](client& c) { return c.control_timer(action, length); });
}

void vote_command(const settings& global, const arguments& args)
{
    const std::string what = args.empty() ? "" : args[0];
    if (what == "open")
        return vote_open(global, after_first(args));
    const auto parsed = parse_command(after_first(args), {});
    const auto& w = parsed.words;
    if (what == "results")
        return vote_results(global, w);
    if ((what == "dot" || what == "undot") && w.size() == 2) {
        run_one(connection_from(global), "the dot",
                [&](client& c) { return what == "dot" ? c.place_dot(w[0], w[1]) : c.remove_dot(w[0], w[1]); });
        return;
    }
    if (what == "close" && w.size() == 1) {
        auto c = joined_client(connection_from(global));
        check(await(c->close_vote(w[0]), "the vote's close"));
        // The ack comes after the event is in the replica: the results are there.
        const auto state = c->replica();
        if (const auto* round = state.find_vote(w[0]))
            print_results(state, *round);
        std::cout << std::flush;
        return;
    }
    throw usage_error(std::string("usage: maptable ") + vote_usage);
}

} // namespace maptable::cli
