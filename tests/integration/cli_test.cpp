// Integration: the `maptable` command-line client, run as a real process
// (MAPTABLE_CLI_BINARY) against a real maptable-server on a free port, the
// way a person or a script would use it. Its stdout and stderr are captured
// and checked; GeoJSON is parsed with Boost.JSON.
#include "http_probe.hpp"
#include "server_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <future>
#include <map>
#include <mutex>
#include <poll.h>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace json = boost::json;
using maptable::test::event_recorder;
using maptable::test::join_or_fail;
using maptable::test::server_process;
namespace pb = maptable::v1;

namespace {

using environment = std::vector<std::pair<std::string, std::string>>;

// One run of the CLI with pipes on stdin, stdout and stderr. The test can
// type lines and wait for output, so that an interactive `join` is driven
// without sleeping. Every wait is bounded: a hung CLI fails the test instead
// of hanging it.
class cli_process {
public:
    // env is the whole MAPTABLE_* environment the CLI sees: the test's own
    // is removed, so that a developer's settings cannot leak in.
    // binary is the CLI unless a test runs the server itself (its start-up checks).
    explicit cli_process(std::vector<std::string> args, const environment& env = {},
                         const char* binary = MAPTABLE_CLI_BINARY)
    {
        int in[2], out[2], err[2];
        REQUIRE(::pipe(in) == 0);
        REQUIRE(::pipe(out) == 0);
        REQUIRE(::pipe(err) == 0);
        args.insert(args.begin(), binary);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(in[0], STDIN_FILENO);
            ::dup2(out[1], STDOUT_FILENO);
            ::dup2(err[1], STDERR_FILENO);
            for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
                ::close(fd);
            for (const char* name : {"MAPTABLE_URL", "MAPTABLE_TOKEN", "MAPTABLE_ROOM"})
                ::unsetenv(name);
            for (const auto& [name, value] : env)
                ::setenv(name.c_str(), value.c_str(), 1);
            std::vector<char*> argv;
            for (auto& a : args)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        ::close(err[1]);
        stdin_ = in[1];
        stdout_ = out[0];
        stderr_ = err[0];
        // A CLI that exits while we still type must not kill the test with SIGPIPE.
        std::signal(SIGPIPE, SIG_IGN);
    }

