// Connection limits and backpressure: connections over the limits get 503
// with a reason; a client that stops reading is dropped (write deadline) or
// closed (outbound queue bound) while the room goes on, and the server's
// memory stays bounded however much is sent to stalled readers.
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <dirent.h>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Polls cond until it holds or timeout passes. For states the server does
// not announce (a connection slot released after a peer went away).
template <class Cond>
bool eventually(Cond cond, std::chrono::seconds timeout = std::chrono::seconds(30))
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (cond())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return cond();
}

// A WebSocket client that joins and then stops reading: its receive buffer is
// made small so that the server's writes to it stall soon.
class stalled_reader {
public:
    explicit stalled_reader(unsigned short port)
    {
        auto& socket = ws_.next_layer();
        socket.open(tcp::v4());
        socket.set_option(asio::socket_base::receive_buffer_size(4096));
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        ws_.read_message_max(64 * 1024 * 1024);
        ws_.handshake("127.0.0.1:" + std::to_string(port), "/v1/ws");
        ws_.binary(true);
    }

    // Joins room and reads up to the Welcome; from then on it reads nothing
    // until resume_reading().
    bool join(const std::string& room, const std::string& token, const std::string& client_id)
    {
        pb::ClientMessage m;
        m.set_request_id(1);
        m.mutable_join()->set_room_id(room);
        m.mutable_join()->set_token(token);
        m.mutable_join()->set_client_id(client_id);
        m.mutable_join()->set_protocol_version(1);
        ws_.write(asio::buffer(m.SerializeAsString()));
        for (;;) {
            beast::flat_buffer buffer;
            ws_.read(buffer);
            pb::ServerFrame frame;
            frame.ParseFromArray(buffer.cdata().data(), static_cast<int>(buffer.size()));
            for (const auto& message : frame.messages())
                if (message.has_welcome())
                    return true;
                else if (message.has_error())
                    return false;
        }
    }

    // Sends a ping; false once the server has dropped the connection (the
    // write fails after the server's reset).
    bool still_connected()
    {
        beast::error_code ec;
        ws_.ping({}, ec);
        return !ec;
    }

    struct ending {
        std::size_t events = 0;  // events read before the end
        bool ended = false;      // false: all_events arrived and the connection is still open
        beast::error_code error; // how the stream ended
        std::uint16_t close_code = 0;
        std::string close_reason;
    };

    // Reads everything that is still there, up to the end of the connection,
    // or until all_events events have arrived (then the server did not cut
    // it off: nothing more would come, and reading on would wait forever).
    ending resume_reading(std::size_t all_events)
    {
        ending end;
        while (end.events < all_events) {
            beast::flat_buffer buffer;
            ws_.read(buffer, end.error);
            if (end.error) {
                end.ended = true;
                end.close_code = static_cast<std::uint16_t>(ws_.reason().code);
                end.close_reason = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
                return end;
            }
            pb::ServerFrame frame;
            frame.ParseFromArray(buffer.cdata().data(), static_cast<int>(buffer.size()));
            for (const auto& message : frame.messages())
                end.events += message.has_event() ? 1 : 0;
        }
        return end;
    }

private:
    asio::io_context io_;
    websocket::stream<tcp::socket> ws_{io_};
};

// Sends count chats of text, window at a time, and requires an Ack for each.
// After each window, between(acked) may look at the server; it returns false
// to stop early. Returns the number acked.
template <class Between>
std::uint64_t flood(raw_client& flooder, std::uint64_t& next_request_id, std::uint64_t count, const std::string& text,
                    Between between)
{
    constexpr std::uint64_t window = 16;
    std::uint64_t acked = 0;
    while (acked < count) {
        const auto first = next_request_id;
        const auto n = std::min(window, count - acked);
        for (std::uint64_t i = 0; i < n; ++i)
            flooder.send(chat_command(next_request_id++, text));
        for (auto id = first; id < first + n; ++id) {
            auto answer = flooder.answer_to(id);
            REQUIRE_MESSAGE(answer.has_value(), "the flooder was disconnected: " << flooder.close().reason);
            REQUIRE_MESSAGE(answer->has_ack(), "the flooder's command was not acked: " << answer->ShortDebugString());
            ++acked;
        }
        if (!between(acked))
            break;
    }
    return acked;
}

// The server's process id, found by its unique data directory.
int server_pid(const server_process& server)
{
    std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
    REQUIRE(proc != nullptr);
    while (auto* entry = ::readdir(proc.get())) {
        const std::string name = entry->d_name;
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        std::ifstream in("/proc/" + name + "/cmdline");
        std::stringstream cmdline;
        cmdline << in.rdbuf();
        const auto text = cmdline.str();
        if (text.rfind(MAPTABLE_SERVER_BINARY, 0) == 0 && text.find(server.data_dir().string()) != std::string::npos)
            return std::stoi(name);
    }
    FAIL("the server's process was not found");
    return -1;
}

// A field of /proc/<pid>/status in kB (VmRSS, VmHWM).
std::size_t status_kb(int pid, const std::string& field)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0)
            return std::stoul(line.substr(field.size() + 1));
    FAIL("no " << field << " in /proc/" << pid << "/status");
    return 0;
}

} // namespace

