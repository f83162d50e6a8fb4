// The `maptable network` commands, run as a real process against a real
// server: a network made from a terminal, read back through the admin API
// and shown by `network show`; an invitation it prints joins a room of the
// network in the role the network gives; `network update` changes what it is
// given and nothing else; `network harvest` saves the report the server made,
// whose figures are what clients did in the network's rooms; refusals exit 1
// with the reason, a wrong command line exits 2.
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"
#include "utc_day.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace maptable;
using namespace maptable::test;

namespace {

namespace json = boost::json;

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

// Runs the CLI with exactly args (the binary first); waits for it.
run_result run_cli(std::vector<std::string> args)
{
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

// Runs the CLI with --url and --admin-key of server before args.
run_result cli(const server_process& server, std::vector<std::string> args)
{
    args.insert(args.begin(), {MAPTABLE_CLI_BINARY, "--url", server.url(), "--admin-key", admin_key});
    return run_cli(std::move(args));
}

// Runs the CLI with --url of server and --token token (no admin key) before args.
run_result cli_with_token(const server_process& server, const std::string& token, std::vector<std::string> args)
{
    args.insert(args.begin(), {MAPTABLE_CLI_BINARY, "--url", server.url(), "--token", token});
    return run_cli(std::move(args));
}

void ok(const run_result& r)
{
    REQUIRE_MESSAGE(r.status == 0, "exit " << r.status << "\nstdout: " << r.out << "\nstderr: " << r.err);
}

// The text's last line break taken off: a printed token as the server minted it.
std::string line_of(const std::string& text)
{
    return text.ends_with('\n') ? text.substr(0, text.size() - 1) : text;
}

json::value network_state(const server_process& server, const std::string& id)
{
    return json_body(call_api(server.port(), {.target = "/v1/admin/networks/" + id, .bearer = admin_key}));
}

// A directory of the test's own for the files the CLI writes, removed at the end.
struct scratch_dir {
    scratch_dir()
        : path(std::filesystem::temp_directory_path() /
               ("maptable-network-cli-" + std::to_string(::getpid()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count())))
    {
        std::filesystem::create_directories(path);
    }
    ~scratch_dir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    std::filesystem::path path;
};

std::string file_text(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The city of that id in a harvest's JSON bundle; null when it is not there.
const json::object* harvest_city(const json::value& bundle, const std::string& id)
{
    for (const auto& c : bundle.at("cities").as_array())
        if (c.at("city_id") == json::value(id))
            return &c.as_object();
    return nullptr;
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

TEST_CASE("maptable network update: changes what it is given, and nothing else; refusals in words")
{
    server_process server({"--admin-key", admin_key});
    ok(cli(server,
           {"network", "create", "upd-net", "--title", "Rivers and people", "--theme", "Water", "--languages", "en,de",
            "--starts-on", "2027-01-01", "--ends-on", "2028-12-31"}));

    const auto updated = cli(server,
                             {"network", "update", "upd-net", "--title", "Rivers, people and parks", "--languages",
                              "pt,en", "--ends-on", "2029-06-30", "--members-elsewhere", "participant"});
    ok(updated);
    CHECK(updated.out ==
          "network upd-net 'Rivers, people and parks' 2027-01-01..2029-06-30 (members elsewhere: participant)\n"
          "theme 'Water'\n"
          "languages pt en\n");

    // Read back through the admin API: the fields given changed, the others did not.
    auto state = network_state(server, "upd-net");
    REQUIRE(state.is_object());
    const auto& n = state.at("network").as_object();
    CHECK(n.at("title") == "Rivers, people and parks");
    CHECK(n.at("theme") == "Water");
    CHECK(n.at("languages") == json::array{"pt", "en"});
    CHECK(n.at("starts_on") == "2027-01-01");
    CHECK(n.at("ends_on") == "2029-06-30");
    CHECK(n.at("members_elsewhere") == "participant");
    // And through `network show`.
    const auto shown = cli(server, {"network", "show", "upd-net"});
    ok(shown);
    CHECK(shown.out.starts_with(updated.out));

    // An option given empty clears its field.
    ok(cli(server, {"network", "update", "upd-net", "--theme", "", "--languages", ""}));
    state = network_state(server, "upd-net");
    CHECK(state.at("network").at("theme") == "");
    CHECK(state.at("network").at("languages").as_array().empty());
    CHECK(state.at("network").at("title") == "Rivers, people and parks");

    // Bad input the server refuses: exit 1 with its code and its reason, and nothing changed.
    const auto backwards = cli(server, {"network", "update", "upd-net", "--ends-on", "2026-12-31"});
    CHECK(backwards.status == 1);
    CHECK(backwards.err.find("HTTP 400 INVALID_NETWORK: the network ends (2026-12-31) before it starts (2027-01-01)") !=
          std::string::npos);
    const auto no_day = cli(server, {"network", "update", "upd-net", "--starts-on", "2027-02-30"});
    CHECK(no_day.status == 1);
    CHECK(no_day.err.find("starts_on is a date written YYYY-MM-DD") != std::string::npos);
    const auto language = cli(server, {"network", "update", "upd-net", "--languages", "english"});
    CHECK(language.status == 1);
    CHECK(language.err.find("a language is a tag such as en, de or pt-BR") != std::string::npos);
    const auto unknown = cli(server, {"network", "update", "nowhere", "--title", "T"});
    CHECK(unknown.status == 1);
    CHECK(unknown.err.find("HTTP 404 NETWORK_NOT_FOUND") != std::string::npos);
    state = network_state(server, "upd-net");
    CHECK(state.at("network").at("starts_on") == "2027-01-01");
    CHECK(state.at("network").at("ends_on") == "2029-06-30");

    // A command line the CLI refuses itself: exit 2 with what to give.
    const auto nothing = cli(server, {"network", "update", "upd-net"});
    CHECK(nothing.status == 2);
    CHECK(nothing.err.find("network update needs something to change") != std::string::npos);
    const auto role = cli(server, {"network", "update", "upd-net", "--members-elsewhere", "everyone"});
    CHECK(role.status == 2);
    CHECK(role.err.find("--members-elsewhere 'everyone' is not a role a network gives") != std::string::npos);
    CHECK(cli(server, {"network", "update"}).status == 2);
}

TEST_CASE("maptable network harvest: the report saved to a file, its figures what the rooms did")
{
    server_process server({"--admin-key", admin_key});
    ok(cli(server, {"network", "create", "harv-net", "--title", "Harbours", "--theme", "Waterfronts"}));
    ok(cli(server,
           {"network", "add-city", "harv-net", "porto", "--name", "Porto", "--country", "PT", "--position=-8.61,41.15",
            "--living-lab", "Douro banks"}));
    ok(cli(server,
           {"network", "add-city", "harv-net", "durban", "--name", "Durban", "--country", "ZA", "--position",
            "31.02,-29.86"}));
    ok(cli(server,
           {"network", "add-room", "harv-net", "porto-lab", "--title", "Douro banks", "--kind", "living_lab", "--city",
            "porto", "--center=-8.61,41.15", "--zoom", "13"}));
    ok(cli(server,
           {"network", "add-room", "harv-net", "durban-lab", "--title", "Golden mile", "--kind", "living_lab", "--city",
            "durban", "--center", "31.02,-29.86", "--zoom", "13"}));

    // Two people draw in Porto's living lab, one in Durban's; one chats.
    client ana(server.options("porto-lab", "ana", pb::ROLE_FACILITATOR));
    client rui(server.options("porto-lab", "rui"));
    client thandi(server.options("durban-lab", "thandi"));
    for (auto* c : {&ana, &rui, &thandi})
        join_or_fail(*c);
    REQUIRE(ana.add_feature(point_feature("ferry", -8.612, 41.141, "Ferry stop")).get().ok);
    REQUIRE(rui.add_feature(point_feature("steps", -8.615, 41.142, "Steep steps")).get().ok);
    REQUIRE(rui.send_chat("The steps need a handrail").get().ok);
    REQUIRE(thandi.add_feature(point_feature("pier", 31.04, -29.85, "Pier")).get().ok);

    scratch_dir dir;
    const auto json_file = dir.path / "harvest.json";
    const auto saved = cli(server, {"network", "harvest", "harv-net", "--format", "json", "--out", json_file.string()});
    ok(saved);
    CHECK(saved.out.empty());
    REQUIRE(std::filesystem::exists(json_file));
    json::error_code ec;
    const auto bundle = json::parse(file_text(json_file), ec);
    REQUIRE_MESSAGE(!ec, file_text(json_file));
    CHECK(bundle.at("type") == "maptable.harvest");
    CHECK(bundle.at("network").at("id") == "harv-net");
    CHECK(bundle.at("network").at("title") == "Harbours");
    CHECK(bundle.at("summary").at("cities").to_number<int>() == 2);
    CHECK(bundle.at("summary").at("rooms").to_number<int>() == 2);
    CHECK(bundle.at("summary").at("features_on_map").to_number<int>() == 3);
    CHECK(bundle.at("summary").at("participation").at("participants").to_number<int>() == 3);
    CHECK(bundle.at("summary").at("participation").at("messages").to_number<int>() == 1);
    const auto* porto = harvest_city(bundle, "porto");
    REQUIRE(porto);
    CHECK(porto->at("name") == "Porto");
    CHECK(porto->at("features_on_map").to_number<int>() == 2);
    CHECK(porto->at("participation").at("participants").to_number<int>() == 2);
    CHECK(porto->at("participation").at("features").to_number<int>() == 2);
    CHECK(porto->at("rooms").at(0).at("room_id") == "porto-lab");
    CHECK(porto->at("features").at("features").as_array().size() == 2);
    const auto* durban = harvest_city(bundle, "durban");
    REQUIRE(durban);
    CHECK(durban->at("features_on_map").to_number<int>() == 1);
    CHECK(durban->at("participation").at("participants").to_number<int>() == 1);
    CHECK(durban->at("features").at("features").at(0).at("properties").at("title") == "Pier");

    // Markdown for a range of days around today, with the admin key.
    const auto md_file = dir.path / "harvest.md";
    ok(cli(server,
           {"network", "harvest", "harv-net", "--from", utc_day(-1), "--to", utc_day(1), "--format", "md", "--out",
            md_file.string()}));
    const auto md = file_text(md_file);
    CAPTURE(md);
    CHECK(md.find("Harbours") != std::string::npos);
    CHECK(md.find("Porto") != std::string::npos);
    CHECK(md.find("Durban") != std::string::npos);
    CHECK(md.find("Golden mile") != std::string::npos);
    // A range before anything happened holds no features added and nobody.
    const auto before = cli(
        server, {"network", "harvest", "harv-net", "--from", "2020-01-01", "--to", "2020-01-31", "--format", "json"});
    ok(before);
    const auto empty_range = json::parse(before.out, ec);
    REQUIRE(!ec);
    CHECK(empty_range.at("summary").at("participation").at("participants").to_number<int>() == 0);
    CHECK(empty_range.at("summary").at("features_on_map").to_number<int>() == 0);

    // HTML (the default) with a network facilitator's invitation instead of the admin key.
    const auto facilitator =
        cli(server, {"network", "invite", "harv-net", "--role", "facilitator", "--name", "Fac", "--token-only"});
    ok(facilitator);
    const auto html_file = dir.path / "harvest.html";
    ok(cli_with_token(server, line_of(facilitator.out),
                      {"network", "harvest", "harv-net", "--out", html_file.string()}));
    const auto html = file_text(html_file);
    CHECK(html.find("<html") != std::string::npos);
    CHECK(html.find("Douro banks") != std::string::npos);
    CHECK(html.find("Golden mile") != std::string::npos);

    // Refused by the server: exit 1 with its reason, and no file left behind.
    const auto member = cli(
        server,
        {"network", "invite", "harv-net", "--role", "participant", "--name", "Rui", "--city", "porto", "--token-only"});
    ok(member);
    const auto refused_file = dir.path / "refused.html";
    const auto not_facilitator =
        cli_with_token(server, line_of(member.out), {"network", "harvest", "harv-net", "--out", refused_file.string()});
    CHECK(not_facilitator.status == 1);
    CHECK(not_facilitator.err.find("HTTP 403") != std::string::npos);
    CHECK(not_facilitator.err.find("the harvest is for the network's facilitators") != std::string::npos);
    const auto bad_day =
        cli(server, {"network", "harvest", "harv-net", "--from", "2027-02-30", "--out", refused_file.string()});
    CHECK(bad_day.status == 1);
    CHECK(bad_day.err.find("HTTP 400 from must be a day as YYYY-MM-DD") != std::string::npos);
    const auto backwards =
        cli(server, {"network", "harvest", "harv-net", "--from", "2027-03-02", "--to", "2027-03-01"});
    CHECK(backwards.status == 1);
    CHECK(backwards.err.find("is after to") != std::string::npos);
    const auto nowhere = cli(server, {"network", "harvest", "nowhere", "--out", refused_file.string()});
    CHECK(nowhere.status == 1);
    CHECK(nowhere.err.find("HTTP 404") != std::string::npos);
    CHECK(!std::filesystem::exists(refused_file));

    // Refused by the CLI itself: exit 2.
    const auto pdf = cli(server, {"network", "harvest", "harv-net", "--format", "pdf"});
    CHECK(pdf.status == 2);
    CHECK(pdf.err.find("--format 'pdf' is not a harvest format: give html, md or geojson") != std::string::npos);
    const auto no_credential = run_cli({MAPTABLE_CLI_BINARY, "--url", server.url(), "network", "harvest", "harv-net"});
    CHECK(no_credential.status == 2);
    CHECK(no_credential.err.find("network harvest needs the server's admin key") != std::string::npos);
}
