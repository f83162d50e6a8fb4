// Layer: net (handlers). The browser app (web/, built into web/dist) served
// at "/": its files with their content types, cache headers (hashed assets
// immutable, everything else revalidated) and a Content-Security-Policy that
// lets the page load only its own scripts, talk only to this server
// (https/wss), and show map tiles only from the configured tile host; text
// files precompressed (brotli, gzip) as the browser accepts; plus
// GET /config.json, which tells the page the server's tile settings: the
// default tiles and the further base maps (--tile-source) a facilitator may
// choose for a room, each of whose hosts the policy lets images come from.
//
// The web app's settings are process-wide: set once at start-up, before the
// listener accepts, and only read after that.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace maptable::net {

struct web_app_config {
    std::string root;             // the built app (index.html, assets/); empty or missing: the app is not served
    std::string tile_url;         // Leaflet URL template ({s} {z} {x} {y}); empty: no tiles, a plain background
    std::string tile_attribution; // HTML shown in the map's corner (the tile source's licence)
    std::vector<std::string> tile_sources; // further base maps, each "id|label|URL template|attribution HTML"
    std::string geocoder_url;              // a place search with {query} the page may ask (app/config.hpp); empty: none
};

// One base map a room may show, parsed from --tile-source.
struct tile_source_entry {
    std::string id;          // 1-32 of [a-z0-9_-]: what RoomInfo.base_map names
    std::string label;       // what the facilitator picks it by
    std::string url;         // a Leaflet URL template, as --tile-url
    std::string attribution; // HTML from the server's operator (may be empty)
};

// The id /config.json gives the server's own --tile-url.
inline constexpr std::string_view default_tile_source_id = "default";

// "id|label|URL template|attribution HTML" -> its parts (the attribution is
// the rest of the text and may itself hold '|'). Throws std::invalid_argument
// with a message that names the source and says what to write when the id is
// not 1-32 of [a-z0-9_-], the label is empty, or the template is not one
// --tile-url would take.
tile_source_entry parse_tile_source(std::string_view spec);

// Every --tile-source parses, and no two (nor one and the default, "default")
// share an id; else std::invalid_argument naming the first bad one. For the
// start-up check, so that a typo stops the server with a clear message.
void check_tile_sources(const std::vector<std::string>& specs);

// Sets the settings every later request is answered with (call before
// serving). A tile source that does not parse, or repeats an id, is logged
// (when first needed, so in the server's own log) and left out: a bad base
// map costs that base map, never the server.
void configure_web_app(web_app_config config);
const web_app_config& web_app();

// The tile sources /config.json lists: the default (--tile-url, id
// "default") first, then each valid --tile-source in the order given.
const std::vector<tile_source_entry>& web_app_tile_sources();

// The Content-Security-Policy for a page served to a request for `host` (the
// Host header; ws:// and wss:// to it are allowed) with tiles from tile_url,
// and from each of extra_tile_urls (the further base maps); fetches may go
// to geocoder_url's origin when it is set.
std::string content_security_policy(std::string_view host, std::string_view tile_url,
                                    const std::vector<std::string>& extra_tile_urls = {},
                                    std::string_view geocoder_url = {});

// "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png" -> "https://*.tile.openstreetmap.org";
// "" for an empty or relative template (served by 'self').
std::string tile_source(std::string_view tile_url);

// Answers a request outside the server's APIs: the app's files for GET and
// HEAD, /config.json, 404 for anything else that is not there, 400 for paths
// that try to leave the web root ("..", escapes, backslashes), 405 for other methods.
// A text file is sent as its precompressed NAME.br or NAME.gz (made by the
// app's build) when the request's Accept-Encoding takes that coding, with
// Content-Encoding set and, for every text file, Vary: Accept-Encoding.
boost::beast::http::response<boost::beast::http::string_body>
serve_web_app(const boost::beast::http::request<boost::beast::http::string_body>& req);

} // namespace maptable::net
