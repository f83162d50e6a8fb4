// Layer: client (command-line tool). `maptable`: argument parsing and
// dispatch; the commands themselves are in commands.cpp (map and chat) and
// the files named in facilitation.hpp (workshop, moderation, admin).
#include "arguments.hpp"
#include "command_table.hpp"
#include "commands.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace po = boost::program_options;
namespace cli = maptable::cli;

namespace {

constexpr const char* help_text = R"(Usage: maptable [--url URL] [--token TOKEN] [--room ROOM] COMMAND [ARGS]

Work in a maptable room from the command line: a shared city map with chat.

Commands:
  join                    Join interactively. Shows the room (title, seq, number of
                          features, who is online, recent chat), then every change,
                          chat message, join and leave as it happens. A typed line
                          is sent to the chat; /help lists the slash commands:
                          /mark LON LAT TITLE..., /note LON LAT TEXT..., /features,
                          /move ID LON LAT, /delete ID, /quit (end of input also quits).
  say TEXT...             Send one chat message.
  mark LON LAT TITLE...   Add a point marker; prints its id and the event's seq.
      --category C          its category
      --colour #rrggbb      its colour
      --description D       a longer text
  features                List the features, one a line: id, kind, title, position
                          (the first one, for lines and areas), author.
  chat [--limit N]        Print the newest N chat messages, oldest first (default 20).
  export-geojson          Print the map as a GeoJSON FeatureCollection (RFC 7946),
                          from the room as this client sees it.
  help                    Print this help.

Discussion:
  comment on FEATURE_ID TEXT...    Start a thread on a feature; prints its id and seq.
  comment at LON LAT TEXT...       Start a thread at a place.
  comment reply THREAD_ID TEXT...  Add a comment to a thread.
      --thread ID                    the new thread's id (default: a random t-...)
  react MESSAGE_SEQ EMOJI [--remove]   React to a chat message (or take it back).
  hand raise|lower        Raise or lower your hand.

Facilitation (facilitator):
  lock [--map locked|open] [--annotate WHO] [--chat WHO] [--comment WHO]
       [--cursors hidden|shown]      Change the room's settings; WHO is
                          facilitators, participants, everyone or default.
  who                     List who is online: participant id, name, role.
  mute WHO [--reason R] [--undo]   Mute (or unmute) someone's chat and comments; WHO is
                          a participant id or the name of someone online.
  remove WHO [--reason R] Remove someone: their connections close.
  hand next|clear         Give the floor to the first raised hand, or clear the queue.
  agenda set FILE.json    Replace the agenda ("-" reads stdin). The file:
                          {"steps": [{"id": "intro", "title": "Welcome",
                            "view": {"center": {"lon": 13.4, "lat": 52.5}, "zoom": 14},
                            "timer_seconds": 300, "prompt": "What is missing?"}]}
  agenda open STEP_ID     Open a step: everyone's map moves to its view.
  agenda close            Close the open step.
  timer start DURATION    Start the shared timer: 300 (seconds), 90s, 5m, 1h.
  timer pause|resume|reset
  session start TITLE...  Start a dated session (a meeting); prints "session ID".
  session end
  vote open VOTE_ID TITLE... [--dots N (3)] [--category C] [--anonymous]
       [--hide-results] [--max-per-feature N] [--ends-in SECONDS]
  vote close VOTE_ID      Close a round; prints its results.
  vote dot|undot VOTE_ID FEATURE_ID   Place or take back one of your dots.
  vote results [VOTE_ID]  Print the tally of one round or of all.
  state-at --seq N | --time UNIX_MS [--geojson]
                          Print the room as it was then (JSON of RoomState, or GeoJSON).

HTTP API (the server's admin key, or a facilitator's token for exports):
  admin create-room [ID] --title T --center LON,LAT --zoom Z [--description D]
       [--city C] [--bounds WEST,SOUTH,EAST,NORTH] [--time-zone ZONE]
                          Create a room; prints its id.
  admin room-info [--title T] [--description D] [--city C] [--center LON,LAT]
       [--zoom Z] [--bounds WEST,SOUTH,EAST,NORTH | --clear-bounds] [--time-zone ZONE]
       [--network ID] [--kind KIND] [--city-id ID]
                          Print --room as the admin API has it (one line of JSON),
                          after changing the fields given ("" unsets one).
  admin invite --role facilitator|participant|observer --name NAME [--subject ID]
       [--expires-in SECONDS] [--token-only]
                          Mint a join token for --room; prints the invite link
                          (or only the token).
  export geojson|report|chat-csv|chat-json|comments-csv|comments-json
       [--seq N | --time UNIX_MS] [--session ID] [--include-deleted] [--output FILE]
                          Fetch an export of --room from the server (stdout or FILE).
  network create ID --title T [--theme T] [--languages en,de] [--starts-on DATE]
       [--ends-on DATE] [--members-elsewhere observer|participant]
  network update ID [--title T] [--theme T] [--languages en,de] [--starts-on DATE]
       [--ends-on DATE] [--members-elsewhere observer|participant]
                          Changes only the fields given.
  network show ID         The network, its cities, rooms and planned sessions.
  network add-city ID CITY --name N --country CC --position LON,LAT [--living-lab T]
  network add-room ID ROOM --title T --kind living_lab|consultation|workshop|
       study_trip|plenary [--city CITY] [--center LON,LAT] [--zoom Z]
  network plan-session ID --room ROOM --title T --starts UNIX_MS --ends UNIX_MS
       --time-zone TZ [--agenda POINT]... [--session-id S]
  network invite ID --role R --name NAME [--city CITY] [--subject S] [--ttl SECONDS]
       [--token-only]     A network invitation: every room of the network, each
                          in the role the network gives (docs/NETWORKS.md).
  network harvest ID [--from DATE] [--to DATE] [--format html|md|geojson]
       [--per-person] [--out FILE]
                          The network's harvest (docs/HARVEST.md), with --admin-key
                          or a network facilitator's --token; stdout without --out.

Global options (they go before the command):
  --url URL               The server's WebSocket URL. Default: $MAPTABLE_URL, else
                          ws://127.0.0.1:8080/v1/ws
  --token TOKEN           The join token (from your host app, or `maptable-server token`).
                          Default: $MAPTABLE_TOKEN
  --room ROOM             The room id. Default: $MAPTABLE_ROOM, else the room the
                          token was issued for.
  --admin-key KEY         The server's admin key, for admin and export.
                          Default: $MAPTABLE_ADMIN_KEY (a flag shows in `ps`).
  -h, --help              Print this help.

Positions are decimal degrees, longitude first (as in GeoJSON). A negative
value needs no quoting:  maptable mark 18.4231 -33.9249 Unsafe corner

Exit status: 0 done; 1 the server refused (the reason is printed as
"maptable: ERROR_CODE_...: message" on stderr) or could not be reached;
2 the command line was wrong.

Examples:
  export MAPTABLE_URL=ws://maps.example.org/v1/ws MAPTABLE_TOKEN=eyJ...
  maptable join
  maptable mark 18.4231 -33.9249 Unsafe corner --category safety --colour '#d7191c'
  maptable say "The corner by the station is dark after 7 pm"
  maptable export-geojson > harbour.geojson
  maptable comment at 18.4231 -33.9249 "Needs a crossing"
  maptable vote open priorities "What matters most?" --dots 3
  MAPTABLE_ADMIN_KEY=... maptable --room harbour admin invite --role participant --name Ben
)";

