// Integration: the `maptable` command-line client, run as a real process
// (MAPTABLE_CLI_BINARY) against a real maptable-server on a free port, the
// way a person or a script would use it. Its stdout and stderr are captured
// and checked; GeoJSON is parsed with Boost.JSON.
#include "server_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <future>
#include <poll.h>
#include <regex>
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
    explicit cli_process(std::vector<std::string> args, const environment& env = {})
    {
        int in[2], out[2], err[2];
        REQUIRE(::pipe(in) == 0);
        REQUIRE(::pipe(out) == 0);
        REQUIRE(::pipe(err) == 0);
        args.insert(args.begin(), MAPTABLE_CLI_BINARY);
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
        while (pump(deadline)) {
        }
        if (stdout_ >= 0 || stderr_ >= 0)
            return -1;  // still open at the deadline: the destructor kills it
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
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0)
            return true;  // timeout or EINTR: the caller checks the deadline
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
    throw;  // not reached: FAIL throws
}

} // namespace

TEST_CASE("mark adds a marker, say a chat message; features, chat and export-geojson show them")
{
    server_process server;
    const auto ana = server.token("harbour", "Ana");

    // The room comes from the token's claim: no --room.
    const auto marked = run(with(server, ana,
                                 {"mark", "18.4231", "-33.9249", "Unsafe", "corner", "--category", "safety",
                                  "--colour", "#d7191c", "--description", "Dark after 7 pm"}));
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
    const std::string url = "ws://127.0.0.1:1/v1/ws";  // nothing listens there
    const environment env = {{"MAPTABLE_URL", url}, {"MAPTABLE_TOKEN", "x.e30.y"}, {"MAPTABLE_ROOM", "harbour"}};
    CHECK(run({}, env).status == 2);
    CHECK(run({"fly"}, env).status == 2);
    CHECK(run({"mark", "18.4"}, env).status == 2);
    CHECK(run({"mark", "east", "-33.9", "Somewhere"}, env).status == 2);
    CHECK(run({"say"}, env).status == 2);
    CHECK(run({"chat", "--limit", "0"}, env).status == 2);
    CHECK(run({"features", "--bogus"}, env).status == 2);
    CHECK(run({"features", "--room", "harbour"}, env).status == 2);  // global options go before the command
    CHECK(run({"--url", url, "features"}).status == 2);  // no token anywhere
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
    constexpr int posted = 210;  // more than the 200 a room state keeps
    std::vector<std::future<maptable::command_result>> acks;
    for (int i = 1; i <= posted; ++i)
        acks.push_back(ben.send_chat("message " + std::to_string(i)));
    for (auto& ack : acks) {
        const auto result = ack.get();
        REQUIRE_MESSAGE(result.ok, pb::ErrorCode_Name(result.code) << ": " << result.message);
    }

    const auto ana = server.token("harbour", "Ana");
    const auto recent = run(with(server, ana, {"chat"}));  // 20 by default, from the replica
    REQUIRE(recent.status == 0);
    CHECK(std::count(recent.out.begin(), recent.out.end(), '\n') == 20);
    CHECK(recent.out.rfind("[seq 191] Ben: message 191\n", 0) == 0);

    const auto older = run(with(server, ana, {"chat", "--limit", "205"}));
    INFO("stderr: " << older.err);
    REQUIRE(older.status == 0);
    CHECK(std::count(older.out.begin(), older.out.end(), '\n') == 205);
    CHECK(older.out.rfind("[seq 6] Ben: message 6\n[seq 7] Ben: message 7\n", 0) == 0);
    CHECK(older.out.find("[seq 210] Ben: message 210\n") == older.out.size() - std::string("[seq 210] Ben: message 210\n").size());

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
    REQUIRE_MESSAGE(sent.ok, pb::ErrorCode_Name(sent.code) << ": " << sent.message << "\nserver log:\n" << server.log());

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

    CHECK(cli.wait_exit() == 0);  // end of input leaves
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
