#include "net/static_files.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace maptable::net {
namespace {

namespace http = boost::beast::http;
namespace fs = std::filesystem;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

web_app_config& settings()
{
    static web_app_config config;
    return config;
}

// The tile sources as the page is told them, parsed from the settings on
// first use rather than in configure_web_app: by then the server's log is
// set up, so a source left out is said where the operator looks. Made anew
// by each configure_web_app, which comes before serving; after that only read.
struct parsed_tile_sources {
    std::once_flag parsed;
    std::vector<tile_source_entry> sources; // the default first
    std::vector<std::string> extra_urls;    // the further sources' templates, for img-src
};

std::unique_ptr<parsed_tile_sources>& tile_sources_slot()
{
    static auto slot = std::make_unique<parsed_tile_sources>();
    return slot;
}

const parsed_tile_sources& tile_sources_now();

// The rule of --tile-url (server/app/config.cpp, check_tile_url), which this
// layer cannot call: an absolute http(s) or a same-server path template with
// {z}, {x} and {y}, and nothing that could break out of the policy header
// or a quoted attribute.
bool is_tile_template(std::string_view url)
{
    if (url.empty())
        return false;
    const bool absolute = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
    const bool relative = url.front() == '/' && url.rfind("//", 0) != 0;
    const bool placeholders = url.find("{z}") != std::string_view::npos && url.find("{x}") != std::string_view::npos &&
        url.find("{y}") != std::string_view::npos;
    return (absolute || relative) && placeholders && url.find_first_of("'\"; \t\r\n") == std::string_view::npos;
}

bool is_tile_source_id(std::string_view id)
{
    // The same rule as RoomInfo.base_map's (protocol/model/rules/moderation.cpp).
    if (id.empty() || id.size() > 32)
        return false;
    for (const char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return true;
}

// Hashed assets (esbuild's "[name]-[hash]") never change under their name:
// a browser may keep them for a year. Everything else is asked again each
// time (no-cache = revalidate), so a new build shows at the next load.
constexpr std::string_view immutable_cache = "public, max-age=31536000, immutable";
constexpr std::string_view revalidate_cache = "no-cache";
constexpr std::string_view assets_prefix = "/assets/";

std::string_view content_type_of(std::string_view path)
{
    const auto dot = path.rfind('.');
    const auto ext = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    if (ext == "html")
        return "text/html; charset=utf-8";
    if (ext == "js" || ext == "mjs")
        return "text/javascript; charset=utf-8";
    if (ext == "css")
        return "text/css; charset=utf-8";
    if (ext == "json" || ext == "map")
        return "application/json";
    if (ext == "svg")
        return "image/svg+xml";
    if (ext == "png")
        return "image/png";
    if (ext == "ico")
        return "image/x-icon";
    if (ext == "woff2")
        return "font/woff2";
    if (ext == "ttf")
        return "font/ttf";
    if (ext == "txt")
        return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

response plain(http::status status, unsigned version, std::string body)
{
    response res{status, version};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

// A path the app may ask for: "/" and segments of [A-Za-z0-9._-], none
// starting with '.', so "..", hidden files, percent escapes, backslashes
// and empty segments ("//") never reach the file system.
bool is_plain_path(std::string_view path)
{
    if (path.empty() || path.front() != '/')
        return false;
    std::string_view rest = path.substr(1);
    if (rest.empty())
        return true;
    while (true) {
        const auto slash = rest.find('/');
        const auto segment = rest.substr(0, slash);
        if (segment.empty() || segment.front() == '.')
            return false;
        for (const char c : segment) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-';
            if (!ok)
                return false;
        }
        if (slash == std::string_view::npos)
            return true;
        rest = rest.substr(slash + 1);
    }
}

// A Host header fit to go into the policy (anything else is left out: the
// page then reaches the WebSocket through 'self' alone).
bool is_plain_host(std::string_view host)
{
    if (host.empty() || host.size() > 255)
        return false;
    for (const char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
            c == '-' || c == ':' || c == '[' || c == ']';
        if (!ok)
            return false;
    }
    return true;
}

void set_page_headers(response& res, std::string_view host)
{
    res.set("Content-Security-Policy",
            content_security_policy(host, settings().tile_url, tile_sources_now().extra_urls, settings().geocoder_url));
    res.set("X-Content-Type-Options", "nosniff");
    // The invite token lives in the fragment, which is never sent; this keeps
    // even the page's own address out of requests to the tile host.
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Frame-Options", "DENY");
}

response config_json(const request& req)
{
    const auto& c = settings();
    boost::json::object body;
    body["tile_url"] = c.tile_url;
    body["tile_attribution"] = c.tile_attribution;
    boost::json::array sources;
    for (const auto& source : tile_sources_now().sources)
        sources.push_back(boost::json::object{
            {"id", source.id}, {"label", source.label}, {"url", source.url}, {"attribution", source.attribution}});
    body["tile_sources"] = std::move(sources);
    body["geocoder_url"] = c.geocoder_url; // "" when the server has none: the search box stays local
    body["ws_path"] = "/v1/ws";
    response res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, revalidate_cache);
    set_page_headers(res, req[http::field::host]);
    if (req.method() != http::verb::head)
        res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

// The codings a request accepts, from Accept-Encoding: "br, gzip;q=0.8".
// A coding listed with q=0 is refused; "*" stands for any not listed.
struct accepted_codings {
    bool br = false;
    bool gzip = false;
};

accepted_codings parse_accept_encoding(std::string_view header)
{
    accepted_codings out;
    bool star = false;
    bool br_listed = false;
    bool gzip_listed = false;
    while (!header.empty()) {
        const auto comma = header.find(',');
        auto item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        const auto semi = item.find(';');
        auto coding = item.substr(0, semi);
        auto params = semi == std::string_view::npos ? std::string_view{} : item.substr(semi + 1);
        const auto trim = [](std::string_view v) {
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
                v.remove_prefix(1);
            while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
                v.remove_suffix(1);
            return v;
        };
        coding = trim(coding);
        params = trim(params);
        // q=0, q=0.0, q=0.00...: refused; any other weight accepts.
        bool refused = false;
        if (params.size() >= 3 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=') {
            const auto weight = params.substr(2);
            refused = weight.find_first_not_of("0.") == std::string_view::npos;
        }
        const auto is = [&](std::string_view name) {
            if (coding.size() != name.size())
                return false;
            for (std::size_t i = 0; i < name.size(); ++i)
                if (std::tolower(static_cast<unsigned char>(coding[i])) != name[i])
                    return false;
            return true;
        };
        if (is("br")) {
            br_listed = true;
            out.br = !refused;
        } else if (is("gzip") || is("x-gzip")) {
            gzip_listed = true;
            out.gzip = !refused;
        } else if (coding == "*") {
            star = !refused;
        }
    }
    if (star) {
        out.br = out.br || !br_listed;
        out.gzip = out.gzip || !gzip_listed;
    }
    return out;
}

// Text files are compressed at build time (web/scripts/build.mjs writes
// NAME.br and NAME.gz beside NAME where that is smaller); other types are
// served as they are.
bool is_compressible(std::string_view content_type)
{
    return content_type.substr(0, 5) == "text/" || content_type == "application/json" ||
        content_type == "image/svg+xml" || content_type == "image/x-icon";
}

bool read_file(const fs::path& path, std::string& out)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

} // namespace

tile_source_entry parse_tile_source(std::string_view spec)
{
    const auto fail = [&](const std::string& why) {
        return std::invalid_argument("--tile-source: '" + std::string(spec) + "': " + why +
                                     "; write \"id|label|URL template|attribution HTML\", e.g. "
                                     "\"topo|Topographic|https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png|&copy; "
                                     "OpenTopoMap\"");
    };
    std::string_view parts[3];
    std::string_view rest = spec;
    for (auto& part : parts) {
        const auto bar = rest.find('|');
        if (bar == std::string_view::npos)
            throw fail("it has fewer than four parts separated by '|'");
        part = rest.substr(0, bar);
        rest = rest.substr(bar + 1);
    }
    tile_source_entry out{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]), std::string(rest)};
    if (!is_tile_source_id(out.id))
        throw fail("the id must be 1-32 of a-z, 0-9, '_' and '-'");
    if (out.label.find_first_not_of(" \t") == std::string::npos)
        throw fail("the label is empty");
    if (!is_tile_template(out.url))
        throw fail("'" + out.url +
                   "' is not a tile URL template: http(s)://host/path/{z}/{x}/{y}.png, or /path/{z}/{x}/{y}.png on "
                   "this server");
    return out;
}

