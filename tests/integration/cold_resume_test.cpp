// Resuming into a cold room: a server that starts again loads a room from
// its snapshot and the events after it, and reads the older events of the
// resume window afterwards. A resume from before the snapshot (inside the
// window) still gets exactly the events it missed, in order, none twice,
// whether it is the join that loads the room or comes later; one from before
// the window gets the state, and is told so.
#include "raw_client.hpp"
#include "raw_welcome.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <future>
#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::test;

namespace {

// 2,500 chat messages in room (snapshots at 1,000 and 2,000, with the
// default snapshot_every_events): returns the room's epoch.
std::string write_history(server_process& server, const std::string& room)
{
    client writer(server.options(room, "writer"));
    join_or_fail(writer);
    std::vector<std::future<command_result>> pending;
    for (int i = 1; i <= 2500; ++i)
        pending.push_back(writer.send_chat("line " + std::to_string(i)));
    std::uint64_t last = 0;
    for (auto& r : pending) {
        auto result = r.get();
        REQUIRE(result.ok);
        last = std::max(last, result.seq);
    }
    REQUIRE(last == 2500);
    return writer.epoch();
}

// The chat texts write_history sent, by seq - 1.
std::vector<std::string> lines()
{
    std::vector<std::string> texts;
    for (int i = 1; i <= 2500; ++i)
        texts.push_back("line " + std::to_string(i));
    return texts;
}

// Whatever is not an event: presence and roster changes.
bool is_event(const pb::ServerMessage& m)
{
    return !(m.has_participant_joined() || m.has_participant_left() || m.has_presence());
}

// A resume at (epoch, last_seen) is recovered and followed by exactly the
// events after last_seen that texts (the room's chat, by seq - 1) holds, in
// order; then its own next message is the next event, and is added to texts.
void resume_gets_exactly_the_missed(server_process& server, const std::string& room, const std::string& epoch,
                                    std::uint64_t last_seen, const std::string& who, std::vector<std::string>& texts)
{
    raw_client raw(server.port());
    const auto welcome = join_raw(raw, join_message(room, server.token(room, who), who, resume_at(epoch, last_seen)));
    REQUIRE(welcome.recovered());
    CHECK_FALSE(welcome.has_state());
    for (std::uint64_t seq = last_seen + 1; seq <= texts.size(); ++seq) {
        auto m = raw.next();
        while (m && !is_event(*m))
            m = raw.next();
        REQUIRE(m.has_value());
        REQUIRE_MESSAGE(m->has_event(), m->ShortDebugString());
        REQUIRE(m->event().seq() == seq);
        CHECK(m->event().chat_posted().message().text() == texts[seq - 1]);
    }
    // Nothing more: the next event is a new one, not a repeat.
    raw.send(chat_command(90, "after " + who));
    auto m = raw.next();
    while (m && !is_event(*m))
        m = raw.next();
    REQUIRE(m.has_value());
    REQUIRE_MESSAGE(m->has_event(), m->ShortDebugString());
    CHECK(m->event().seq() == texts.size() + 1);
    CHECK(m->event().chat_posted().message().text() == "after " + who);
    texts.push_back("after " + who);
}

} // namespace

TEST_CASE("a resume into a cold room from before its snapshot gets exactly the missed events")
{
    server_process server({"--command-burst", "5000"});
    const auto epoch = write_history(server, "cold");
    auto texts = lines();
    server.stop();
    server.start();
    // The join that loads the room: it needs events from before the snapshot
    // at 2,000, which the load itself does not read.
    resume_gets_exactly_the_missed(server, "cold", epoch, 1500, "r1", texts);
    // The room is loaded now: from the first event, from just before the
    // snapshot, from after it.
    server.stop();
    server.start();
    resume_gets_exactly_the_missed(server, "cold", epoch, 0, "r2", texts);
    server.stop();
    server.start();
    resume_gets_exactly_the_missed(server, "cold", epoch, 2300, "r3", texts);
    resume_gets_exactly_the_missed(server, "cold", epoch, 1999, "r4", texts);
}

TEST_CASE("a resume into a cold room from before its window gets the state, and one inside it the events")
{
    server_process server({"--command-burst", "5000", "--resume-window-events", "800"});
    const auto epoch = write_history(server, "small-window");
    auto texts = lines();
    server.stop();
    server.start();
    {
        // The window holds 1,701..2,500: seq 1,501 is not kept.
        raw_client raw(server.port());
        const auto welcome = join_raw(
            raw, join_message("small-window", server.token("small-window", "old"), "old", resume_at(epoch, 1500)));
        CHECK_FALSE(welcome.recovered());
        REQUIRE(welcome.has_state());
        CHECK(welcome.state().seq() == 2500);
    }
    resume_gets_exactly_the_missed(server, "small-window", epoch, 1700, "edge", texts);
    resume_gets_exactly_the_missed(server, "small-window", epoch, 2100, "recent", texts);
}