    ~cli_process()
    {
        close_stdin();
        for (int fd : {stdout_, stderr_})
            if (fd >= 0)
                ::close(fd);
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    void type(const std::string& line)
    {
        const std::string text = line + "\n";
        REQUIRE(::write(stdin_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    }

    void close_stdin()
    {
        if (stdin_ >= 0)
            ::close(std::exchange(stdin_, -1));
    }

    // Waits until stdout contains text; false after the timeout.
    bool wait_for_output(const std::string& text, std::chrono::seconds timeout = std::chrono::seconds(30))
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (out_.find(text) == std::string::npos) {
            if (std::chrono::steady_clock::now() >= deadline || !pump(deadline))
                return out_.find(text) != std::string::npos;
        }
        return true;
    }

    // Closes stdin, reads to the end and returns the exit status (-1 when the
    // CLI did not end in time or died of a signal).
    int wait_exit(std::chrono::seconds timeout = std::chrono::seconds(60))
    {
        close_stdin();
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (pump(deadline)) {}
        if (stdout_ >= 0 || stderr_ >= 0)
            return -1; // still open at the deadline: the destructor kills it
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    const std::string& out() const { return out_; }
    const std::string& err() const { return err_; }

private:
    // Reads what is there; false once both pipes are at their end or the
    // deadline has passed.
    bool pump(std::chrono::steady_clock::time_point deadline)
    {
        std::vector<pollfd> fds;
        for (int fd : {stdout_, stderr_})
            if (fd >= 0)
                fds.push_back(pollfd{fd, POLLIN, 0});
        if (fds.empty())
            return false;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0)
            return true; // timeout or EINTR: the caller checks the deadline
        for (const auto& p : fds) {
            if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buffer[4096];
            const auto n = ::read(p.fd, buffer, sizeof buffer);
            const bool is_out = p.fd == stdout_;
            if (n > 0)
                (is_out ? out_ : err_).append(buffer, static_cast<std::size_t>(n));
            else
                ::close(std::exchange(is_out ? stdout_ : stderr_, -1));
        }
        return true;
    }

    pid_t pid_ = -1;
    int stdin_ = -1, stdout_ = -1, stderr_ = -1;
    std::string out_, err_;
};

struct finished {
    int status;
    std::string out;
    std::string err;
};

// Runs a one-shot command with empty stdin.
finished run(std::vector<std::string> args, const environment& env = {})
{
    cli_process cli(std::move(args), env);
    const int status = cli.wait_exit();
    return {status, cli.out(), cli.err()};
}

std::vector<std::string> with(const server_process& server, const std::string& token, std::vector<std::string> command)
{
    std::vector<std::string> args = {"--url", server.url(), "--token", token};
    args.insert(args.end(), command.begin(), command.end());
    return args;
}

const json::object& feature_with_id(const json::object& collection, const std::string& id)
{
    for (const auto& f : collection.at("features").as_array())
        if (f.as_object().at("id").as_string() == id)
            return f.as_object();
    FAIL("no feature " << id << " in " << json::serialize(collection));
    throw; // not reached: FAIL throws
}

} // namespace

TEST_CASE("mark adds a marker, say a chat message; features, chat and export-geojson show them")
{
    server_process server;
    const auto ana = server.token("harbour", "Ana");

    // The room comes from the token's claim: no --room.
    const auto marked = run(with(server, ana,
                                 {"mark", "18.4231", "-33.9249", "Unsafe", "corner", "--category", "safety", "--colour",
                                  "#d7191c", "--description", "Dark after 7 pm"}));
    INFO("stderr: " << marked.err << "\nserver log:\n" << server.log());
    REQUIRE(marked.status == 0);
    std::smatch match;
    REQUIRE_MESSAGE(std::regex_match(marked.out, match, std::regex("(f-[0-9a-f]{12}) seq ([0-9]+)\n")),
                    "mark printed: " << marked.out);
    const std::string id = match[1];
    CHECK(match[2] == "1");

    const auto said = run(with(server, ana, {"say", "hello", "from the terminal"}));
    CHECK(said.status == 0);
    CHECK(said.err.empty());

    // Another participant, through the SDK, sees both.
    maptable::client ben(server.options("harbour", "Ben"));
    join_or_fail(ben);
    const auto state = ben.replica();
    REQUIRE(state.find_feature(id) != nullptr);
    CHECK(state.find_feature(id)->title() == "Unsafe corner");
    REQUIRE(state.recent_chat().size() == 1);
    CHECK(state.recent_chat().back().text() == "hello from the terminal");
    CHECK(state.recent_chat().back().author_name() == "Ana");

    const auto listed = run(with(server, ana, {"features"}));
    CHECK(listed.status == 0);
    CHECK(listed.out == id + " point 'Unsafe corner' at 18.4231,-33.9249 by Ana\n");

    const auto chat = run(with(server, ana, {"chat", "--limit", "5"}));
    CHECK(chat.status == 0);
    CHECK(chat.out == "[seq 2] Ana: hello from the terminal\n");

    const auto exported = run(with(server, ana, {"export-geojson"}));
    REQUIRE(exported.status == 0);
    json::error_code ec;
    const auto document = json::parse(exported.out, ec);
    REQUIRE_MESSAGE(!ec, "not JSON: " << exported.out);
    const auto& collection = document.as_object();
    CHECK(collection.at("type").as_string() == "FeatureCollection");
    CHECK(collection.at("maptable").as_object().at("room_id").as_string() == "harbour");
    CHECK(collection.at("maptable").as_object().at("seq").to_number<std::uint64_t>() == 2);
    REQUIRE(collection.at("features").as_array().size() == 1);
    const auto& feature = feature_with_id(collection, id);
    const auto& geometry = feature.at("geometry").as_object();
    CHECK(geometry.at("type").as_string() == "Point");
    CHECK(json::value_to<double>(geometry.at("coordinates").as_array()[0]) == 18.4231);
    CHECK(json::value_to<double>(geometry.at("coordinates").as_array()[1]) == -33.9249);
    const auto& props = feature.at("properties").as_object();
    CHECK(props.at("kind").as_string() == "point");
    CHECK(props.at("title").as_string() == "Unsafe corner");
    CHECK(props.at("category").as_string() == "safety");
    CHECK(props.at("colour").as_string() == "#d7191c");
    CHECK(props.at("description").as_string() == "Dark after 7 pm");
    CHECK(props.at("author_name").as_string() == "Ana");
}

TEST_CASE("url, token and room can come from the environment")
{
    server_process server;
    const environment env = {{"MAPTABLE_URL", server.url()},
                             {"MAPTABLE_TOKEN", server.token("harbour", "Ana")},
                             {"MAPTABLE_ROOM", "harbour"}};
    const auto said = run({"say", "set", "by", "the", "environment"}, env);
    INFO("stderr: " << said.err);
    CHECK(said.status == 0);
    const auto chat = run({"chat"}, env);
    CHECK(chat.status == 0);
    CHECK(chat.out == "[seq 1] Ana: set by the environment\n");
}

TEST_CASE("a bad token exits 1 with the server's error code and a readable reason on stderr")
{
    server_process server;

    SUBCASE("not a token at all")
    {
        const auto r = run({"--url", server.url(), "--token", "not-a-token", "--room", "harbour", "features"});
        CHECK(r.status == 1);
        CHECK(r.out.empty());
        CHECK(r.err.rfind("maptable: ERROR_CODE_TOKEN_INVALID: ", 0) == 0);
        CHECK(r.err.back() == '\n');
    }
    SUBCASE("a forged signature")
    {
        auto token = server.token("harbour", "Ana");
        token.back() = token.back() == 'A' ? 'B' : 'A';
        const auto r = run(with(server, token, {"say", "hello"}));
        CHECK(r.status == 1);
        CHECK(r.err.rfind("maptable: ERROR_CODE_TOKEN_INVALID: ", 0) == 0);
    }
    SUBCASE("a token for another room")
    {
        const auto wrong = run(with(server, server.token("harbour", "Ana"), {"--room", "riverside", "features"}));
        CHECK(wrong.status == 1);
        CHECK(wrong.err.rfind("maptable: ERROR_CODE_TOKEN_WRONG_ROOM: ", 0) == 0);
    }
}

TEST_CASE("an observer's mark is refused with exit 1 and PERMISSION_DENIED")
{
    server_process server;
    const auto r = run(with(server, server.token("harbour", "Obi", pb::ROLE_OBSERVER), {"mark", "1", "2", "Here"}));
    INFO("stderr: " << r.err);
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("maptable: ERROR_CODE_PERMISSION_DENIED: ", 0) == 0);
}

TEST_CASE("usage errors exit 2 without contacting a server")
{
    const std::string url = "ws://127.0.0.1:1/v1/ws"; // nothing listens there
    const environment env = {{"MAPTABLE_URL", url}, {"MAPTABLE_TOKEN", "x.e30.y"}, {"MAPTABLE_ROOM", "harbour"}};
    CHECK(run({}, env).status == 2);
    CHECK(run({"fly"}, env).status == 2);
    CHECK(run({"mark", "18.4"}, env).status == 2);
    CHECK(run({"mark", "east", "-33.9", "Somewhere"}, env).status == 2);
    CHECK(run({"say"}, env).status == 2);
    CHECK(run({"chat", "--limit", "0"}, env).status == 2);
    CHECK(run({"features", "--bogus"}, env).status == 2);
    CHECK(run({"features", "--room", "harbour"}, env).status == 2); // global options go before the command
    CHECK(run({"--url", url, "features"}).status == 2);             // no token anywhere
    const auto help = run({"--help"});
    CHECK(help.status == 0);
    CHECK(help.out.find("export-geojson") != std::string::npos);
}

TEST_CASE("a server that cannot be reached exits 1")
{
    const auto r = run({"--url", "ws://127.0.0.1:1/v1/ws", "--token", "x.e30.y", "--room", "harbour", "features"});
    CHECK(r.status == 1);
    CHECK(r.err.rfind("maptable: ", 0) == 0);
}

TEST_CASE("chat pages through the server's history when asked for more than the replica holds")
{
    server_process server;
    maptable::client ben(server.options("harbour", "Ben"));
    join_or_fail(ben);
    constexpr int posted = 210; // more than the 200 a room state keeps
    std::vector<std::future<maptable::command_result>> acks;
    for (int i = 1; i <= posted; ++i)
        acks.push_back(ben.send_chat("message " + std::to_string(i)));
    for (auto& ack : acks) {
        const auto result = ack.get();
        REQUIRE_MESSAGE(result.ok, pb::ErrorCode_Name(result.code) << ": " << result.message);
    }

    const auto ana = server.token("harbour", "Ana");
    const auto recent = run(with(server, ana, {"chat"})); // 20 by default, from the replica
    REQUIRE(recent.status == 0);
    CHECK(std::count(recent.out.begin(), recent.out.end(), '\n') == 20);
    CHECK(recent.out.rfind("[seq 191] Ben: message 191\n", 0) == 0);

    const auto older = run(with(server, ana, {"chat", "--limit", "205"}));
    INFO("stderr: " << older.err);
    REQUIRE(older.status == 0);
    CHECK(std::count(older.out.begin(), older.out.end(), '\n') == 205);
    CHECK(older.out.rfind("[seq 6] Ben: message 6\n[seq 7] Ben: message 7\n", 0) == 0);
    CHECK(older.out.find("[seq 210] Ben: message 210\n") ==
          older.out.size() - std::string("[seq 210] Ben: message 210\n").size());

    const auto everything = run(with(server, ana, {"chat", "--limit", "1000"}));
    REQUIRE(everything.status == 0);
    CHECK(std::count(everything.out.begin(), everything.out.end(), '\n') == posted);
}

TEST_CASE("join shows the room, then events, joins and leaves, and sends what is typed")
{
    server_process server;
    maptable::client ben(server.options("harbour", "Ben"));
    event_recorder ben_events(ben);
    join_or_fail(ben);
    const auto sent = ben.send_chat("before you came").get();
    REQUIRE_MESSAGE(sent.ok,
                    pb::ErrorCode_Name(sent.code) << ": " << sent.message << "\nserver log:\n"
                                                  << server.log());

    cli_process cli(with(server, server.token("harbour", "Ana"), {"join"}));
    INFO("stdout so far:\n" << cli.out() << "\nstderr:\n" << cli.err());

    REQUIRE(cli.wait_for_output("Type a line to chat"));
    CHECK(cli.out().find("Room 'harbour' (harbour) at seq 1: 0 features") != std::string::npos);
    CHECK(cli.out().find("Online: ") != std::string::npos);
    CHECK(cli.out().find("Ben (participant)") != std::string::npos);
    CHECK(cli.out().find("[seq 1] Ben: before you came") != std::string::npos);

    cli.type("hello from the terminal");
    REQUIRE(cli.wait_for_output("[seq 2] Ana: hello from the terminal\n"));
    CHECK(ben_events.wait_for_seq(2));

    REQUIRE(ben.send_chat("hi Ana").get().ok);
    REQUIRE(cli.wait_for_output("[seq 3] Ben: hi Ana\n"));

    cli.type("/mark 18.5 -33.95 Bus stop");
    REQUIRE(cli.wait_for_output("[seq 4] Ana added point 'Bus stop' (f-"));
    CHECK(cli.wait_for_output(") at 18.5,-33.95\n"));
    REQUIRE(ben_events.wait_for_seq(4));
    const auto replica = ben.replica();
    REQUIRE(replica.features().size() == 1);
    const std::string id = replica.features().begin()->first;

    cli.type("/note 18.51 -33.951 Ask about street lights");
    REQUIRE(cli.wait_for_output("[seq 5] Ana added note 'Ask about street lights'"));

    cli.type("/move " + id + " 18.6 -33.96");
    REQUIRE(cli.wait_for_output("[seq 6] Ana changed point 'Bus stop' (" + id + "): moved to 18.6,-33.96\n"));

    cli.type("/features");
    REQUIRE(cli.wait_for_output(id + " point 'Bus stop' at 18.6,-33.96 by Ana\n"));

    cli.type("/delete no-such-feature");
    REQUIRE(cli.wait_for_output("! ERROR_CODE_FEATURE_NOT_FOUND: "));

    {
        // Cursor presence is never printed; joins and leaves are.
        maptable::client carl(server.options("harbour", "Carl"));
        join_or_fail(carl);
        REQUIRE(cli.wait_for_output("* Carl joined\n"));
        carl.move_cursor(18.5, -33.95);
        ben.move_cursor(18.4, -33.9);
    }
    REQUIRE(cli.wait_for_output("* Carl left\n"));

    cli.type("/delete " + id);
    REQUIRE(cli.wait_for_output("[seq 7] Ana deleted point 'Bus stop' (" + id + ")\n"));

    CHECK(cli.wait_exit() == 0); // end of input leaves
    CHECK(cli.err().empty());
    CHECK(cli.out().find("18.4,-33.9") == std::string::npos);   // Ben's cursor
    CHECK(cli.out().find("* Ben joined") == std::string::npos); // listed as online already
}

TEST_CASE("join exits 0 on /quit and prints a control character in a message harmlessly")
{
    server_process server;
    maptable::client ben(server.options("harbour", "Ben"));
    join_or_fail(ben);
    REQUIRE(ben.send_chat("\x1b[2Jcleared?").get().ok);

    cli_process cli(with(server, server.token("harbour", "Ana"), {"join"}));
    INFO("stdout:\n" << cli.out() << "\nstderr:\n" << cli.err());
    REQUIRE(cli.wait_for_output("Type a line to chat"));
    cli.type("/quit");
    CHECK(cli.wait_exit() == 0);
    CHECK(cli.out().find('\x1b') == std::string::npos);
    CHECK(cli.out().find("[2Jcleared?") != std::string::npos);
}

TEST_CASE("join says when the server goes away, reconnects when it is back, and sends what was typed meanwhile")
{
    server_process server;
    cli_process cli(with(server, server.token("harbour", "Ana"), {"join"}));
    INFO("stdout:\n" << cli.out() << "\nstderr:\n" << cli.err());
    REQUIRE(cli.wait_for_output("Type a line to chat"));

    REQUIRE(server.stop() == 0); // the clients are closed with 1001
    REQUIRE(cli.wait_for_output("* connection lost; reconnecting"));
    cli.type("typed while the server was down");

    server.start(); // same port, same data
    REQUIRE(cli.wait_for_output("* reconnected\n"));
    REQUIRE(cli.wait_for_output("[seq 1] Ana: typed while the server was down\n"));

    maptable::client ben(server.options("harbour", "Ben"));
    event_recorder ben_events(ben);
    join_or_fail(ben);
    REQUIRE(ben.send_chat("welcome back").get().ok);
    REQUIRE(cli.wait_for_output("[seq 2] Ben: welcome back\n"));
    cli.type("/quit");
    CHECK(cli.wait_exit() == 0);
    CHECK(cli.err().empty());
}

// ---------------------------------------------------------------- facilitation commands

namespace {

void require_ok(const maptable::command_result& r, const char* what)
{
    REQUIRE_MESSAGE(r.ok, what << ": " << pb::ErrorCode_Name(r.code) << ": " << r.message);
}

// The CLI refused with the server's code: exit 1, "maptable: ERROR_CODE_X: ..." on stderr.
void check_refused(const finished& r, const std::string& code)
{
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.status == 1);
    CHECK(r.err.rfind("maptable: " + code + ": ", 0) == 0);
}

// A usage error: exit 2 and a reason on stderr that contains `says`.
void check_usage(const finished& r, const std::string& says)
{
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(says) != std::string::npos);
    CHECK(r.out.empty());
}

