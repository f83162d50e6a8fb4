// The configuration file (app/config_file.hpp): its keys become the flags of
// the same name, flags and the environment win over it, and every mistake in
// it is refused at start with the file, the line and the key named.
#include "app/config.hpp"
#include "app/config_file.hpp"
#include "net/static_files.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <boost/program_options.hpp>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

namespace po = boost::program_options;
using maptable::store::testing::temp_dir;

namespace {

// A config file with the given text in a temp dir of its own.
class config_file {
public:
    explicit config_file(const std::string& text) { std::ofstream(path()) << text; }
    std::string path() const { return dir_.file("maptable.toml"); }

private:
    temp_dir dir_;
};

// What parse_server_args returns and prints for these arguments.
struct parse_outcome {
    std::optional<maptable::app::server_config> config;
    int exit_code = -1;
    std::string errors;
};

parse_outcome parse(std::vector<std::string> args)
{
    args.insert(args.begin(), "maptable-server");
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    std::ostringstream captured;
    auto* old = std::cerr.rdbuf(captured.rdbuf());
    parse_outcome outcome;
    outcome.config = maptable::app::parse_server_args(int(argv.size()), argv.data(), outcome.exit_code);
    std::cerr.rdbuf(old);
    outcome.errors = captured.str();
    return outcome;
}

// The error parse_server_args prints for a file with this text, with the
// file's path replaced by FILE.
std::string refusal(const std::string& text)
{
    config_file file(text);
    auto outcome = parse({"--config", file.path()});
    CHECK_FALSE(outcome.config);
    CHECK(outcome.exit_code == 2);
    auto errors = outcome.errors;
    const auto at = errors.find(file.path());
    if (at != std::string::npos)
        errors.replace(at, file.path().size(), "FILE");
    return errors;
}

// Sets an environment variable for one scope.
class scoped_env {
public:
    scoped_env(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
    ~scoped_env() { ::unsetenv(name_); }

private:
    const char* name_;
};

} // namespace

TEST_CASE("every key of the file sets the flag of the same name")
{
    config_file file(R"(# a comment
listen = "0.0.0.0"
port = 9123
store = "postgresql://maptable@db.example.org:5433/maptable"
node-id = "node-a"
lease-ms = 1500
max-connections = 777
command-rate = 12.5
commit-window-us = 0
tile-source = ["topo|Topographic|https://tiles.example.org/{z}/{x}/{y}.png|(c) example",
               "sat|Satellite|https://sat.example.org/{z}/{x}/{y}.jpg|(c) sat"]
)");
    const auto outcome = parse({"--config", file.path()});
    REQUIRE_MESSAGE(outcome.config, outcome.errors);
    const auto& c = *outcome.config;
    CHECK(c.listen_address == "0.0.0.0");
    CHECK(c.port == 9123);
    CHECK(c.store == "postgresql://maptable@db.example.org:5433/maptable");
    CHECK(c.node_id == "node-a");
    CHECK(c.lease_ms == 1500);
    CHECK(c.limits.max_connections == 777);
    CHECK(c.limits.command_rate == doctest::Approx(12.5));
    CHECK(c.limits.commit_window.count() == 0);
    REQUIRE(c.tile_sources.size() == 2);
    CHECK(c.tile_sources[1].rfind("sat|", 0) == 0);
}

TEST_CASE("a flag wins over the environment, which wins over the file, which wins over the default")
{
    config_file file("port = 9001\nlog-level = \"warn\"\nmax-connections = 50\n");
    SUBCASE("the file over the default")
    {
        const auto outcome = parse({"--config", file.path()});
        REQUIRE(outcome.config);
        CHECK(outcome.config->port == 9001);
        CHECK(outcome.config->log_level == "warn");
        CHECK(outcome.config->durability == maptable::store::durability::full); // not in the file: default
    }
    SUBCASE("the environment over the file")
    {
        scoped_env port("MAPTABLE_PORT", "9002");
        const auto outcome = parse({"--config", file.path()});
        REQUIRE(outcome.config);
        CHECK(outcome.config->port == 9002);
        CHECK(outcome.config->log_level == "warn");
    }
    SUBCASE("a flag over the environment and the file")
    {
        scoped_env port("MAPTABLE_PORT", "9002");
        const auto outcome = parse({"--config", file.path(), "--port", "9003", "--max-connections", "60"});
        REQUIRE(outcome.config);
        CHECK(outcome.config->port == 9003);
        CHECK(outcome.config->limits.max_connections == 60);
        CHECK(outcome.config->log_level == "warn");
    }
    SUBCASE("MAPTABLE_CONFIG names the file as --config does")
    {
        scoped_env config("MAPTABLE_CONFIG", file.path().c_str());
        const auto outcome = parse({});
        REQUIRE(outcome.config);
        CHECK(outcome.config->port == 9001);
    }
}

TEST_CASE("an unknown key is refused with the file, the line and the key")
{
    CHECK(refusal("port = 8080\n\nmax-conections = 10\n") ==
          "maptable-server: FILE:3: max-conections: unknown setting: the keys are the flag names of maptable-server "
          "--help, without the dashes\nTry --help.\n");
}

TEST_CASE("a value of the wrong type is refused with the file, the line and the key")
{
    CHECK(refusal("listen = \"127.0.0.1\"\nport = \"eighty\"\n") ==
          "maptable-server: FILE:2: port: must be a whole number, 0 or more, without quotes\nTry --help.\n");
    CHECK(refusal("store = 5432\n").find("FILE:1: store: must be a string in quotes") != std::string::npos);
    CHECK(refusal("max-connections = -5\n").find("FILE:1: max-connections: must be a whole number, 0 or more") !=
          std::string::npos);
    CHECK(refusal("command-rate = true\n").find("FILE:1: command-rate: must be a number without quotes") !=
          std::string::npos);
    CHECK(refusal("listen = [\"a\", \"b\"]\n").find("FILE:1: listen: takes one value, not a list") !=
          std::string::npos);
    CHECK(refusal("tile-source = [\"a|b|https://x/{z}/{x}/{y}.png|c\",\n  7]\n")
              .find("FILE:2: tile-source: each entry must be a string in quotes") != std::string::npos);
}

TEST_CASE("a value the flag itself refuses is refused with the file's line")
{
    CHECK(refusal("\nport = 70000\n").find("FILE:2: port: '70000' is refused:") != std::string::npos);
    CHECK(refusal("max-connections = 0\n")
              .find("FILE:1: max-connections: '0' is refused: --max-connections must be "
                    "at least 1") != std::string::npos);
    CHECK(refusal("command-rate = -1.5\n")
              .find("FILE:1: command-rate: '-1.5' is refused: --command-rate must be "
                    "above 0") != std::string::npos);
}

TEST_CASE("tables, and keys meant for one command line only, are refused")
{
    CHECK(refusal("[limits]\nmax-connections = 10\n").find("FILE:1: limits: tables are not used") != std::string::npos);
    CHECK(refusal("init = true\n").find("FILE:1: init: can only be given on the command line (--init)") !=
          std::string::npos);
    CHECK(refusal("config = \"other.toml\"\n").find("FILE:1: config: can only be given on the command line") !=
          std::string::npos);
}

TEST_CASE("a file that is not TOML, or is not there, is refused with a clear message")
{
    CHECK(refusal("port = 8080\nstore = \"postgresql://x\n").find("FILE:2: not TOML:") != std::string::npos);
    const auto outcome = parse({"--config", "/nonexistent/maptable.toml"});
    CHECK_FALSE(outcome.config);
    CHECK(outcome.errors.find("cannot read the config file /nonexistent/maptable.toml: no such file") !=
          std::string::npos);
}

TEST_CASE("parse_config_file returns options that program_options stores like flags")
{
    config_file file("port = 8081\ntile-source = [\"a\", \"b\"]\n");
    unsigned short port = 0;
    std::vector<std::string> sources;
    po::options_description options;
    options.add_options()("port", po::value(&port))("tile-source", po::value(&sources)->composing());
    po::variables_map vm;
    po::store(maptable::app::parse_config_file(file.path(), options), vm);
    po::notify(vm);
    CHECK(port == 8081);
    CHECK(sources == std::vector<std::string>{"a", "b"});
}

TEST_CASE("deploy/maptable.toml.example is accepted as it is, and with its commented settings turned on")
{
    const std::string example = std::string(MAPTABLE_SOURCE_DIR) + "/deploy/maptable.toml.example";
    auto outcome = parse({"--config", example});
    REQUIRE_MESSAGE(outcome.config, outcome.errors);
    CHECK(outcome.config->port == 8080);
    CHECK(outcome.config->public_url == "https://maps.example.org");
    CHECK(outcome.config->limits.max_connections == 20000);

    // Every "#key = value" line (and the list under it) uncommented: the
    // settings the file offers are real flags with values they accept.
    std::ifstream in(example);
    std::string line, uncommented;
    const std::regex setting(R"(^#([a-z-]+ = .*|  ".*|\]))");
    while (std::getline(in, line)) {
        if (std::regex_match(line, setting))
            line = line.substr(1);
        uncommented += line + "\n";
    }
    config_file all(uncommented);
    outcome = parse({"--config", all.path()});
    REQUIRE_MESSAGE(outcome.config, outcome.errors << uncommented);
    CHECK(outcome.config->node_id == "node-a");
    CHECK(outcome.config->tile_sources.size() == 1);
}

