// Layer: client (command-line tool). `maptable`: argument parsing and
// dispatch; the commands themselves are in commands.cpp.
#include "commands.hpp"

#include <boost/program_options.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
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
  export-geojson          Print the map as a GeoJSON FeatureCollection (RFC 7946).
  help                    Print this help.

Global options (they go before the command):
  --url URL               The server's WebSocket URL. Default: $MAPTABLE_URL, else
                          ws://127.0.0.1:8080/v1/ws
  --token TOKEN           The join token (from your host app, or `maptable-server token`).
                          Default: $MAPTABLE_TOKEN
  --room ROOM             The room id. Default: $MAPTABLE_ROOM, else the room the
                          token was issued for.
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
)";

// Global options: no guessing of abbreviations, so that the split below and
// the parser agree on which words are options.
constexpr int global_style = po::command_line_style::unix_style ^ po::command_line_style::allow_guessing;

// A command's arguments: long options only, so that "-33.9249" is a word
// (a negative latitude), not an option.
constexpr int command_style = po::command_line_style::unix_style ^ po::command_line_style::allow_short ^
                              po::command_line_style::allow_sticky ^ po::command_line_style::allow_guessing;

po::options_description global_options()
{
    po::options_description global;
    global.add_options()
        ("url", po::value<std::string>())
        ("token", po::value<std::string>())
        ("room", po::value<std::string>())
        ("help,h", "");
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
                ++i;  // its value is the next argument
            continue;
        }
        if (arg.size() > 1 && arg[0] == '-')
            continue;  // -h
        return i;
    }
    return args.size();
}

std::string from_environment(const char* name)
{
    const char* value = std::getenv(name);
    return value ? value : "";
}

// Option first, then the environment; the room last of all from the token.
cli::connection connection_from(const po::variables_map& global)
{
    auto pick = [&](const char* option, const char* variable) {
        return global.count(option) ? global[option].as<std::string>() : from_environment(variable);
    };
    cli::connection where;
    where.url = pick("url", "MAPTABLE_URL");
    if (where.url.empty())
        where.url = cli::default_url;
    where.token = pick("token", "MAPTABLE_TOKEN");
    if (where.token.empty())
        throw cli::usage_error("no join token: pass --token or set MAPTABLE_TOKEN");
    where.room = pick("room", "MAPTABLE_ROOM");
    if (where.room.empty())
        where.room = cli::room_of_token(where.token).value_or("");
    if (where.room.empty())
        throw cli::usage_error("no room: the token names none; pass --room or set MAPTABLE_ROOM");
    return where;
}

// One command's arguments: its options, and its other words in order.
struct command_line {
    po::variables_map options;
    std::vector<std::string> words;
    bool help = false;
};

command_line parse_command(const std::vector<std::string>& args, po::options_description options)
{
    options.add_options()
        ("help", "")
        ("words", po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("words", -1);
    command_line parsed;
    po::store(po::command_line_parser(args).options(options).positional(positional).style(command_style).run(),
              parsed.options);
    po::notify(parsed.options);
    if (parsed.options.count("words"))
        parsed.words = parsed.options["words"].as<std::vector<std::string>>();
    parsed.help = parsed.options.count("help") > 0;
    return parsed;
}

void expect_no_words(const std::string& command, const command_line& parsed)
{
    if (!parsed.words.empty())
        throw cli::usage_error(command + " takes no arguments, got '" + parsed.words.front() + "'");
}

std::string joined(std::vector<std::string>::const_iterator from, std::vector<std::string>::const_iterator to)
{
    std::string text;
    for (auto it = from; it != to; ++it)
        text += (text.empty() ? "" : " ") + *it;
    return text;
}

double degrees(const std::string& text, const char* what)
{
    if (const auto value = cli::parse_degrees(text))
        return *value;
    throw cli::usage_error(std::string(what) + " '" + text + "' is not a number of degrees");
}

int run(int argc, char** argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    const auto global_spec = global_options();
    const auto at = command_position(args, global_spec);

    po::variables_map global;
    po::store(po::command_line_parser(std::vector<std::string>(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(at)))
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

    const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(at) + 1, args.end());
    po::options_description options;
    std::string category, colour, description;
    std::uint32_t limit = 20;
    if (command == "mark")
        options.add_options()
            ("category", po::value(&category))
            ("colour", po::value(&colour))
            ("description", po::value(&description));
    else if (command == "chat")
        options.add_options()("limit", po::value(&limit));
    const auto parsed = parse_command(rest, options);
    if (parsed.help) {
        std::cout << help_text;
        return cli::exit_ok;
    }

    if (command == "join") {
        expect_no_words(command, parsed);
        cli::join(connection_from(global));
    } else if (command == "say") {
        if (parsed.words.empty())
            throw cli::usage_error("say needs the text to send");
        cli::say(connection_from(global), joined(parsed.words.begin(), parsed.words.end()));
    } else if (command == "mark") {
        if (parsed.words.size() < 3)
            throw cli::usage_error("mark needs LON LAT TITLE...");
        cli::mark_options marker;
        marker.lon = degrees(parsed.words[0], "longitude");
        marker.lat = degrees(parsed.words[1], "latitude");
        marker.title = joined(parsed.words.begin() + 2, parsed.words.end());
        marker.category = category;
        marker.colour = colour;
        marker.description = description;
        cli::mark(connection_from(global), marker);
    } else if (command == "features") {
        expect_no_words(command, parsed);
        cli::features(connection_from(global));
    } else if (command == "chat") {
        expect_no_words(command, parsed);
        if (limit == 0)
            throw cli::usage_error("--limit must be at least 1");
        cli::chat(connection_from(global), limit);
    } else if (command == "export-geojson") {
        expect_no_words(command, parsed);
        cli::export_geojson(connection_from(global));
    } else {
        throw cli::usage_error("unknown command '" + command + "'");
    }
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