std::string write_file(const server_process& server, const std::string& name, const std::string& text)
{
    const auto path = (server.data_dir() / name).string();
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return path;
}

} // namespace

TEST_CASE("comment starts threads on a feature and at a place, and replies; bad anchors are refused")
{
    server_process server;
    maptable::client ben(server.options("harbour", "Ben"));
    event_recorder ben_events(ben);
    join_or_fail(ben);
    require_ok(ben.add_feature(maptable::test::point_feature("f-stop", 18.42, -33.92, "Bus stop")).get(), "feature");
    const auto ana = server.token("harbour", "Ana");

    const auto on = run(with(server, ana, {"comment", "on", "f-stop", "Needs", "a", "shelter"}));
    INFO("stderr: " << on.err);
    REQUIRE(on.status == 0);
    std::smatch match;
    REQUIRE_MESSAGE(std::regex_match(on.out, match, std::regex("(t-[0-9a-f]{12}) seq ([0-9]+)\n")), on.out);
    const std::string thread = match[1];

    const auto at =
        run(with(server, ana, {"comment", "at", "18.5", "-33.95", "Dark", "corner", "--thread", "t-corner"}));
    REQUIRE(at.status == 0);
    CHECK(at.out.rfind("t-corner seq ", 0) == 0);

    const auto reply = run(with(server, server.token("harbour", "Cleo"), {"comment", "reply", thread, "Agreed"}));
    REQUIRE(reply.status == 0);
    CHECK(reply.out.empty());

    REQUIRE(ben_events.wait_for_seq(4));
    const auto state = ben.replica();
    const auto* on_stop = state.find_thread(thread);
    REQUIRE(on_stop != nullptr);
    CHECK(on_stop->feature_id() == "f-stop");
    REQUIRE(on_stop->comments_size() == 2);
    CHECK(on_stop->comments(0).text() == "Needs a shelter");
    CHECK(on_stop->comments(0).author_name() == "Ana");
    CHECK(on_stop->comments(1).text() == "Agreed");
    CHECK(on_stop->comments(1).author_name() == "Cleo");
    const auto* corner = state.find_thread("t-corner");
    REQUIRE(corner != nullptr);
    CHECK(corner->feature_id().empty());
    CHECK(corner->position().lon() == 18.5);
    CHECK(corner->position().lat() == -33.95);

    check_refused(run(with(server, ana, {"comment", "on", "f-nowhere", "Hello"})), "ERROR_CODE_FEATURE_NOT_FOUND");
    check_refused(run(with(server, ana, {"comment", "reply", "t-nothing", "Hello"})), "ERROR_CODE_THREAD_NOT_FOUND");
    check_refused(run(with(server, ana, {"comment", "at", "18.5", "-33.95", "Again", "--thread", "t-corner"})),
                  "ERROR_CODE_THREAD_EXISTS");
    check_usage(run(with(server, ana, {"comment", "at", "east", "-33.9", "Hello"})), "longitude 'east'");
    check_usage(run(with(server, ana, {"comment", "on", "f-stop"})), "usage: maptable comment");
    check_usage(run(with(server, ana, {"comment", "under", "f-stop", "text"})), "usage: maptable comment");
}