void check_tile_sources(const std::vector<std::string>& specs)
{
    std::vector<std::string> ids{std::string(default_tile_source_id)};
    for (const auto& spec : specs) {
        auto source = parse_tile_source(spec);
        for (const auto& id : ids)
            if (id == source.id)
                throw std::invalid_argument("--tile-source: '" + spec + "': the id '" + source.id +
                                            "' is taken (by the default tiles, or an earlier --tile-source); give "
                                            "each base map its own id");
        ids.push_back(std::move(source.id));
    }
}

namespace {

const parsed_tile_sources& tile_sources_now()
{
    auto& state = *tile_sources_slot();
    std::call_once(state.parsed, [&] {
        const auto& c = settings();
        state.sources.push_back({std::string(default_tile_source_id), "Default", c.tile_url, c.tile_attribution});
        for (const auto& spec : c.tile_sources) {
            tile_source_entry source;
            try {
                source = parse_tile_source(spec);
            } catch (const std::invalid_argument& e) {
                spdlog::warn("web app: a base map is left out: {}", e.what());
                continue;
            }
            bool taken = false;
            for (const auto& other : state.sources)
                taken = taken || other.id == source.id;
            if (taken) {
                spdlog::warn("web app: a base map is left out: --tile-source: '{}': the id '{}' is taken (by the "
                             "default tiles, or an earlier --tile-source); give each base map its own id",
                             spec, source.id);
                continue;
            }
            state.extra_urls.push_back(source.url);
            state.sources.push_back(std::move(source));
        }
    });
    return state;
}

} // namespace

