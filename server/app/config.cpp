#include "app/config.hpp"

#include "app/config_file.hpp"
#include "net/static_files.hpp"
#include "store/pg_connection.hpp"
#include "store/random_hex.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <type_traits>

namespace po = boost::program_options;

namespace maptable::app {
namespace {

// MAPTABLE_DATA_DIR -> data-dir; other variables are not ours.
std::string env_to_option(const std::string& variable, const po::options_description& options)
{
    const std::string prefix = "MAPTABLE_";
    if (variable.rfind(prefix, 0) != 0)
        return {};
    std::string name = variable.substr(prefix.size());
    for (auto& c : name)
        c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // --init is for one deliberate start: left in a service's environment it
    // would hide every later loss of the database.
    if (name == "init")
        return {};
    return options.find_nothrow(name, false) ? name : std::string{};
}

bool parse(int argc, char** argv, const po::options_description& options, po::variables_map& vm,
           const std::string& usage, int& exit_code)
{
    try {
        po::store(po::parse_command_line(argc, argv, options), vm);
        po::store(po::parse_environment(options, [&](const std::string& v) { return env_to_option(v, options); }), vm);
        // Stored last, so flags and MAPTABLE_ variables win over the file.
        if (vm.count("config"))
            po::store(parse_config_file(vm["config"].as<std::string>(), options), vm);
        if (vm.count("help")) {
            std::cout << usage << "\n\n"
                      << options << "\nEvery flag can also be set as MAPTABLE_<FLAG>, e.g. MAPTABLE_DATA_DIR.\n";
            exit_code = 0;
            return false;
        }
        po::notify(vm);
        return true;
    } catch (const std::exception& e) {
        std::cerr << "maptable-server: " << e.what() << "\nTry --help.\n";
        exit_code = 2;
        return false;
    }
}

} // namespace

std::vector<std::string> parse_origin_list(const std::string& list)
{
    std::vector<std::string> origins;
    std::string_view rest = list;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string item(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const auto first = item.find_first_not_of(" \t");
        if (first == std::string::npos)
            continue;
        item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
        const std::string shown = item;
        for (auto& c : item)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        while (!item.empty() && item.back() == '/')
            item.pop_back();
        const auto scheme_end = item.find("://");
        const auto scheme = item.substr(0, scheme_end == std::string::npos ? 0 : scheme_end);
        const auto host = scheme_end == std::string::npos ? std::string() : item.substr(scheme_end + 3);
        if ((scheme != "http" && scheme != "https") || host.empty() || host.find_first_of("/?#@ ") != std::string::npos)
            throw std::invalid_argument(
                "--allowed-origins: '" + shown +
                "' is not an origin; write scheme://host[:port], e.g. https://maps.example.org");
        origins.push_back(item);
    }
    return origins;
}

std::string parse_public_url(const std::string& url)
{
    std::string out = url;
    while (!out.empty() && out.back() == '/')
        out.pop_back();
    const auto scheme_end = out.find("://");
    const auto scheme = scheme_end == std::string::npos ? std::string() : out.substr(0, scheme_end);
    const auto rest = scheme_end == std::string::npos ? std::string() : out.substr(scheme_end + 3);
    const auto host = rest.substr(0, rest.find('/'));
    if ((scheme != "http" && scheme != "https") || host.empty() || out.find_first_of("?#@ \t\r\n") != std::string::npos)
        throw std::invalid_argument("--public-url: '" + url +
                                    "' is not a base URL; write http(s)://host[:port][/path], e.g. "
                                    "https://maps.example.org");
    return out;
}

std::string parse_advertise_url(const std::string& url)
{
    const auto scheme_end = url.find("://");
    const auto scheme = scheme_end == std::string::npos ? std::string() : url.substr(0, scheme_end);
    const auto rest = scheme_end == std::string::npos ? std::string() : url.substr(scheme_end + 3);
    const auto host = rest.substr(0, rest.find('/'));
    if ((scheme != "ws" && scheme != "wss") || host.empty() || url.find_first_of("?#@ \t\r\n") != std::string::npos)
        throw std::invalid_argument("--advertise-url: '" + url +
                                    "' is not a WebSocket address; write ws(s)://host[:port]/v1/ws, e.g. "
                                    "wss://node1.example.org/v1/ws");
    return url;
}

std::string advertise_url_from(const std::string& public_url)
{
    if (public_url.rfind("https://", 0) == 0)
        return "wss://" + public_url.substr(8) + "/v1/ws";
    if (public_url.rfind("http://", 0) == 0)
        return "ws://" + public_url.substr(7) + "/v1/ws";
    return public_url;
}

std::string default_web_root()
{
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto binary = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed = binary.parent_path().parent_path() / "share" / "maptable" / "web";
        if (fs::is_regular_file(installed / "index.html", ec))
            return installed.string();
    }
    return MAPTABLE_SOURCE_WEB_ROOT;
}