TEST_CASE("react adds and takes back a reaction; a message that is not there is refused")
{
    server_process server;
    maptable::client ben(server.options("harbour", "Ben"));
    event_recorder ben_events(ben);
    join_or_fail(ben);
    const auto posted = ben.send_chat("Shall we start?").get();
    require_ok(posted, "chat");
    const auto ana = server.token("harbour", "Ana");
    const auto seq = std::to_string(posted.seq);

    const auto reacted = run(with(server, ana, {"react", seq, "+1"}));
    INFO("stderr: " << reacted.err);
    REQUIRE(reacted.status == 0);
    REQUIRE(ben_events.wait_for_seq(posted.seq + 1));
    const auto state = ben.replica();
    const auto* message = state.find_chat(posted.seq);
    REQUIRE(message != nullptr);
    REQUIRE(message->reactions_size() == 1);
    CHECK(message->reactions(0).emoji() == "+1");
    CHECK(message->reactions(0).participant_ids(0) == "Ana"); // the harness uses the name as the id

    REQUIRE(run(with(server, ana, {"react", seq, "+1", "--remove"})).status == 0);
    REQUIRE(ben_events.wait_for_seq(posted.seq + 2));
    CHECK(ben.replica().find_chat(posted.seq)->reactions_size() == 0);

    check_refused(run(with(server, ana, {"react", "999", "+1"})), "ERROR_CODE_MESSAGE_NOT_FOUND");
    check_refused(run(with(server, ana, {"react", seq, "two words"})), "ERROR_CODE_INVALID_REACTION");
    check_usage(run(with(server, ana, {"react", "first", "+1"})), "message seq 'first' is not a whole number");
    check_usage(run(with(server, ana, {"react", seq})), "usage: maptable react");
}

TEST_CASE("lock, mute and remove: a facilitator moderates from the terminal, a participant may not")
{
    server_process server;
    maptable::client ben(server.options("harbour", "Ben"));
    event_recorder ben_events(ben);
    std::promise<maptable::close_info> ben_closed;
    ben.on_closed([&](const maptable::close_info& info) { ben_closed.set_value(info); });
    join_or_fail(ben);
    const auto ana = server.token("harbour", "Ana", pb::ROLE_FACILITATOR);

    const auto locked = run(with(server, ana, {"lock", "--map", "locked", "--chat", "facilitators"}));
    INFO("stderr: " << locked.err);
    REQUIRE(locked.status == 0);
    REQUIRE(ben_events.wait_for_seq(1));
    CHECK(ben.replica().data().settings.map_locked());
    CHECK(ben.replica().data().settings.chat() == pb::AUDIENCE_FACILITATORS);
    CHECK(ben.add_feature(maptable::test::point_feature("f-1", 1, 2)).get().code == pb::ERROR_CODE_LOCKED);
    CHECK(ben.send_chat("can I talk?").get().code == pb::ERROR_CODE_LOCKED);

    REQUIRE(run(with(server, ana, {"lock", "--map", "open", "--chat", "default"})).status == 0);
    REQUIRE(ben_events.wait_for_seq(2));
    require_ok(ben.send_chat("now I can").get(), "chat after the unlock");

    REQUIRE(run(with(server, ana, {"mute", "Ben", "--reason", "shouting"})).status == 0);
    CHECK(ben.send_chat("hello?").get().code == pb::ERROR_CODE_MUTED);
    REQUIRE(run(with(server, ana, {"mute", "Ben", "--undo"})).status == 0);
    require_ok(ben.send_chat("thanks").get(), "chat after the unmute");

    // A participant may not moderate.
    const auto cleo = server.token("harbour", "Cleo");
    check_refused(run(with(server, cleo, {"lock", "--map", "locked"})), "ERROR_CODE_PERMISSION_DENIED");
    check_refused(run(with(server, cleo, {"mute", "Ben"})), "ERROR_CODE_PERMISSION_DENIED");

    REQUIRE(run(with(server, ana, {"remove", "Ben", "--reason", "asked to leave"})).status == 0);
    auto closed = ben_closed.get_future();
    REQUIRE(closed.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK(closed.get().code == 1008);
    CHECK(ben.state() == maptable::connection_state::closed);
    // With a fresh token too: the participant id is out of the room.
    check_refused(run(with(server, server.token("harbour", "Ben"), {"say", "I am back"})),
                  "ERROR_CODE_PARTICIPANT_REMOVED");

    check_usage(run(with(server, ana, {"lock"})), "lock needs at least one of");
    check_usage(run(with(server, ana, {"lock", "--map", "maybe"})), "--map 'maybe' must be locked or open");
    check_usage(run(with(server, ana, {"lock", "--chat", "friends"})), "--chat 'friends' is not an audience");
    check_usage(run(with(server, ana, {"mute"})), "usage: maptable mute");
    check_usage(run(with(server, ana, {"remove", "a", "b"})), "usage: maptable remove");
}

TEST_CASE("agenda, timer and hands from the terminal; the agenda step's view reaches the SDK")
{
    server_process server;
    maptable::client ben(server.options("harbour", "Ben"));
    event_recorder ben_events(ben);
    std::mutex views_mutex;
    std::condition_variable views_changed;
    std::vector<pb::Viewport> views;
    ben.on_view_request([&](const pb::Viewport& v) {
        std::lock_guard lock(views_mutex);
        views.push_back(v);
        views_changed.notify_all();
    });
    join_or_fail(ben);
    const auto ana = server.token("harbour", "Ana", pb::ROLE_FACILITATOR);

    const auto agenda = write_file(server, "agenda.json", R"({"steps": [
        {"id": "intro", "title": "Welcome", "prompt": "Who are you?"},
        {"id": "walk", "title": "The harbour walk", "view": {"center": {"lon": 18.43, "lat": -33.91}, "zoom": 15},
         "timer_seconds": 600}]})");
    const auto set = run(with(server, ana, {"agenda", "set", agenda}));
    INFO("stderr: " << set.err);
    REQUIRE(set.status == 0);
    REQUIRE(run(with(server, ana, {"agenda", "open", "walk"})).status == 0);
    REQUIRE(ben_events.wait_for_seq(2));
    auto state = ben.replica();
    REQUIRE(state.data().agenda.size() == 2);
    CHECK(state.data().agenda[1].prompt().empty());
    CHECK(state.data().agenda[0].prompt() == "Who are you?");
    CHECK(state.data().agenda[1].timer_seconds() == 600);
    CHECK(state.data().current_step == "walk");
    {
        std::unique_lock lock(views_mutex);
        REQUIRE(views_changed.wait_for(lock, std::chrono::seconds(30), [&] { return !views.empty(); }));
        CHECK(views.size() == 1);
        CHECK(views.front().south_west().lon() == 18.43);
        CHECK(views.front().north_east().lat() == -33.91);
        CHECK(views.front().zoom() == 15);
    }

    std::uint64_t seq = 2; // the agenda and its open step
    REQUIRE(run(with(server, ana, {"timer", "start", "5m"})).status == 0);
    REQUIRE(ben_events.wait_for_seq(++seq));
    CHECK(ben.replica().data().timer.running());
    CHECK(ben.replica().data().timer.duration_ms() == 300000);
    CHECK(ben.timer_remaining_ms() > 0);
    CHECK(ben.timer_remaining_ms() <= 300000);
    REQUIRE(run(with(server, ana, {"timer", "pause"})).status == 0);
    REQUIRE(ben_events.wait_for_seq(++seq));
    CHECK_FALSE(ben.replica().data().timer.running());
    // Paused: what is left no longer runs down.
    CHECK(ben.timer_remaining_ms() == ben.replica().data().timer.remaining_ms());
    check_refused(run(with(server, ana, {"timer", "pause"})), "ERROR_CODE_INVALID_TIMER");
    REQUIRE(run(with(server, ana, {"timer", "reset"})).status == 0);
    REQUIRE(ben_events.wait_for_seq(++seq));
    CHECK(ben.replica().data().timer.remaining_ms() == 300000);

    const auto cleo = server.token("harbour", "Cleo");
    REQUIRE(run(with(server, cleo, {"hand", "raise"})).status == 0);
    REQUIRE(ben_events.wait_for_seq(++seq));
    REQUIRE(ben.replica().data().hands.size() == 1);
    CHECK(ben.replica().data().hands.front().participant_id() == "Cleo");
    check_refused(run(with(server, cleo, {"hand", "next"})), "ERROR_CODE_PERMISSION_DENIED");
    REQUIRE(run(with(server, ana, {"hand", "next"})).status == 0);
    REQUIRE(ben_events.wait_for_seq(++seq));
    CHECK(ben.replica().data().hands.empty());
    CHECK(ben.replica().data().speaking.participant_id() == "Cleo");

    check_refused(run(with(server, ana, {"agenda", "open", "lunch"})), "ERROR_CODE_STEP_NOT_FOUND");
    check_refused(run(with(server, cleo, {"agenda", "open", "intro"})), "ERROR_CODE_PERMISSION_DENIED");
    check_usage(run(with(server, ana, {"agenda", "set", (server.data_dir() / "missing.json").string()})),
                "cannot read the agenda file");
    check_usage(run(with(server, ana, {"agenda", "set", write_file(server, "bad.json", "{\"steps\": 3}")})),
                "is not an agenda");
    check_usage(run(with(server, ana, {"timer", "start", "soon"})), "duration 'soon' is not one");
    check_usage(run(with(server, ana, {"timer", "stop"})), "usage: maptable timer");
    check_usage(run(with(server, ana, {"hand", "wave"})), "usage: maptable hand");
}