TEST_CASE("a geocoder URL is taken from the file or a flag, reaches the web app's settings, and none is the default")
{
    {
        const auto outcome = parse({});
        REQUIRE_MESSAGE(outcome.config, outcome.errors);
        CHECK(outcome.config->geocoder_url.empty());
        CHECK(maptable::net::web_app().geocoder_url.empty());
    }
    config_file file("geocoder-url = \"https://nominatim.example.org/search?format=jsonv2&q={query}\"\n");
    const auto from_file = parse({"--config", file.path()});
    REQUIRE_MESSAGE(from_file.config, from_file.errors);
    CHECK(from_file.config->geocoder_url == "https://nominatim.example.org/search?format=jsonv2&q={query}");
    CHECK(maptable::net::web_app().geocoder_url == from_file.config->geocoder_url);
    const auto from_flag = parse({"--config", file.path(), "--geocoder-url", "http://127.0.0.1:8099/find/{query}"});
    REQUIRE_MESSAGE(from_flag.config, from_flag.errors);
    CHECK(from_flag.config->geocoder_url == "http://127.0.0.1:8099/find/{query}");
    // The page may fetch from its origin, and only from that.
    const auto policy =
        maptable::net::content_security_policy("maps.example.org", "", {}, from_flag.config->geocoder_url);
    CHECK(policy.find("connect-src 'self' ws://maps.example.org wss://maps.example.org http://127.0.0.1:8099;") !=
          std::string::npos);
}