void check_tile_url(const std::string& tile_url)
{
    if (tile_url.empty())
        return;
    const bool absolute = tile_url.rfind("https://", 0) == 0 || tile_url.rfind("http://", 0) == 0;
    const bool relative = tile_url.front() == '/' && tile_url.rfind("//", 0) != 0;
    const bool placeholders = tile_url.find("{z}") != std::string::npos && tile_url.find("{x}") != std::string::npos &&
        tile_url.find("{y}") != std::string::npos;
    if ((!absolute && !relative) || !placeholders || tile_url.find_first_of("'\"; \t\r\n") != std::string::npos)
        throw std::invalid_argument("--tile-url: '" + tile_url +
                                    "' is not a tile URL template; write http(s)://host/path/{z}/{x}/{y}.png "
                                    "(or /path/{z}/{x}/{y}.png on this server), or \"\" for no tiles");
}

void check_geocoder_url(const std::string& geocoder_url)
{
    if (geocoder_url.empty())
        return;
    const auto refuse = [&](const std::string& why) {
        throw std::invalid_argument("--geocoder-url: '" + geocoder_url + "' " + why +
                                    "; write http(s)://host/path?q={query} (a Nominatim-compatible search), "
                                    "or \"\" for none");
    };
    const auto scheme_end = geocoder_url.find("://");
    const auto scheme = geocoder_url.substr(0, scheme_end == std::string::npos ? 0 : scheme_end);
    if (scheme != "http" && scheme != "https")
        refuse("is not an http:// or https:// URL");
    const auto host_start = scheme_end + 3;
    const auto host_end = geocoder_url.find_first_of("/?#", host_start);
    const auto host =
        geocoder_url.substr(host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
    const bool plain_host = !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    });
    if (!plain_host)
        refuse("has no plain host name after the scheme");
    if (geocoder_url.find("{query}", host_start + host.size()) == std::string::npos)
        refuse("has no {query} placeholder for the search words");
    // The host goes into the page's Content-Security-Policy and the URL into
    // JSON the page reads: nothing that could end a directive or a value.
    for (const unsigned char c : geocoder_url)
        if (c <= 0x20 || c >= 0x7f || c == '\'' || c == '"' || c == ';' || c == '\\' || c == '<' || c == '>')
            refuse("holds a space, quote, ';', '<', '>', backslash or a character outside ASCII; percent-encode it");
    if (geocoder_url.find('#') != std::string::npos)
        refuse("has a fragment, which a browser never sends");
}

namespace {

// A limit bound to a flag: a count or a number of seconds, at least 1.
template <class T>
po::typed_value<unsigned long long>* at_least_one(const char* flag, T& target)
{
    unsigned long long current;
    if constexpr (std::is_arithmetic_v<T>)
        current = static_cast<unsigned long long>(target);
    else
        current = static_cast<unsigned long long>(target.count());
    return po::value<unsigned long long>()->default_value(current)->notifier([flag, &target](unsigned long long v) {
        if (v == 0)
            throw std::invalid_argument(std::string("--") + flag + " must be at least 1");
        if constexpr (std::is_arithmetic_v<T>)
            target = static_cast<T>(v);
        else
            target = T(static_cast<typename T::rep>(v));
    });
}

po::typed_value<double>* positive_rate(const char* flag, double& target)
{
    return po::value<double>()->default_value(target)->notifier([flag, &target](double v) {
        if (!(v > 0))
            throw std::invalid_argument(std::string("--") + flag + " must be above 0");
        target = v;
    });
}

} // namespace

