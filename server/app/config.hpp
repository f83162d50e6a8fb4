// Layer: app. The server's configuration: command-line flags, each also
// settable as an environment variable MAPTABLE_<FLAG> (upper case, '-' as '_'),
// except --init. Flags win over the environment; the environment wins over a
// config file (--config, MAPTABLE_CONFIG; app/config_file.hpp), which wins
// over defaults.
#pragma once

#include "limits.hpp"
#include "store/sqlite_event_log.hpp"

#include <optional>
#include <string>
#include <vector>

namespace maptable::app {

// How the I/O threads share the work (app/io_pool.hpp says what each means;
// docs/PERFORMANCE.md, which was measured faster).
enum class thread_model { per_core, shared };

struct server_config {
    std::string listen_address = "127.0.0.1";
    unsigned short port = 8080; // 0 = any free port (printed at start-up)
    std::string data_dir = "./data";
    // Where the event log lives: empty = the SQLite file <data_dir>/maptable.db
    // (the embedded default); a postgresql:// or postgres:// URL = that
    // PostgreSQL database (the data dir then holds only the secret). A secret
    // inside the URL: never log this value, log describe_postgres_url's.
    std::string store;
    std::string secret; // token secret; empty = read or create <data_dir>/secret
    std::string issuer;
    std::string audience;
    unsigned threads = 0; // 0 = one per core
    thread_model threading = thread_model::per_core;
    store::durability durability = store::durability::full;
    bool init = false; // start on a new (or another) database although the marker names one
    std::string log_level = "info";
    std::string tls_cert;                     // PEM certificate chain; with tls_key: https:// and wss:// only
    std::string tls_key;                      // PEM private key
    std::vector<std::string> allowed_origins; // browser origins that may connect; empty = same origin only
    std::string admin_key;                    // bearer key of the admin HTTP API; empty = API disabled (404)
    std::string public_url;                   // base of invitation links; empty = http(s)://<listen address>:<port>
    std::string web_root;                     // the built browser app (web/dist) served at /; see default_web_root()
    std::string tile_url = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"; // the app's map tiles; empty = none
    std::string tile_attribution =
        "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";
    // Further base maps a facilitator may choose for a room, each
    // "id|label|URL template|attribution HTML" (net/static_files parses them).
    std::vector<std::string> tile_sources;
    // A place search the app's search box also asks (fetched by the browser,
    // never by the server): an http(s) URL with {query} where the search
    // words go, e.g. a Nominatim-compatible
    // "https://nominatim.example.org/search?format=jsonv2&q={query}". Empty: none.
    std::string geocoder_url;
    // Several nodes on one PostgreSQL store: the name this node holds room
    // leases under (empty: <hostname>:<port>), the WebSocket address clients
    // are redirected to when it owns a room (empty: derived from --public-url
    // or the listen address), and how long a lease lasts unrenewed.
    std::string node_id;
    std::string advertise_url;
    unsigned lease_ms = 5000;
    // Webhooks (docs/WEBHOOKS.md): failures in a row before a delivery is
    // dead-lettered; the first retry delay (it doubles, up to five minutes);
    // how long one request may take; PEM CAs trusted besides the system's.
    unsigned webhook_max_attempts = 10;
    unsigned webhook_retry_ms = 1000;
    unsigned webhook_timeout_ms = 10000;
    std::string webhook_ca_file;
    server_limits limits;
};

struct token_request {
    std::string room;
    std::string name;
    std::string role = "participant";
    std::string subject; // empty = derived
    long long ttl_seconds = 7 * 24 * 3600;
    std::string data_dir = "./data";
    std::string secret;
    std::string issuer;
    std::string audience;
};

// Parses `maptable-server [flags]`. Returns nullopt after printing help or an
// error (exit_code says which). Refuses values no server can run with: a zero
// limit or timeout, one of --tls-cert/--tls-key without the other, an
// allowed origin that is not scheme://host[:port].
std::optional<server_config> parse_server_args(int argc, char** argv, int& exit_code);

// "https://maps.example.org/app/" -> "https://maps.example.org/app" (no
// trailing slash). Throws std::invalid_argument unless it is
// http(s)://host[:port][/path] without a query or fragment.
std::string parse_public_url(const std::string& url);

// "wss://node1.example.org/v1/ws" as it is. Throws std::invalid_argument
// unless it is ws(s)://host[:port][/path] without a query or fragment (the
// Redirect adds ?room=).
std::string parse_advertise_url(const std::string& url);

// The WebSocket address of a server whose public base URL is public_url
// (parse_public_url's form): "https://maps.example.org" ->
// "wss://maps.example.org/v1/ws".
std::string advertise_url_from(const std::string& public_url);

// Where the browser app is when --web-root is not given: <prefix>/share/maptable/web
// beside an installed binary (<prefix>/bin), else the source tree's web/dist
// (a server run from a build directory).
std::string default_web_root();

// Throws std::invalid_argument unless tile_url is empty (no tiles) or an
// http(s):// or /path URL template with {z}, {x} and {y}.
void check_tile_url(const std::string& tile_url);

// Throws std::invalid_argument unless geocoder_url is empty (no geocoder) or
// an http(s)://host[:port]/... URL with {query} in its path or query and
// nothing that could break out of the page's policy header (quotes, ';',
// spaces, control characters).
void check_geocoder_url(const std::string& geocoder_url);

// Parses `maptable-server token [flags]` (argv[0] is "token").
// "https://Maps.example.org/, http://localhost:3000" -> the origins, lower
// case, without a trailing slash. Throws std::invalid_argument naming the
// first entry that is not http(s)://host[:port].
std::vector<std::string> parse_origin_list(const std::string& list);

std::optional<token_request> parse_token_args(int argc, char** argv, int& exit_code);

// The token secret: the configured one, else the contents of <data_dir>/secret,
// created with 32 random bytes (mode 0600) on first use so that a newcomer's
// server and `token` command agree without any set-up. Throws on I/O failure.
std::string resolve_secret(const std::string& configured, const std::string& data_dir);

} // namespace maptable::app