TEST_CASE("vote open, dot, undot, results and close from the terminal")
{
    server_process server;
    maptable::client ben(server.options("harbour", "Ben"));
    event_recorder ben_events(ben);
    join_or_fail(ben);
    require_ok(ben.add_feature(maptable::test::point_feature("f-park", 18.42, -33.92, "Pocket park")).get(), "park");
    require_ok(ben.add_feature(maptable::test::point_feature("f-lamp", 18.43, -33.93, "Street lamp")).get(), "lamp");
    const auto ana = server.token("harbour", "Ana", pb::ROLE_FACILITATOR);
    const auto cleo = server.token("harbour", "Cleo");

    const auto opened = run(with(server, ana, {"vote", "open", "first", "What", "first?", "--dots", "2"}));
    INFO("stderr: " << opened.err);
    REQUIRE(opened.status == 0);
    REQUIRE(run(with(server, cleo, {"vote", "dot", "first", "f-park"})).status == 0);
    REQUIRE(run(with(server, cleo, {"vote", "dot", "first", "f-park"})).status == 0);
    check_refused(run(with(server, cleo, {"vote", "dot", "first", "f-lamp"})), "ERROR_CODE_NO_DOTS_LEFT");
    REQUIRE(run(with(server, cleo, {"vote", "undot", "first", "f-park"})).status == 0);
    REQUIRE(run(with(server, cleo, {"vote", "dot", "first", "f-lamp"})).status == 0);
    check_refused(run(with(server, ana, {"vote", "undot", "first", "f-lamp"})), "ERROR_CODE_NO_DOT_TO_REMOVE");
    require_ok(ben.place_dot("first", "f-lamp").get(), "Ben's dot");

    const auto live = run(with(server, ana, {"vote", "results", "first"}));
    REQUIRE(live.status == 0);
    CHECK(live.out == "first 'What first?': open, 2 dots each\n  2 f-lamp 'Street lamp'\n  1 f-park 'Pocket park'\n");

    const auto closed = run(with(server, ana, {"vote", "close", "first"}));
    REQUIRE(closed.status == 0);
    CHECK(closed.out ==
          "first 'What first?': closed, 2 dots each\n  2 f-lamp 'Street lamp'\n  1 f-park 'Pocket park'\n");
    REQUIRE(ben_events.wait_until([&] { return ben.replica().find_vote("first")->closed(); }));
    check_refused(run(with(server, cleo, {"vote", "dot", "first", "f-park"})), "ERROR_CODE_VOTE_CLOSED");
    check_refused(run(with(server, cleo, {"vote", "open", "second", "Again"})), "ERROR_CODE_PERMISSION_DENIED");
    check_refused(run(with(server, ana, {"vote", "results", "nothing"})), "ERROR_CODE_VOTE_NOT_FOUND");
    check_refused(run(with(server, ana, {"vote", "open", "first", "Again"})), "ERROR_CODE_VOTE_EXISTS");
    check_usage(run(with(server, ana, {"vote", "open", "only-an-id"})), "usage: maptable vote");
    check_usage(run(with(server, ana, {"vote", "dot", "first"})), "usage: maptable vote");
    check_usage(run(with(server, ana, {"vote", "tally"})), "usage: maptable vote");
}

