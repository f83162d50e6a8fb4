// The configuration file end to end: a maptable-server started with nothing
// but --config (or MAPTABLE_CONFIG) listens and behaves as the file says,
// and a bad file stops the start with the file, line and key on stderr.
#include "cluster_harness.hpp"
#include "http_probe.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace maptable::test;
using namespace maptable::test::cluster_test;

namespace {

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

// A config file for a server on port in its own data dir.
struct config_setup {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
        ("maptable-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(free_port()));
    std::string file = (dir / "maptable.toml").string();
    unsigned short port = free_port();

    explicit config_setup(const std::string& extra = {})
    {
        std::filesystem::create_directories(dir);
        std::ofstream(file) << "# the test's node\nlisten = \"127.0.0.1\"\nport = " << port << "\ndata-dir = \""
                            << (dir / "data").string() << "\"\nsecret = \"" << test_secret
                            << "\"\nadmin-key = \"config-file-admin-key\"\n"
                            << extra;
    }
    ~config_setup()
    {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
};

} // namespace

TEST_CASE("a server started with --config listens where the file says and takes its other settings from it")
{
    config_setup setup("max-connections = 500\n");
    node_process node("config", {"--config", setup.file}, setup.port, false);
    node.start(); // checks that the "listening on" line names the file's port
    CHECK(http_request(setup.port, "/healthz").status == 200);
    // The admin key came from the file: the admin API is enabled with it.
    CHECK(call_api(setup.port, {.target = "/v1/admin/rooms", .bearer = "config-file-admin-key"}).status == 200);
    CHECK(call_api(setup.port, {.target = "/v1/admin/rooms", .bearer = "another-key"}).status == 401);
    // The data dir came from the file too.
    CHECK(std::filesystem::exists(setup.dir / "data" / "maptable.db"));
}

TEST_CASE("MAPTABLE_CONFIG names the file, and a flag still wins over it")
{
    config_setup setup;
    const auto flag_port = free_port();
    ::setenv("MAPTABLE_CONFIG", setup.file.c_str(), 1);
    node_process node("config-env", {}, flag_port); // the node passes --port
    node.start();
    ::unsetenv("MAPTABLE_CONFIG");
    CHECK(http_request(flag_port, "/healthz").status == 200);
    CHECK(call_api(flag_port, {.target = "/v1/admin/rooms", .bearer = "config-file-admin-key"}).status == 200);
}

TEST_CASE("a config file with a mistake stops the start, naming the file, the line and the key")
{
    config_setup setup("max-conections = 500\n");
    const auto result = run_server_command({"--config", setup.file});
    CHECK(result.status == 2);
    INFO(result.err);
    CHECK(contains(result.err, setup.file + ":7: max-conections: unknown setting"));
    CHECK(result.out.empty());
}
