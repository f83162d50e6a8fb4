// The SDK over wss://: it joins a TLS server whose certificate it trusts, and
// refuses one it does not.
#include "http_probe.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <random>
#include <unistd.h>

using namespace maptable;
using namespace maptable::test;
namespace fs = std::filesystem;

namespace {

struct tls_files {
    fs::path dir;
    fs::path cert, key;
    tls_files()
    {
        std::random_device rd;
        dir =
            fs::temp_directory_path() / ("maptable-sdk-tls-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
        fs::create_directories(dir);
        cert = dir / "cert.pem";
        key = dir / "key.pem";
        write_self_signed_certificate(cert, key);
    }
    ~tls_files()
    {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }
};

client_options over_tls(const server_process& server, const std::string& room, const std::string& name,
                        const std::string& ca_file)
{
    auto o = server.options(room, name);
    o.url = "wss://localhost:" + std::to_string(server.port()) + "/v1/ws";
    o.ca_file = ca_file;
    return o;
}

} // namespace

TEST_CASE("the SDK joins and works over wss with a trusted certificate")
{
    tls_files files;
    server_process server({"--tls-cert", files.cert.string(), "--tls-key", files.key.string()});
    client ana(over_tls(server, "secure", "ana", files.cert.string()));
    client ben(over_tls(server, "secure", "ben", files.cert.string()));
    event_recorder ben_sees(ben);
    join_or_fail(ana);
    join_or_fail(ben);
    auto said = ana.send_chat("over TLS").get();
    REQUIRE(said.ok);
    REQUIRE(ben_sees.wait_for_seq(said.seq));
    CHECK(ben.replica().recent_chat().back().text() == "over TLS");

    // A dropped TLS connection resumes like a plain one.
    ana.drop_connection();
    auto again = ana.send_chat("after the drop").get();
    REQUIRE(again.ok);
    CHECK(again.seq == said.seq + 1);
}

TEST_CASE("the SDK refuses a server whose certificate it does not trust")
{
    tls_files files;
    tls_files other; // a different self-signed CA
    server_process server({"--tls-cert", files.cert.string(), "--tls-key", files.key.string()});
    client c(over_tls(server, "secure", "ana", other.cert.string()));
    auto r = c.connect().get();
    CHECK_FALSE(r.ok);
    CHECK(r.message.find("certificate") != std::string::npos);
}