// Global options: no guessing of abbreviations, so that the split below and
// the parser agree on which words are options.
constexpr int global_style = po::command_line_style::unix_style ^ po::command_line_style::allow_guessing;

po::options_description global_options()
{
    po::options_description global;
    global.add_options()("url", po::value<std::string>())("token", po::value<std::string>())(
        "room", po::value<std::string>())("admin-key", po::value<std::string>())("help,h", "");
    return global;
}

// Where the command starts: global options come before it, as with git, and
// every argument from the command on belongs to the command.
std::size_t command_position(const std::vector<std::string>& args, const po::options_description& global)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--")
            return i + 1;
        if (arg.rfind("--", 0) == 0) {
            const auto* option = global.find_nothrow(arg.substr(2), false);
            if (arg.find('=') == std::string::npos && option && option->semantic()->max_tokens() > 0)
                ++i; // its value is the next argument
            continue;
        }
        if (arg.size() > 1 && arg[0] == '-')
            continue; // -h
        return i;
    }
    return args.size();
}

std::string from_environment(const char* name)
{
    const char* value = std::getenv(name);
    return value ? value : "";
}

// Option first, then the environment.
cli::settings settings_from(const po::variables_map& global)
{
    auto pick = [&](const char* option, const char* variable) {
        return global.count(option) ? global[option].as<std::string>() : from_environment(variable);
    };
    cli::settings settings;
    settings.url = pick("url", "MAPTABLE_URL");
    if (settings.url.empty())
        settings.url = cli::default_url;
    settings.token = pick("token", "MAPTABLE_TOKEN");
    settings.room = pick("room", "MAPTABLE_ROOM");
    settings.admin_key = pick("admin-key", "MAPTABLE_ADMIN_KEY");
    return settings;
}

int run(int argc, char** argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    const auto global_spec = global_options();
    const auto at = command_position(args, global_spec);

    po::variables_map global;
    po::store(
        po::command_line_parser(std::vector<std::string>(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(at)))
            .options(global_spec)
            .style(global_style)
            .run(),
        global);
    po::notify(global);

    const std::string command = at < args.size() ? args[at] : "";
    if (global.count("help") || command == "help") {
        std::cout << help_text;
        return cli::exit_ok;
    }
    if (command.empty())
        throw cli::usage_error("no command given");

    const cli::arguments rest(args.begin() + static_cast<std::ptrdiff_t>(at) + 1, args.end());
    // `maptable COMMAND ... --help` prints the one help, which has every
    // command's usage, whatever else the line holds.
    if (std::find(rest.begin(), rest.end(), "--help") != rest.end()) {
        std::cout << help_text;
        return cli::exit_ok;
    }
    const auto* found = cli::find_command(command);
    if (!found)
        throw cli::usage_error("unknown command '" + command + "'");
    found->run(settings_from(global), rest);
    return cli::exit_ok;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const cli::usage_error& e) {
        std::cerr << "maptable: " << e.what() << "\nRun 'maptable --help' for usage.\n";
        return cli::exit_usage;
    } catch (const po::error& e) {
        std::cerr << "maptable: " << e.what() << "\nRun 'maptable --help' for usage.\n";
        return cli::exit_usage;
    } catch (const cli::refused& e) {
        std::cerr << "maptable: " << cli::describe_failure(e.code, e.what()) << "\n";
        return cli::exit_refused;
    } catch (const std::exception& e) {
        std::cerr << "maptable: " << e.what() << "\n";
        return cli::exit_refused;
    }
}