TEST_CASE("session start and end; state-at prints the room as it was at a seq")
{
    server_process server;
    const auto ana = server.token("harbour", "Ana", pb::ROLE_FACILITATOR);
    REQUIRE(run(with(server, ana, {"say", "before the session"})).status == 0);
    const auto started = run(with(server, ana, {"session", "start", "Evening", "workshop"}));
    INFO("stderr: " << started.err);
    REQUIRE(started.status == 0);
    CHECK(started.out == "session 2\n");
    check_refused(run(with(server, ana, {"session", "start", "Another"})), "ERROR_CODE_SESSION_RUNNING");
    REQUIRE(run(with(server, ana, {"say", "during the session"})).status == 0);
    REQUIRE(run(with(server, ana, {"session", "end"})).status == 0);
    check_refused(run(with(server, ana, {"session", "end"})), "ERROR_CODE_NO_SESSION");

    maptable::client ben(server.options("harbour", "Ben"));
    join_or_fail(ben);
    const auto state = ben.replica();
    REQUIRE(state.data().sessions.size() == 1);
    CHECK(state.data().sessions[0].title() == "Evening workshop");
    CHECK(state.data().sessions[0].ended_ms() != 0);
    CHECK(state.recent_chat().back().session_id() == 2);

    const auto at_one = run(with(server, ana, {"state-at", "--seq", "1"}));
    REQUIRE(at_one.status == 0);
    json::error_code ec;
    const auto document = json::parse(at_one.out, ec);
    REQUIRE_MESSAGE(!ec, "not JSON: " << at_one.out);
    CHECK(document.at("seq").as_string() == "1"); // uint64 in protobuf's JSON mapping is a string
    CHECK(document.at("recent_chat").as_array().size() == 1);
    CHECK(document.as_object().if_contains("sessions") == nullptr);

    const auto as_geojson = run(with(server, ana, {"state-at", "--seq", "3", "--geojson"}));
    REQUIRE(as_geojson.status == 0);
    CHECK(json::parse(as_geojson.out).at("maptable").at("seq").to_number<int>() == 3);

    check_refused(run(with(server, ana, {"state-at", "--seq", "99"})), "ERROR_CODE_SEQ_OUT_OF_RANGE");
    check_usage(run(with(server, ana, {"state-at"})), "state-at needs --seq N or --time UNIX_MS");
    check_usage(run(with(server, ana, {"state-at", "--seq", "1", "--time", "5"})), "state-at needs --seq N or --time");
    check_usage(run(with(server, ana, {"session", "pause"})), "usage: maptable session");
    check_usage(run(with(server, ana, {"session", "start"})), "usage: maptable session");
}

TEST_CASE("admin create-room and invite, then export over HTTP with the admin key or a facilitator's token")
{
    constexpr const char* key = "cli-admin-key-0123456789";
    server_process server({"--admin-key", key});
    const environment admin = {{"MAPTABLE_URL", server.url()}, {"MAPTABLE_ADMIN_KEY", key}};

    const auto created = run({"admin", "create-room", "harbour-lab", "--title", "Harbour lab", "--center=18.42,-33.92",
                              "--zoom", "13", "--city", "Cape Town"},
                             admin);
    INFO("stderr: " << created.err << "\nserver log:\n" << server.log());
    REQUIRE(created.status == 0);
    CHECK(created.out == "harbour-lab\n");
    {
        const auto again =
            run({"admin", "create-room", "harbour-lab", "--title", "Again", "--center", "1,2", "--zoom", "3"}, admin);
        CHECK(again.status == 1);
        CHECK(again.err.rfind("maptable: HTTP 409: ", 0) == 0);
    }

    const auto link =
        run({"--room", "harbour-lab", "admin", "invite", "--role", "participant", "--name", "Ben"}, admin);
    REQUIRE(link.status == 0);
    CHECK(link.out.find("#room=harbour-lab&token=") != std::string::npos);
    const auto minted = run(
        {"--room", "harbour-lab", "admin", "invite", "--role", "facilitator", "--name", "Ana", "--token-only"}, admin);
    REQUIRE(minted.status == 0);
    const std::string ana = minted.out.substr(0, minted.out.find('\n'));
    CHECK(link.out.find(ana) == std::string::npos); // a fresh token each time

    // The minted token joins: the room comes from its claim.
    const auto marked = run(with(server, ana, {"mark", "18.421", "-33.921", "Ferry", "stop"}));
    REQUIRE(marked.status == 0);
    const std::string feature = marked.out.substr(0, marked.out.find(' '));

    const auto by_key = run({"--room", "harbour-lab", "export", "geojson"}, admin);
    REQUIRE(by_key.status == 0);
    const auto collection = json::parse(by_key.out);
    REQUIRE(collection.at("features").as_array().size() == 1);
    CHECK(collection.at("features").as_array()[0].at("properties").at("title").as_string() == "Ferry stop");

    const auto report_file = (server.data_dir() / "report.md").string();
    const auto by_token = run(with(server, ana, {"export", "report", "--output", report_file}));
    REQUIRE(by_token.status == 0);
    CHECK(by_token.out.empty());
    std::FILE* f = std::fopen(report_file.c_str(), "r");
    REQUIRE(f != nullptr);
    std::string report(1 << 16, '\0');
    report.resize(std::fread(report.data(), 1, report.size(), f));
    std::fclose(f);
    CHECK(report.find("Harbour lab") != std::string::npos);

    const auto csv = run(with(server, ana, {"say", "hello"}));
    REQUIRE(csv.status == 0);
    const auto chat = run(with(server, ana, {"export", "chat-csv"}));
    REQUIRE(chat.status == 0);
    CHECK(chat.out.find("hello") != std::string::npos);

    // Invited people have generated ids: `who` lists them, and mute takes a name.
    const auto ben_invite = run(
        {"--room", "harbour-lab", "admin", "invite", "--role", "participant", "--name", "Ben", "--token-only"}, admin);
    REQUIRE(ben_invite.status == 0);
    maptable::client ben_online(
        {.url = server.url(), .room_id = "harbour-lab", .token = ben_invite.out.substr(0, ben_invite.out.find('\n'))});
    join_or_fail(ben_online);
    const auto ben_id = ben_online.me().id();
    CHECK(ben_id != "Ben");
    const auto who = run(with(server, ana, {"who"}));
    REQUIRE(who.status == 0);
    CHECK(who.out.find(ben_id + " Ben (participant)\n") != std::string::npos);
    REQUIRE(run(with(server, ana, {"mute", "Ben", "--reason", "testing"})).status == 0);
    CHECK(ben_online.send_chat("anyone?").get().code == pb::ERROR_CODE_MUTED);
    {
        // A second invited "Ben", with an id of his own: the name no longer says who.
        const auto second =
            run({"--room", "harbour-lab", "admin", "invite", "--role", "participant", "--name", "Ben", "--token-only"},
                admin);
        REQUIRE(second.status == 0);
        maptable::client other_ben(
            {.url = server.url(), .room_id = "harbour-lab", .token = second.out.substr(0, second.out.find('\n'))});
        join_or_fail(other_ben);
        check_usage(run(with(server, ana, {"mute", "Ben", "--undo"})), "several people online are called 'Ben'");
    }
    REQUIRE(run(with(server, ana, {"mute", ben_id, "--undo"})).status == 0);
    require_ok(ben_online.send_chat("thanks").get(), "chat after the unmute");

    // Refusals: a participant's token, a wrong key, a room that does not exist.
    const auto ben = server.token("harbour-lab", "Ben");
    const auto forbidden = run(with(server, ben, {"export", "geojson"}));
    CHECK(forbidden.status == 1);
    CHECK(forbidden.err.rfind("maptable: HTTP 403: ", 0) == 0);
    const auto wrong_key = run({"--admin-key", "not-the-key", "--room", "harbour-lab", "admin", "invite", "--role",
                                "observer", "--name", "Obi"},
                               {{"MAPTABLE_URL", server.url()}});
    CHECK(wrong_key.status == 1);
    CHECK(wrong_key.err.rfind("maptable: HTTP 401: ", 0) == 0);
    (void)feature;

    check_usage(run({"admin", "create-room", "x", "--title", "T", "--center", "1,2"}, admin),
                "usage: maptable admin create-room");
    check_usage(run({"admin", "create-room", "x", "--title", "T", "--center", "north", "--zoom", "3"}, admin),
                "--center 'north' is not a position");
    check_usage(run({"--room", "harbour-lab", "admin", "invite", "--role", "king", "--name", "Ben"}, admin),
                "--role 'king' is not a role");
    check_usage(run({"admin", "rooms"}, admin),
                "admin has no command 'rooms'; it has create-room, room-info and invite");
    check_usage(run({"admin", "invite", "--role", "observer", "--name", "Obi"}, admin), "no room");
    check_usage(run({"--room", "harbour-lab", "admin", "invite", "--role", "observer", "--name", "Obi"},
                    {{"MAPTABLE_URL", server.url()}}),
                "admin needs the server's admin key");
    check_usage(run({"--room", "harbour-lab", "export", "pdf"}, admin), "usage: maptable export");
    check_usage(run({"--room", "harbour-lab", "export", "geojson"}, {{"MAPTABLE_URL", server.url()}}),
                "export needs a facilitator's join token");
}