TEST_CASE("connections over the per-address limit get 503 with a reason, and a freed slot is reused")
{
    server_process server({"--max-connections-per-ip", "3"});
    std::vector<std::unique_ptr<raw_client>> open;
    for (int i = 0; i < 3; ++i)
        open.push_back(std::make_unique<raw_client>(server.port()));

    const auto refused = upgrade_request(server.port());
    CHECK(refused.status == 503);
    CHECK(refused.body.find("too many connections from your address") != std::string::npos);
    CHECK_FALSE(refused.header("Retry-After").empty());
    // Plain HTTP is counted and refused the same way.
    CHECK(http_request(server.port(), "/healthz").status == 503);

    // The connections that were admitted are served.
    CHECK(open[0]->join("harbour", server.token("harbour", "ana")).has_welcome());

    // One goes; its slot is released when the server has closed it.
    open.pop_back();
    CHECK(eventually([&] { return upgrade_request(server.port()).status == 101; }));

    INFO(server.log());
    CHECK(server.log().find("connections from this address, the limit") != std::string::npos);
}

TEST_CASE("connections over the total limit get 503 with a reason")
{
    server_process server({"--max-connections", "2"});
    raw_client a(server.port());
    raw_client b(server.port());
    const auto refused = http_request(server.port(), "/healthz");
    CHECK(refused.status == 503);
    CHECK(refused.body.find("server busy") != std::string::npos);
    CHECK(upgrade_request(server.port()).status == 503);
}

TEST_CASE("a reader that stops reading is dropped at the write deadline while the room goes on")
{
    // The queue bound is set far away so that the write deadline is what acts.
    server_process server({"--ws-write-timeout", "1", "--ws-outbound-queue-max", "268435456", "--command-rate",
                           "1000000", "--command-burst", "1000000", "--durability", "normal"});
    stalled_reader stalled(server.port());
    REQUIRE(stalled.join("harbour", server.token("harbour", "sleepy"), "sleepy-client"));
    raw_client flooder(server.port());
    REQUIRE(flooder.join("harbour", server.token("harbour", "flooder")).has_welcome());

    // Flood until the stalled connection is gone (bounded, so that a server
    // that never drops it fails here instead of hanging).
    const std::string text(3000, 'x');
    std::uint64_t request_id = 10;
    bool dropped = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    const auto acked = flood(flooder, request_id, 1'000'000, text, [&](std::uint64_t) {
        dropped = !stalled.still_connected();
        return !dropped && std::chrono::steady_clock::now() < deadline;
    });
    INFO("acked " << acked << " commands; server log:\n" << server.log());
    REQUIRE(dropped);

    // Reading again, the client finds a reset connection: no close handshake,
    // and far from every event.
    const auto end = stalled.resume_reading(acked);
    REQUIRE(end.ended);
    CHECK(end.error != websocket::error::closed);
    CHECK(end.events < acked);

    // The room goes on.
    const auto after = flood(flooder, request_id, 10, text, [](std::uint64_t) { return true; });
    CHECK(after == 10);
    CHECK(server.log().find("the peer stopped reading; dropping the connection") != std::string::npos);
}

TEST_CASE("twenty stalled readers cannot grow the server's memory: their queues are bounded")
{
    // Each chat is 4000 four-byte characters: 16 kB. The flood sends 160 MB,
    // every byte of it to twenty clients that never read. The write deadline
    // is far away: only the outbound queue bound (1 MiB) holds memory down.
    // Shared pieces mean an unbounded queue would hold the whole flood once
    // (not twenty times): the bound below is under the flood's size, so it
    // fails if the queues kept it.
    constexpr std::size_t readers = 20;
    // Under AddressSanitizer the RSS says nothing (shadow memory, quarantine):
    // the flood is shorter there and only the closes are checked.
    constexpr std::uint64_t chats = sanitized ? 2'000 : 10'000;
    constexpr std::size_t bound_kb = 120 * 1024; // 120 MB, stated bound; the flood is 160 MB
    server_process server({"--ws-outbound-queue-max", "1048576", "--ws-write-timeout", "3600", "--command-rate",
                           "1000000", "--command-burst", "1000000", "--durability", "normal", "--resume-window-events",
                           "100"});
    const int pid = server_pid(server);

    std::vector<std::unique_ptr<stalled_reader>> stalled;
    for (std::size_t i = 0; i < readers; ++i) {
        stalled.push_back(std::make_unique<stalled_reader>(server.port()));
        REQUIRE(stalled.back()->join("plenary", server.token("plenary", "reader-" + std::to_string(i)),
                                     "reader-" + std::to_string(i)));
    }
    raw_client flooder(server.port());
    REQUIRE(flooder.join("plenary", server.token("plenary", "flooder")).has_welcome());

    std::string text;
    for (int i = 0; i < 4000; ++i)
        text += "\xF0\x9F\x97\xBA"; // U+1F5FA WORLD MAP
    std::uint64_t request_id = 10;
    std::size_t max_rss_kb = 0;
    const auto acked = flood(flooder, request_id, chats, text, [&](std::uint64_t n) {
        if (n % 512 == 0)
            max_rss_kb = std::max(max_rss_kb, status_kb(pid, "VmRSS"));
        return true;
    });
    const auto peak_kb = status_kb(pid, "VmHWM");
    MESSAGE("flood of " << acked << " chats (" << acked * text.size() / (1024 * 1024) << " MiB) to " << readers
                        << " stalled readers: server RSS at most " << max_rss_kb / 1024 << " MiB sampled, peak "
                        << peak_kb / 1024 << " MiB; bound " << bound_kb / 1024 << " MiB");
    CHECK(acked == chats);
    if (!sanitized)
        CHECK(peak_kb < bound_kb);

    // Each stalled reader, reading again, gets what was in flight and then
    // the close with its reason: it may resume.
    for (auto& reader : stalled) {
        const auto end = reader->resume_reading(acked);
        REQUIRE(end.ended);
        CHECK(end.close_code == 1013);
        CHECK(end.close_reason.find("reading too slowly") != std::string::npos);
        CHECK(end.events < acked);
    }
}
