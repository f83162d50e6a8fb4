// Layer: client (command-line tool). The map and chat commands of
// `maptable` (say, mark, features, chat, export-geojson) and what every
// command shares: joining, waiting for answers, reading a token's room. See
// commands.hpp for what each promises and command_table.hpp for the table
// that runs them; `join` is in join_room.cpp, the text for people in
// describe.cpp.
#include "command_table.hpp"

#include "model/geojson.hpp"
#include "model/limits.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

namespace maptable::cli {

namespace {

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
            break; // padding: not used by JWTs, tolerated
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

} // namespace

client_options options_for(const connection& where)
{
    client_options options;
    options.url = where.url;
    options.room_id = where.room;
    options.token = where.token;
    return options;
}

void join_or_throw(client& c)
{
    check(await(c.connect(), "the join"));
}

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

// ---------------------------------------------------------------- commands

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
        std::uint64_t before_seq = 0; // 0: from the newest
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

// ---------------------------------------------------------------- the commands as the table runs them

void say_command(const settings& global, const arguments& args)
{
    const auto parsed = parse_command(args, {});
    if (parsed.words.empty())
        throw usage_error("say needs the text to send");
    say(connection_from(global), joined(parsed.words));
}

void mark_command(const settings& global, const arguments& args)
{
    mark_options marker;
    po::options_description options;
    options.add_options()("category", po::value(&marker.category))("colour", po::value(&marker.colour))(
        "description", po::value(&marker.description));
    const auto parsed = parse_command(args, options);
    if (parsed.words.size() < 3)
        throw usage_error("mark needs LON LAT TITLE...");
    marker.lon = degrees(parsed.words[0], "longitude");
    marker.lat = degrees(parsed.words[1], "latitude");
    marker.title = joined(parsed.words, 2);
    mark(connection_from(global), marker);
}

void features_command(const settings& global, const arguments& args)
{
    expect_no_words("features", parse_command(args, {}));
    features(connection_from(global));
}

void chat_command(const settings& global, const arguments& args)
{
    std::uint32_t limit = 20;
    po::options_description options;
    options.add_options()("limit", po::value(&limit));
    expect_no_words("chat", parse_command(args, options));
    if (limit == 0)
        throw usage_error("--limit must be at least 1");
    chat(connection_from(global), limit);
}

void export_geojson_command(const settings& global, const arguments& args)
{
    expect_no_words("export-geojson", parse_command(args, {}));
    export_geojson(connection_from(global));
}

} // namespace maptable::cli