std::optional<server_config> parse_server_args(int argc, char** argv, int& exit_code)
{
    server_config c;
    std::string durability = "full";
    std::string thread_model_name = "per-core";
    std::string allowed_origins;
    auto& l = c.limits;
    po::options_description options("Options");
    options.add_options()("help,h", "print this help")(
        "config", po::value<std::string>(),
        "a TOML file of settings, one flag name (without --) per key: port = 8080 (deploy/maptable.toml.example). "
        "Flags and MAPTABLE_ variables win over it")("listen",
                                                     po::value(&c.listen_address)->default_value(c.listen_address),
                                                     "address to listen on (0.0.0.0 for all)")(
        "port", po::value(&c.port)->default_value(c.port), "port for HTTP and WebSocket; 0 picks a free one")(
        "data-dir", po::value(&c.data_dir)->default_value(c.data_dir),
        "where the secret and, unless --store names PostgreSQL, the event log (maptable.db) live")(
        "store", po::value(&c.store),
        "the event log's database: a postgresql://user:password@host:port/database URL (libpq's; "
        "postgres:// too) to run on PostgreSQL, so that several machines can share it; default: the SQLite "
        "file <data-dir>/maptable.db")(
        "init", po::bool_switch(&c.init),
        "start even though <data-dir>/maptable.db.id names a database that is missing, empty or another one: "
        "creates a new, empty database (or accepts the one found). Without it such a start is refused, so that "
        "lost history is noticed")("secret", po::value(&c.secret),
                                   "join-token signing secret (default: <data-dir>/secret, created on first start)")(
        "issuer", po::value(&c.issuer), "when set, tokens must carry this iss")("audience", po::value(&c.audience),
                                                                                "when set, tokens must carry this aud")(
        "threads", po::value(&c.threads)->default_value(0), "I/O threads; 0 = one per core")(
        "thread-model", po::value(&thread_model_name)->default_value(thread_model_name),
        "per-core: one event loop per thread, rooms and connections spread over them; "
        "shared: one event loop run by every thread, a strand per room and per connection")(
        "durability", po::value(&durability)->default_value(durability),
        "full: an ack survives power loss; normal: survives a crash of the process")(
        "log-level", po::value(&c.log_level)->default_value(c.log_level), "trace, debug, info, warn, error");
    po::options_description security("TLS, browsers and admin");
    security.add_options()(
        "tls-cert", po::value(&c.tls_cert),
        "PEM certificate chain; with --tls-key the port serves https:// and wss:// only (TLS 1.2 or newer)")(
        "tls-key", po::value(&c.tls_key), "PEM private key of --tls-cert")(
        "allowed-origins", po::value(&allowed_origins),
        "comma-separated browser origins that may open a WebSocket (e.g. https://maps.example.org); "
        "default: only the server's own origin. Clients that send no Origin (apps, the SDK) always may")(
        "admin-key", po::value(&c.admin_key),
        "bearer key for the admin HTTP API under /v1/admin/ (token revocation; docs/API.md). "
        "Without it the admin API is disabled and answers 404. Prefer MAPTABLE_ADMIN_KEY: flags show in ps")(
        "public-url", po::value(&c.public_url),
        "the address people open the app at (https://maps.example.org); invitation links minted by the admin API "
        "start with it. Default: http(s)://<listen address>:<port>");
    po::options_description web("The browser app");
    web.add_options()(
        "web-root", po::value(&c.web_root),
        "the built web app (web/dist) served at /; default: <prefix>/share/maptable/web beside an installed "
        "binary, else the source tree's web/dist")(
        "tile-url", po::value(&c.tile_url)->default_value(c.tile_url),
        "map tiles for the app, a URL template with {z}/{x}/{y} ({s}: subdomains); \"\" for none (a plain "
        "background). Its host is allowed by the page's Content-Security-Policy")(
        "tile-attribution", po::value(&c.tile_attribution)->default_value(c.tile_attribution),
        "HTML shown in the map's corner: the tile source's licence")(
        "tile-source", po::value(&c.tile_sources)->composing(),
        "a further base map a facilitator may choose for a room: \"id|label|URL template|attribution HTML\" "
        "(repeatable)")("geocoder-url", po::value(&c.geocoder_url),
                        "a place search the app's search box also offers results from, fetched by the browser: an "
                        "http(s) URL with {query} for the words, e.g. a Nominatim-compatible "
                        "https://nominatim.example.org/search?format=jsonv2&q={query}. Its host is allowed by the "
                        "page's Content-Security-Policy. Default: none");
    po::options_description cluster("Several nodes on one PostgreSQL store (--store postgresql://...)");
    cluster.add_options()("node-id", po::value(&c.node_id),
                          "this node's name in room leases; default: <hostname>:<port>")(
        "advertise-url", po::value(&c.advertise_url),
        "the WebSocket address (ws(s)://host:port/v1/ws) other nodes send clients to for rooms this node owns; "
        "default: from --public-url, else the listen address")(
        "lease-ms", po::value(&c.lease_ms)->default_value(c.lease_ms),
        "milliseconds a node's claim on a room lasts unless renewed; after its owner dies another node takes "
        "the room over once this has passed");
    po::options_description webhooks("Webhooks (docs/WEBHOOKS.md)");
    webhooks.add_options()(
        "webhook-max-attempts", at_least_one("webhook-max-attempts", c.webhook_max_attempts),
        "failed requests in a row after which an endpoint's delivery is dead-lettered (until reactivated)")(
        "webhook-retry-ms", at_least_one("webhook-retry-ms", c.webhook_retry_ms),
        "milliseconds before the first retry of a failed request; doubles with each failure, up to 5 minutes")(
        "webhook-timeout-ms", at_least_one("webhook-timeout-ms", c.webhook_timeout_ms),
        "milliseconds a receiver has to answer a request (connect to status line); longer counts as a failure")(
        "webhook-ca-file", po::value(&c.webhook_ca_file),
        "PEM file of CAs trusted for https:// receivers besides the system's (a private CA, tests)");
    po::options_description limits("Limits (counts, bytes and seconds; each at least 1)");
    limits.add_options()("max-connections", at_least_one("max-connections", l.max_connections),
                         "open connections in all; past it: HTTP 503")(
        "max-connections-per-ip", at_least_one("max-connections-per-ip", l.max_connections_per_ip),
        "open connections from one address; past it: HTTP 503")(
        "http-request-timeout", at_least_one("http-request-timeout", l.http_request_timeout),
        "seconds to send an HTTP request (and the TLS handshake)")(
        "join-timeout", at_least_one("join-timeout", l.join_timeout), "seconds from the upgrade to a Join")(
        "ws-handshake-timeout", at_least_one("ws-handshake-timeout", l.ws_handshake_timeout),
        "seconds for the WebSocket opening and closing handshakes")(
        "ws-idle-timeout", at_least_one("ws-idle-timeout", l.ws_idle_timeout),
        "seconds without traffic before a connection is dropped (pings at half of it)")(
        "ws-write-timeout", at_least_one("ws-write-timeout", l.ws_write_timeout),
        "seconds a write may take; longer means the client stopped reading: dropped")(
        "ws-outbound-queue-max", at_least_one("ws-outbound-queue-max", l.ws_outbound_queue_max),
        "bytes queued for one client; past it the client reads too slowly: close 1013")(
        "command-rate", positive_rate("command-rate", l.command_rate), "commands per second per connection, sustained")(
        "command-burst", positive_rate("command-burst", l.command_burst),
        "commands per connection in a burst")("presence-rate", positive_rate("presence-rate", l.presence_rate),
                                              "cursor and viewport updates per second per connection")(
        "max-participants-per-room", at_least_one("max-participants-per-room", l.max_participants_per_room),
        "participants in one room")("max-rooms-loaded", at_least_one("max-rooms-loaded", l.max_rooms_loaded),
                                    "rooms in memory at once")("room-idle-unload",
                                                               at_least_one("room-idle-unload", l.room_idle_unload),
                                                               "seconds before an empty room leaves memory")(
        "commit-window-us",
        po::value<unsigned long long>()
            ->default_value(static_cast<unsigned long long>(l.commit_window.count()))
            ->notifier([&l](unsigned long long v) { l.commit_window = std::chrono::microseconds(v); }),
        "microseconds the store lets appends gather before a commit (0: at once); each commit costs the same "
        "for many events as for one")("resume-window-events",
                                      at_least_one("resume-window-events", l.resume_window_events),
                                      "events kept per room to answer a resume without a snapshot")(
        "recent-ops-per-room", at_least_one("recent-ops-per-room", l.recent_ops_per_room),
        "command ids per room remembered to acknowledge retries without a store read (older ones are looked up)")(
        "max-replays-per-room", po::value<std::size_t>(&l.max_replays_per_room)->default_value(l.max_replays_per_room),
        "replays (GetStateAt of a past seq) one room folds at once; more are refused with RATE_LIMITED (0: none)")(
        "shutdown-timeout", at_least_one("shutdown-timeout", l.shutdown_timeout),
        "seconds a SIGTERM waits for commits and clients to finish before the server stops anyway");
    options.add(security).add(web).add(cluster).add(webhooks).add(limits);
    po::variables_map vm;
    if (!parse(argc, argv, options, vm,
               "Usage: maptable-server [options]\n       maptable-server token --room R --name N [--role R]",
               exit_code))
        return std::nullopt;
    const auto fail = [&](const std::string& message) {
        std::cerr << "maptable-server: " << message << "\nTry --help.\n";
        exit_code = 2;
        return std::nullopt;
    };
    if (thread_model_name == "per-core")
        c.threading = thread_model::per_core;
    else if (thread_model_name == "shared")
        c.threading = thread_model::shared;
    else
        return fail("--thread-model is per-core or shared");
    if (durability == "full")
        c.durability = store::durability::full;
    else if (durability == "normal")
        c.durability = store::durability::normal;
    else
        return fail("--durability is full or normal");
    if (!c.store.empty() && !store::is_postgres_url(c.store))
        return fail("--store is a postgresql:// (or postgres://) URL; leave it out for the SQLite file in --data-dir");
    if (c.lease_ms == 0)
        return fail("--lease-ms is at least 1 (milliseconds)");
    if (c.tls_cert.empty() != c.tls_key.empty())
        return fail("--tls-cert and --tls-key go together: give both for TLS, or neither");
    try {
        c.allowed_origins = parse_origin_list(allowed_origins);
        if (!c.public_url.empty())
            c.public_url = parse_public_url(c.public_url);
        if (!c.advertise_url.empty())
            c.advertise_url = parse_advertise_url(c.advertise_url);
        check_tile_url(c.tile_url);
        net::check_tile_sources(c.tile_sources);
        check_geocoder_url(c.geocoder_url);
    } catch (const std::invalid_argument& e) {
        return fail(e.what());
    }
    if (c.web_root.empty())
        c.web_root = default_web_root();
    // Process-wide and read-only once serving starts: set here, before the
    // listener exists.
    net::configure_web_app({.root = c.web_root,
                            .tile_url = c.tile_url,
                            .tile_attribution = c.tile_attribution,
                            .tile_sources = c.tile_sources,
                            .geocoder_url = c.geocoder_url});
    return c;
}

