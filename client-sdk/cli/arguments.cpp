// Layer: client (command-line tool). See arguments.hpp.
#include "arguments.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace maptable::cli {

namespace {

// A command's arguments: long options only, so that "-33.9249" is a word
// (a negative latitude), not an option.
constexpr int command_style = po::command_line_style::unix_style ^ po::command_line_style::allow_short ^
    po::command_line_style::allow_sticky ^ po::command_line_style::allow_guessing;

} // namespace

connection connection_from(const settings& global)
{
    connection where;
    where.url = global.url;
    where.token = global.token;
    if (where.token.empty())
        throw usage_error("no join token: pass --token or set MAPTABLE_TOKEN");
    where.room = room_from(global);
    return where;
}

std::string room_from(const settings& global)
{
    std::string room = global.room;
    if (room.empty())
        room = room_of_token(global.token).value_or("");
    if (room.empty())
        throw usage_error(global.token.empty() ? "no room: pass --room or set MAPTABLE_ROOM"
                                               : "no room: the token names none; pass --room or set MAPTABLE_ROOM");
    return room;
}

std::string http_base(const settings& global)
{
    auto parsed = boost::urls::parse_uri(global.url);
    if (!parsed || (parsed->scheme() != "ws" && parsed->scheme() != "wss") || parsed->host().empty())
        throw usage_error("--url '" + global.url + "' is not a server URL like ws://host:port/v1/ws or wss://...");
    std::string base = parsed->scheme() == "wss" ? "https://" : "http://";
    base += std::string(parsed->encoded_host());
    if (parsed->has_port())
        base += ":" + std::string(parsed->port());
    return base;
}

command_line parse_command(const std::vector<std::string>& args, po::options_description options)
{
    options.add_options()("words", po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("words", -1);
    command_line parsed;
    po::store(po::command_line_parser(args).options(options).positional(positional).style(command_style).run(),
              parsed.options);
    po::notify(parsed.options);
    if (parsed.options.count("words"))
        parsed.words = parsed.options["words"].as<std::vector<std::string>>();
    return parsed;
}

void expect_no_words(const std::string& command, const command_line& parsed)
{
    if (!parsed.words.empty())
        throw usage_error(command + " takes no arguments, got '" + parsed.words.front() + "'");
}

void expect_words(const command_line& parsed, std::size_t count, const std::string& usage)
{
    if (parsed.words.size() != count)
        throw usage_error("usage: maptable " + usage);
}

std::string joined(const std::vector<std::string>& words, std::size_t from)
{
    std::string text;
    for (auto i = from; i < words.size(); ++i)
        text += (text.empty() ? "" : " ") + words[i];
    return text;
}

double degrees(const std::string& text, const char* what)
{
    if (const auto value = parse_degrees(text))
        return *value;
    throw usage_error(std::string(what) + " '" + text + "' is not a number of degrees");
}

pb::LonLat lon_lat(const std::string& text, const char* what)
{
    const auto comma = text.find(',');
    const auto lon = comma == std::string::npos ? std::nullopt : parse_degrees(std::string_view(text).substr(0, comma));
    const auto lat =
        comma == std::string::npos ? std::nullopt : parse_degrees(std::string_view(text).substr(comma + 1));
    if (!lon || !lat)
        throw usage_error(std::string(what) + " '" + text + "' is not a position: give LON,LAT in decimal degrees");
    pb::LonLat p;
    p.set_lon(*lon);
    p.set_lat(*lat);
    return p;
}

std::uint64_t whole_number(const std::string& text, const char* what)
{
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        throw usage_error(std::string(what) + " '" + text + "' is not a whole number");
    return value;
}

} // namespace maptable::cli