TEST_CASE("admin room-info shows a room and sets its time zone, network, kind and city; bad values are refused")
{
    constexpr const char* key = "cli-admin-key-0123456789";
    server_process server({"--admin-key", key});
    const environment admin = {{"MAPTABLE_URL", server.url()}, {"MAPTABLE_ADMIN_KEY", key}};
    const auto created = run({"admin", "create-room", "plaza", "--title", "Plaza", "--center", "-9.14,38.71", "--zoom",
                              "14", "--time-zone", "Europe/Lisbon"},
                             admin);
    INFO("stderr: " << created.err << "\nserver log:\n" << server.log());
    REQUIRE(created.status == 0);

    // Without options it shows the room as the admin API has it.
    const auto shown = run({"--room", "plaza", "admin", "room-info"}, admin);
    REQUIRE(shown.status == 0);
    const auto before = json::parse(shown.out);
    CHECK(before.at("id") == "plaza");
    CHECK(before.at("time_zone") == "Europe/Lisbon");
    CHECK(before.at("kind") == "");

    // A participant who is in the room sees each change in the replica.
    maptable::client ben(server.options("plaza", "ben"));
    join_or_fail(ben);
    CHECK(ben.replica().info().time_zone() == "Europe/Lisbon");
    event_recorder ben_sees(ben);
    const auto changed = run({"--room", "plaza", "admin", "room-info", "--time-zone", "Africa/Johannesburg", "--kind",
                              "consultation", "--network", "safe-spaces", "--city-id", "lisbon"},
                             admin);
    REQUIRE(changed.status == 0);
    const auto after = json::parse(changed.out);
    CHECK(after.at("time_zone") == "Africa/Johannesburg");
    CHECK(after.at("kind") == "consultation");
    CHECK(after.at("network_id") == "safe-spaces");
    CHECK(after.at("city_id") == "lisbon");
    CHECK(after.at("title") == "Plaza"); // not given: unchanged
    REQUIRE(ben_sees.wait_for_seq(after.at("seq").to_number<std::uint64_t>()));
    CHECK(ben.replica().info().time_zone() == "Africa/Johannesburg");
    CHECK(ben.replica().info().kind() == pb::ROOM_KIND_CONSULTATION);

    // "" unsets the zone.
    const auto unset = run({"--room", "plaza", "admin", "room-info", "--time-zone", ""}, admin);
    REQUIRE(unset.status == 0);
    CHECK(json::parse(unset.out).at("time_zone") == "");

    // The server's refusals exit 1 with its reason; usage errors exit 2.
    const auto bad_zone = run({"--room", "plaza", "admin", "room-info", "--time-zone", "Lisbon/Summer time"}, admin);
    CHECK(bad_zone.status == 1);
    CHECK(bad_zone.err.rfind("maptable: HTTP 400: ", 0) == 0);
    CHECK(bad_zone.err.find("INVALID_TIME_ZONE") != std::string::npos);
    const auto bad_kind = run({"--room", "plaza", "admin", "room-info", "--kind", "party"}, admin);
    CHECK(bad_kind.status == 1);
    CHECK(bad_kind.err.find("living_lab") != std::string::npos);
    const auto bad_create = run(
        {"admin", "create-room", "plaza-2", "--title", "P", "--center", "1,2", "--zoom", "3", "--time-zone", "Lisbon"},
        admin);
    CHECK(bad_create.status == 1);
    CHECK(bad_create.err.find("INVALID_TIME_ZONE") != std::string::npos);
    const auto nowhere = run({"--room", "nowhere", "admin", "room-info"}, admin);
    CHECK(nowhere.status == 1);
    CHECK(nowhere.err.rfind("maptable: HTTP 404: ", 0) == 0);
    check_usage(run({"--room", "plaza", "admin", "room-info", "extra"}, admin),
                "usage: maptable --room ROOM admin room-info");
    check_usage(run({"--room", "plaza", "admin", "room-info", "--bounds", "1,2,3,4", "--clear-bounds"}, admin),
                "give --bounds or --clear-bounds, not both");
    check_usage(run({"--room", "plaza", "admin", "room-info", "--center", "east"}, admin),
                "--center 'east' is not a position");
    check_usage(run({"admin", "room-info"}, admin), "no room");
    CHECK(json::parse(run({"--room", "plaza", "admin", "room-info"}, admin).out).at("time_zone") == "");
}

TEST_CASE("the server refuses a geocoder URL that is not http(s) or lacks {query}; a good one reaches the page")
{
    const auto data_dir = std::filesystem::temp_directory_path() / ("maptable-geocoder-" + std::to_string(::getpid()));
    for (const std::string url : {"ftp://geo.example.org/search?q={query}",
                                  "https://geo.example.org/search?q=", "nominatim.example.org/search?q={query}"}) {
        CAPTURE(url);
        cli_process server({"--port", "0", "--data-dir", data_dir.string(), "--geocoder-url", url}, {},
                           MAPTABLE_SERVER_BINARY);
        CHECK(server.wait_exit(std::chrono::seconds(20)) == 2);
        CHECK(server.err().find("--geocoder-url: '" + url + "'") != std::string::npos);
    }
    std::filesystem::remove_all(data_dir);

    server_process server({"--geocoder-url", "http://127.0.0.1:9/search?format=jsonv2&q={query}"});
    const auto config = maptable::test::call_api(server.port(), {.target = "/config.json"});
    REQUIRE(config.status == 200);
    CHECK(maptable::test::json_body(config).at("geocoder_url") == "http://127.0.0.1:9/search?format=jsonv2&q={query}");
    // The page may fetch from the geocoder's origin.
    CHECK(config.header("Content-Security-Policy").find(" http://127.0.0.1:9;") != std::string::npos);

    server_process plain;
    const auto none = maptable::test::call_api(plain.port(), {.target = "/config.json"});
    REQUIRE(none.status == 200);
    CHECK(maptable::test::json_body(none).at("geocoder_url") == "");
    CHECK(none.header("Content-Security-Policy").find("127.0.0.1:9") == std::string::npos);
}