TEST_CASE("a geocoder URL that is not http(s), lacks {query} or could break the page's policy is refused at start")
{
    for (const std::string url :
         {"ftp://geo.example.org/search?q={query}", "geo.example.org/search?q={query}", "javascript:alert({query})",
          "https://geo.example.org/search?q=", "https://geo.example.org/search?q={q}", "https://{query}.example.org/",
          "https:///search?q={query}", "https://geo.example.org/search?q={query}; script-src *",
          "https://geo.example.org/search?q=\"{query}\"", "https://geo.example.org/s?q={query}#top"}) {
        CAPTURE(url);
        CHECK_THROWS_AS(maptable::app::check_geocoder_url(url), std::invalid_argument);
        const auto outcome = parse({"--geocoder-url", url});
        CHECK_FALSE(outcome.config);
        CHECK(outcome.exit_code == 2);
        CHECK(outcome.errors.find("--geocoder-url") != std::string::npos);
    }
    CHECK(refusal("geocoder-url = \"https://geo.example.org/search\"\n").find("{query}") != std::string::npos);
    CHECK_NOTHROW(maptable::app::check_geocoder_url(""));
    CHECK_NOTHROW(maptable::app::check_geocoder_url("https://geo.example.org:8443/v1/search?text={query}&size=5"));
}
