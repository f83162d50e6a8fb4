// The `maptable network` commands, run as a real process against a real
// server: a network made from a terminal, read back through the admin API
// and shown by `network show`; an invitation it prints joins a room of the
// network in the role the network gives; refusals exit 1 with the reason.
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace maptable;
using namespace maptable::test;

namespace {

constexpr const char* admin_key = "network-cli-admin-key-0123";

struct run_result {
    int status = -1;
    std::string out;
    std::string err;
};

std::string read_all(int fd)
{
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return text;
}

// Runs the CLI with --url and --admin-key of server before args; waits for it.
run_result cli(const server_process& server, std::vector<std::string> args)
{
    args.insert(args.begin(), {MAPTABLE_CLI_BINARY, "--url", server.url(), "--admin-key", admin_key});
    int out[2], err[2];
    REQUIRE(::pipe(out) == 0);
    REQUIRE(::pipe(err) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err[1], STDERR_FILENO);
        for (int fd : {out[0], out[1], err[0], err[1]})
            ::close(fd);
        for (const char* name : {"MAPTABLE_URL", "MAPTABLE_TOKEN", "MAPTABLE_ROOM", "MAPTABLE_ADMIN_KEY"})
            ::unsetenv(name);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    run_result r;
    r.out = read_all(out[0]); // small outputs: stderr's pipe cannot fill meanwhile
    r.err = read_all(err[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

void ok(const run_result& r)
{
    REQUIRE_MESSAGE(r.status == 0, "exit " << r.status << "\nstdout: " << r.out << "\nstderr: " << r.err);
}

} // namespace

TEST_CASE("maptable network: create, add cities and rooms, plan, invite, show")
{
    server_process server({"--admin-key", admin_key});
    ok(cli(server,
           {"network", "create", "cli-net", "--title", "Rivers and people", "--languages", "en,de", "--starts-on",
            "2027-01-01", "--ends-on", "2028-12-31"}));
    ok(cli(server,
           {"network", "add-city", "cli-net", "porto", "--name", "Porto", "--country", "PT", "--position=-8.61,41.15",
            "--living-lab", "Douro banks"}));
    ok(cli(server,
           {"network", "add-city", "cli-net", "durban", "--name", "Durban", "--country", "ZA", "--position",
            "31.02,-29.86"}));
    const auto lab = cli(server,
                         {"network", "add-room", "cli-net", "porto-lab", "--title", "Douro banks", "--kind",
                          "living_lab", "--city", "porto"});
    ok(lab);
    CHECK(lab.out == "porto-lab\n");
    ok(cli(server,
           {"network", "add-room", "cli-net", "plenary", "--title", "Plenary", "--kind", "plenary", "--center", "0,20",
            "--zoom", "3"}));
    const auto planned = cli(server,
                             {"network", "plan-session", "cli-net", "--room", "plenary", "--title", "Kick-off",
                              "--starts", "1805101200000", "--ends", "1805108400000", "--time-zone", "Europe/Lisbon",
                              "--agenda", "Welcome", "--agenda", "Each city's question", "--session-id", "kickoff"});
    ok(planned);
    CHECK(planned.out == "kickoff\n");

    const auto shown = cli(server, {"network", "show", "cli-net"});
    ok(shown);
    CHECK(shown.out.find("network cli-net 'Rivers and people' 2027-01-01..2028-12-31") != std::string::npos);
    CHECK(shown.out.find("city porto Porto (PT)") != std::string::npos);
    CHECK(shown.out.find("city durban Durban (ZA)") != std::string::npos);
    CHECK(shown.out.find("room porto-lab living_lab of porto 'Douro banks'") != std::string::npos);
    CHECK(shown.out.find("room plenary plenary 'Plenary'") != std::string::npos);
    CHECK(shown.out.find("session kickoff in plenary 'Kick-off'") != std::string::npos);

    // The admin API says the same.
    const auto state =
        json_body(call_api(server.port(), {.target = "/v1/admin/networks/cli-net", .bearer = admin_key}));
    REQUIRE(state.is_object());
    CHECK(state.at("cities").as_array().size() == 2);
    CHECK(state.at("rooms").as_array().size() == 2);
    CHECK(state.at("sessions").as_array()[0].at("agenda").as_array().size() == 2);

    // An invitation of a Durban member: observer in Porto's lab, as the network sets.
    const auto token = cli(server,
                           {"network", "invite", "cli-net", "--role", "participant", "--name", "Thandi", "--city",
                            "durban", "--token-only"});
    ok(token);
    raw_client c(server.port());
    const auto welcome = c.join("porto-lab", token.out.substr(0, token.out.size() - 1));
    REQUIRE(welcome.has_welcome());
    CHECK(welcome.welcome().you().role() == pb::ROLE_OBSERVER);
    const auto link = cli(server, {"network", "invite", "cli-net", "--role", "facilitator", "--name", "Fac"});
    ok(link);
    CHECK(link.out.find("/#net=cli-net&token=") != std::string::npos);

    // Refusals: exit 1 with the code and reason; a wrong command line exits 2.
    const auto second_lab = cli(server,
                                {"network", "add-room", "cli-net", "porto-lab-2", "--title", "Again", "--kind",
                                 "living_lab", "--city", "porto"});
    CHECK(second_lab.status == 1);
    CHECK(second_lab.err.find("HTTP 409 LIVING_LAB_EXISTS") != std::string::npos);
    const auto unknown = cli(server, {"network", "show", "nowhere"});
    CHECK(unknown.status == 1);
    CHECK(unknown.err.find("NETWORK_NOT_FOUND") != std::string::npos);
    CHECK(cli(server, {"network", "add-city", "cli-net", "x"}).status == 2);
    CHECK(cli(server, {"network", "fly"}).status == 2);
}