TEST_CASE("the facilitation commands' usage errors exit 2 without contacting a server")
{
    const environment env = {
        {"MAPTABLE_URL", "ws://127.0.0.1:1/v1/ws"}, {"MAPTABLE_TOKEN", "x.e30.y"}, {"MAPTABLE_ROOM", "harbour"}};
    check_usage(run({"comment"}, env), "usage: maptable comment");
    check_usage(run({"react", "1"}, env), "usage: maptable react");
    check_usage(run({"hand"}, env), "usage: maptable hand");
    check_usage(run({"vote"}, env), "usage: maptable vote");
    check_usage(run({"agenda", "open"}, env), "usage: maptable agenda");
    check_usage(run({"timer", "start"}, env), "usage: maptable timer");
    check_usage(run({"session"}, env), "usage: maptable session");
    check_usage(run({"state-at", "--seq", "x"}, env), "seq");
    check_usage(run({"admin"}, env), "admin needs create-room, room-info or invite");
    check_usage(run({"mute", "--bogus", "ben"}, env), "bogus");
    check_usage(run({"hand", "raise"}, {{"MAPTABLE_URL", "ws://127.0.0.1:1/v1/ws"}}), "no join token");
    const auto help = run({"--help"});
    CHECK(help.status == 0);
    for (const char* command : {"comment on", "react", "hand raise", "vote open", "agenda set", "timer start", "lock",
                                "mute", "remove", "session start", "state-at", "admin create-room", "admin invite",
                                "export geojson", "network update", "network harvest"})
        CHECK_MESSAGE(help.out.find(command) != std::string::npos, command);
}

// The commands `maptable` runs, as its one table names them
// (client-sdk/cli/command_table.cpp). A command added there and not here, or
// not in the help, fails one of the checks below.
const std::vector<std::string> every_command = {
    "join",  "say",     "mark", "features", "chat",  "export-geojson", "comment",
    "react", "hand",    "lock", "who",      "mute",  "remove",         "agenda",
    "timer", "session", "vote", "state-at", "admin", "export",         "network",
};

TEST_CASE("the help lists every command of the table once, and every listed command runs")
{
    const auto help = run({"--help"});
    REQUIRE(help.status == 0);
    // The commands are the lines of the help's command sections that start
    // with two spaces and a word: "  vote open VOTE_ID ...", "  who ...".
    const auto from = help.out.find("\nCommands:");
    const auto to = help.out.find("\nGlobal options");
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    std::map<std::string, std::set<std::string>> lines_of; // command -> the full entries naming it
    std::istringstream sections(help.out.substr(from, to - from));
    for (std::string line; std::getline(sections, line);) {
        if (line.size() < 3 || line.compare(0, 2, "  ") != 0 || line[2] == ' ')
            continue;
        const auto word_end = line.find(' ', 2);
        const auto word = line.substr(2, word_end == std::string::npos ? std::string::npos : word_end - 2);
        lines_of[word].insert(line);
    }
    for (const auto& command : every_command) {
        INFO(command);
        CHECK(lines_of.count(command) == 1);
        // Shown once: no entry of it is repeated (the set would hide a
        // repeat, so count the lines themselves).
        for (const auto& line : lines_of[command]) {
            std::size_t seen = 0;
            for (auto at = help.out.find(line); at != std::string::npos; at = help.out.find(line, at + 1))
                ++seen;
            CHECK_MESSAGE(seen == 1, line);
        }
        // The table knows it: without a token or key it asks for one (or
        // for its words), never "unknown command".
        const auto r = run({"--url", "ws://127.0.0.1:1/v1/ws", command}, {});
        CHECK(r.status == 2);
        CHECK(r.err.find("unknown command") == std::string::npos);
    }
    // Nothing is in the help that the table does not run (besides `help`).
    for (const auto& entry : lines_of) {
        // Not a structured binding: clang 14 cannot capture one in INFO's lambda.
        const std::string& word = entry.first;
        INFO(word);
        CHECK((word == "help" || std::find(every_command.begin(), every_command.end(), word) != every_command.end()));
    }
    check_usage(run({"fly"}, {}), "unknown command 'fly'");
}

TEST_CASE("join describes the facilitation events as they happen")
{
    server_process server;
    maptable::client ana(server.options("harbour", "Ana", pb::ROLE_FACILITATOR));
    join_or_fail(ana);
    require_ok(ana.add_feature(maptable::test::point_feature("f-stop", 18.42, -33.92, "Bus stop")).get(), "feature");

    cli_process cli(with(server, server.token("harbour", "Ben"), {"join"}));
    INFO("stdout so far:\n" << cli.out() << "\nstderr:\n" << cli.err());
    REQUIRE(cli.wait_for_output("Type a line to chat"));

    pb::AgendaStep walk;
    walk.set_id("walk");
    walk.set_title("The harbour walk");
    require_ok(ana.set_agenda({walk}).get(), "agenda");
    REQUIRE(cli.wait_for_output("[seq 2] Ana set the agenda: 1 step\n"));
    require_ok(ana.open_agenda_step("walk").get(), "open step");
    REQUIRE(cli.wait_for_output("[seq 3] Ana opened step 'The harbour walk' (walk)\n"));
    pb::VoteRound round;
    round.set_id("first");
    round.set_title("What first?");
    round.set_dots_per_person(2);
    require_ok(ana.open_vote(round).get(), "vote");
    REQUIRE(cli.wait_for_output("[seq 4] Ana opened vote first 'What first?': 2 dots each\n"));

    cli.type("/mark 18.5 -33.95 Bench"); // something of Ben's in between
    REQUIRE(cli.wait_for_output("[seq 5] Ben added point 'Bench'"));
    require_ok(ana.start_thread("t-stop", "f-stop", "Needs a shelter").get(), "thread");
    REQUIRE(cli.wait_for_output("[seq 6] Ana started thread t-stop on f-stop: Needs a shelter\n"));
    require_ok(ana.place_dot("first", "f-stop").get(), "dot");
    REQUIRE(cli.wait_for_output("[seq 7] Ana placed a dot on f-stop in first\n"));
    require_ok(ana.close_vote("first").get(), "close");
    REQUIRE(cli.wait_for_output("[seq 8] Ana closed vote first: f-stop 1\n"));
    pb::RoomSettingsChange lock;
    lock.set_map_locked(true);
    require_ok(ana.update_settings(lock).get(), "lock");
    REQUIRE(cli.wait_for_output("[seq 9] Ana changed the settings: map locked\n"));
    require_ok(ana.control_timer(pb::ControlTimer::ACTION_START, std::chrono::minutes(5)).get(), "timer");
    REQUIRE(cli.wait_for_output("[seq 10] Ana started the timer: 300 s left\n"));

    CHECK(cli.wait_exit() == 0);
    CHECK(cli.out().find("does not know") == std::string::npos);
}