void configure_web_app(web_app_config config)
{
    settings() = std::move(config);
    tile_sources_slot() = std::make_unique<parsed_tile_sources>();
}

const web_app_config& web_app()
{
    return settings();
}

const std::vector<tile_source_entry>& web_app_tile_sources()
{
    return tile_sources_now().sources;
}

std::string tile_source(std::string_view tile_url)
{
    const auto scheme_end = tile_url.find("://");
    if (scheme_end == std::string_view::npos)
        return {};
    const auto host_end = tile_url.find('/', scheme_end + 3);
    std::string_view origin = tile_url.substr(0, host_end);
    // A placeholder in the host ({s} subdomains) may be any subdomain.
    std::string source;
    for (auto open = origin.find('{'); open != std::string_view::npos; open = origin.find('{')) {
        const auto close = origin.find('}', open);
        if (close == std::string_view::npos)
            return {};
        source.append(origin.substr(0, open)).push_back('*');
        origin.remove_prefix(close + 1);
    }
    source.append(origin);
    return source;
}

std::string content_security_policy(std::string_view host, std::string_view tile_url,
                                    const std::vector<std::string>& extra_tile_urls, std::string_view geocoder_url)
{
    std::string connect = "'self'";
    if (is_plain_host(host))
        connect += " ws://" + std::string(host) + " wss://" + std::string(host);
    // The geocoder's origin (scheme://host[:port]); app/config.cpp refused any
    // URL whose host is not plain, so it cannot end the directive.
    if (const auto scheme_end = geocoder_url.find("://"); scheme_end != std::string_view::npos) {
        const auto origin = geocoder_url.substr(0, geocoder_url.find_first_of("/?#", scheme_end + 3));
        if (is_plain_host(origin.substr(scheme_end + 3)))
            connect += " " + std::string(origin);
    }
    std::string images = "'self' data:";
    std::vector<std::string> hosts;
    const auto allow = [&](std::string_view url) {
        auto tiles = tile_source(url);
        if (tiles.empty())
            return;
        for (const auto& known : hosts)
            if (known == tiles)
                return;
        images += " " + tiles;
        hosts.push_back(std::move(tiles));
    };
    allow(tile_url);
    for (const auto& url : extra_tile_urls)
        allow(url);
    return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + images + "; connect-src " + connect +
        "; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

response serve_web_app(const request& req)
{
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        auto res = plain(http::status::method_not_allowed, req.version(),
                         "method not allowed: the app's files take GET and HEAD\n");
        res.set(http::field::allow, "GET, HEAD");
        return res;
    }
    const auto target = std::string_view(req.target());
    const auto path = target.substr(0, target.find_first_of("?#"));
    if (path == "/config.json")
        return config_json(req);
    if (!is_plain_path(path))
        return plain(http::status::bad_request, req.version(),
                     "bad path: the app's paths are /name/name.ext of letters, digits, '.', '_' and '-' "
                     "(no '..', escapes or empty segments)\n");
    const auto& root = settings().root;
    if (root.empty())
        return plain(http::status::not_found, req.version(), "not found\n");
    const bool is_index = path == "/" || path == "/index.html";
    const fs::path file = fs::path(root) / (is_index ? std::string("index.html") : std::string(path.substr(1)));
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        if (is_index)
            return plain(http::status::not_found, req.version(),
                         "the web app is not built: run (cd web && npm ci && npm run build), or start the server "
                         "with --web-root pointing at a built app\n");
        return plain(http::status::not_found, req.version(), "not found\n");
    }
    // The smallest variant the browser accepts: brotli, then gzip, else the file.
    const auto content_type = content_type_of(file.filename().string());
    const bool compressible = is_compressible(content_type);
    fs::path chosen = file;
    std::string_view coding;
    if (compressible) {
        const auto accepts = parse_accept_encoding(req[http::field::accept_encoding]);
        const auto variant = [&](const char* suffix) {
            fs::path candidate = file;
            candidate += suffix;
            std::error_code variant_ec;
            return fs::is_regular_file(candidate, variant_ec) ? candidate : fs::path{};
        };
        if (accepts.br)
            if (auto br = variant(".br"); !br.empty()) {
                chosen = std::move(br);
                coding = "br";
            }
        if (coding.empty() && accepts.gzip)
            if (auto gz = variant(".gz"); !gz.empty()) {
                chosen = std::move(gz);
                coding = "gzip";
            }
    }
    std::string body;
    if (!read_file(chosen, body))
        return plain(http::status::internal_server_error, req.version(), "cannot read the file; try again\n");

    response res{http::status::ok, req.version()};
    res.set(http::field::content_type, content_type);
    if (!coding.empty())
        res.set(http::field::content_encoding, coding);
    // Caches keep one copy per encoding asked for, not the first one served.
    if (compressible)
        res.set(http::field::vary, "Accept-Encoding");
    res.set(http::field::cache_control,
            path.substr(0, assets_prefix.size()) == assets_prefix ? immutable_cache : revalidate_cache);
    set_page_headers(res, req[http::field::host]);
    const auto size = body.size();
    if (req.method() == http::verb::head)
        res.content_length(size);
    else {
        res.body() = std::move(body);
        res.prepare_payload();
    }
    return res;
}

} // namespace maptable::net