std::optional<token_request> parse_token_args(int argc, char** argv, int& exit_code)
{
    token_request t;
    po::options_description options("Options");
    options.add_options()("help,h", "print this help")("room", po::value(&t.room)->required(),
                                                       "the room the token admits to")(
        "name", po::value(&t.name)->required(), "display name")("role", po::value(&t.role)->default_value(t.role),
                                                                "facilitator, participant or observer")(
        "sub", po::value(&t.subject), "participant id (default: derived from the name)")(
        "ttl", po::value(&t.ttl_seconds)->default_value(t.ttl_seconds), "seconds until it expires")(
        "data-dir", po::value(&t.data_dir)->default_value(t.data_dir), "the server's data dir (for its secret)")(
        "secret", po::value(&t.secret), "signing secret (default: <data-dir>/secret)")(
        "issuer", po::value(&t.issuer), "iss claim")("audience", po::value(&t.audience), "aud claim");
    po::variables_map vm;
    if (!parse(argc, argv, options, vm,
               "Usage: maptable-server token --room R --name N [--role participant]\n\n"
               "Prints a join token on stdout. Each token carries a random id (jti, \"t-\" and 16 hex digits),\n"
               "printed on stderr, which POST /v1/admin/revocations can revoke on its own.",
               exit_code))
        return std::nullopt;
    return t;
}

std::string resolve_secret(const std::string& configured, const std::string& data_dir)
{
    if (!configured.empty())
        return configured;
    namespace fs = std::filesystem;
    fs::create_directories(data_dir);
    const fs::path path = fs::path(data_dir) / "secret";
    if (std::ifstream in{path}) {
        std::string secret;
        std::getline(in, secret);
        if (secret.size() >= 32)
            return secret;
        throw std::runtime_error("the secret in " + path.string() + " is shorter than 32 characters");
    }
    const std::string secret = store::random_hex(32, "a secret");
    const auto old_mask = ::umask(077);
    std::ofstream out{path};
    ::umask(old_mask);
    out << secret << "\n";
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
    return secret;
}

} // namespace maptable::app
