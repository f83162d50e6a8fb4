// Isolation: many rooms, several clients in each, all sending random commands
// at once. Nothing of one room (event, presence, roster) ever reaches a client
// of another: every event a client receives carries its own room's marks, its
// seqs run 1..n without a gap or a stranger, and its replica equals exactly
// what its own room acknowledged.
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <barrier>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

constexpr int room_count = 20;
constexpr int clients_per_room = 4;
constexpr int commands_per_client = 30; // well inside a connection's command burst

std::string room_name(int r)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "iso-%02d", r);
    return buf;
}

// Everything a client of room r writes starts with this: feature ids, titles,
// chat texts, participant ids.
std::string mark(int r)
{
    return room_name(r) + "-";
}

bool starts_with(const std::string& s, const std::string& prefix)
{
    return s.rfind(prefix, 0) == 0;
}

pb::Geometry point(std::mt19937& rng)
{
    std::uniform_real_distribution<double> lon(-70.70, -70.60), lat(-33.50, -33.40);
    pb::Geometry g;
    g.set_kind(pb::FEATURE_KIND_POINT);
    auto* p = g.add_positions();
    p->set_lon(lon(rng));
    p->set_lat(lat(rng));
    return g;
}

struct acked {
    command_result result;
    std::string actor;
};

// One client's random commands: adds of its own features, updates of them,
// chat (sometimes about one of its features), and cursor moves.
std::vector<acked> write_randomly(client& c, int room, const std::string& who, unsigned seed)
{
    std::mt19937 rng(seed);
    std::vector<std::string> mine;
    std::vector<std::future<command_result>> results;
    for (int i = 0; i < commands_per_client; ++i) {
        const int pick = std::uniform_int_distribution<int>(0, 9)(rng);
        if (pick < 3 || mine.empty()) {
            pb::Feature f;
            f.set_id(who + "-f" + std::to_string(i));
            *f.mutable_geometry() = point(rng);
            f.set_title(mark(room) + "feature " + std::to_string(i));
            mine.push_back(f.id());
            results.push_back(c.add_feature(f));
        } else if (pick < 5) {
            pb::FeaturePatch patch;
            patch.set_title(mark(room) + "renamed " + std::to_string(i));
            const auto& id = mine[std::uniform_int_distribution<std::size_t>(0, mine.size() - 1)(rng)];
            results.push_back(c.update_feature(id, patch));
        } else {
            const bool about = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
            results.push_back(
                c.send_chat(mark(room) + who + " says " + std::to_string(i), 0, about ? mine.back() : std::string{}));
        }
        if (i % 5 == 0)
            c.move_cursor(-70.65, -33.45);
    }
    std::vector<acked> out; // checked on the test's thread: a REQUIRE must not throw here
    for (auto& r : results)
        out.push_back({r.get(), who});
    return out;
}

// What in an event names its room; empty when the event carries nothing of ours.
std::vector<std::string> marks_of(const pb::Event& e)
{
    std::vector<std::string> m{e.actor_id()};
    switch (e.body_case()) {
    case pb::Event::kFeatureAdded:
        m.push_back(e.feature_added().feature().id());
        m.push_back(e.feature_added().feature().title());
        break;
    case pb::Event::kFeatureUpdated:
        m.push_back(e.feature_updated().id());
        m.push_back(e.feature_updated().patch().title());
        break;
    case pb::Event::kChatPosted:
        m.push_back(e.chat_posted().message().text());
        m.push_back(e.chat_posted().message().author_id());
        if (!e.chat_posted().message().feature_id().empty())
            m.push_back(e.chat_posted().message().feature_id());
        break;
    default: m.push_back("<unexpected event kind " + std::to_string(e.body_case()) + ">"); break;
    }
    return m;
}

} // namespace

TEST_CASE("twenty rooms of four clients writing at once: no event, presence or roster entry crosses rooms")
{
    server_process server;
    struct member {
        int room;
        std::string name;
        std::unique_ptr<client> c;
        std::unique_ptr<event_recorder> rec;
    };
    std::vector<member> members;
    for (int r = 0; r < room_count; ++r)
        for (int k = 0; k < clients_per_room; ++k) {
            member m;
            m.room = r;
            m.name = mark(r) + "p" + std::to_string(k);
            m.c = std::make_unique<client>(server.options(room_name(r), m.name));
            m.rec = std::make_unique<event_recorder>(*m.c);
            members.push_back(std::move(m));
        }
    for (auto& m : members)
        join_or_fail(*m.c);
    // One bare WebSocket listener per room as well: the SDK drops an event
    // that does not follow its replica's seq, so only the wire shows
    // everything the server sent.
    std::vector<std::unique_ptr<raw_client>> wire;
    for (int r = 0; r < room_count; ++r) {
        wire.push_back(std::make_unique<raw_client>(server.port()));
        const auto welcome = wire.back()->join(room_name(r), server.token(room_name(r), mark(r) + "wire"));
        REQUIRE(welcome.has_welcome());
    }

    // Everyone starts at once, so the rooms' commits interleave in the store's
    // group commits and on the I/O threads.
    std::vector<std::vector<acked>> acks(members.size());
    std::barrier start(static_cast<std::ptrdiff_t>(members.size()));
    std::vector<std::thread> writers;
    for (std::size_t i = 0; i < members.size(); ++i)
        writers.emplace_back([&, i] {
            start.arrive_and_wait();
            acks[i] = write_randomly(*members[i].c, members[i].room, members[i].name, 7000 + static_cast<unsigned>(i));
        });
    for (auto& t : writers)
        t.join();

    // Per room: the acked seqs are exactly 1..n, n = every command of the room.
    std::map<int, std::map<std::uint64_t, std::string>> acked_by_room; // room -> seq -> actor
    for (std::size_t i = 0; i < members.size(); ++i)
        for (const auto& a : acks[i]) {
            REQUIRE_MESSAGE(a.result.ok,
                            a.actor << ": " << pb::ErrorCode_Name(a.result.code) << ": " << a.result.message);
            const bool fresh = acked_by_room[members[i].room].emplace(a.result.seq, a.actor).second;
            CHECK_MESSAGE(fresh, room_name(members[i].room) << ": seq " << a.result.seq << " acked twice");
        }
    constexpr std::uint64_t per_room = clients_per_room * commands_per_client;
    for (int r = 0; r < room_count; ++r) {
        const auto& seqs = acked_by_room[r];
        REQUIRE(seqs.size() == per_room);
        CHECK(seqs.begin()->first == 1);
        CHECK(seqs.rbegin()->first == per_room);
    }

    std::map<int, std::string> hash_of_room;
    for (auto& m : members) {
        INFO("client " << m.name);
        REQUIRE(m.rec->wait_for_seq(per_room));
        // The replica: exactly the room's last acked seq, and nothing foreign in it.
        const auto replica = m.c->replica();
        CHECK(replica.seq() == per_room);
        CHECK(replica.info().id() == room_name(m.room));
        for (const auto& [id, f] : replica.features()) {
            CHECK(starts_with(id, mark(m.room)));
            CHECK(starts_with(f.title(), mark(m.room)));
        }
        for (const auto& chat : replica.recent_chat())
            CHECK(starts_with(chat.text(), mark(m.room)));
        auto [it, first] = hash_of_room.emplace(m.room, replica.canonical_hash());
        if (!first)
            CHECK(it->second == replica.canonical_hash());

        // The events: seq 1..n, each once, each one of this room's acks, each
        // carrying only this room's marks.
        const auto events = m.rec->events();
        REQUIRE(events.size() == per_room);
        for (std::size_t k = 0; k < events.size(); ++k) {
            const auto& e = events[k];
            REQUIRE(e.seq() == k + 1);
            CHECK(acked_by_room[m.room].at(e.seq()) == e.actor_id());
            for (const auto& s : marks_of(e))
                CHECK_MESSAGE(starts_with(s, mark(m.room)), "event " << e.seq() << " carries '" << s << "'");
        }

        // Presence and roster: only people of this room.
        for (const auto& update : m.rec->presence())
            for (const auto& p : update.presence())
                CHECK_MESSAGE(starts_with(p.participant_id(), mark(m.room)), "presence of " << p.participant_id());
        for (const auto& id : m.rec->joined())
            CHECK_MESSAGE(starts_with(id, mark(m.room)), "joined: " << id);
        for (const auto& id : m.rec->left())
            CHECK_MESSAGE(starts_with(id, mark(m.room)), "left: " << id);
        for (const auto& p : m.c->online())
            CHECK_MESSAGE(starts_with(p.id(), mark(m.room)), "online: " << p.id());
    }

    // On the wire: each room's listener got events 1..n of its room, each
    // once, all of them its room's, and no presence or roster of another room.
    for (int r = 0; r < room_count; ++r) {
        INFO("wire listener of " << room_name(r));
        std::uint64_t expected = 1;
        while (expected <= per_room) {
            auto message = wire[r]->next();
            REQUIRE(message.has_value());
            if (message->has_event()) {
                const auto& e = message->event();
                REQUIRE(e.seq() == expected);
                CHECK(acked_by_room[r].at(e.seq()) == e.actor_id());
                for (const auto& s : marks_of(e))
                    CHECK_MESSAGE(starts_with(s, mark(r)), "event " << e.seq() << " carries '" << s << "'");
                ++expected;
            } else if (message->has_presence()) {
                for (const auto& p : message->presence().presence())
                    CHECK_MESSAGE(starts_with(p.participant_id(), mark(r)), "presence of " << p.participant_id());
            } else if (message->has_participant_joined()) {
                CHECK(starts_with(message->participant_joined().participant().id(), mark(r)));
            } else if (message->has_participant_left()) {
                CHECK(starts_with(message->participant_left().participant_id(), mark(r)));
            }
        }
    }

    // Rooms really differ (a bug that merged them would make hashes equal).
    std::set<std::string> distinct;
    for (const auto& [r, h] : hash_of_room)
        distinct.insert(h);
    CHECK(distinct.size() == static_cast<std::size_t>(room_count));

    // A latecomer of each room gets that room's state and no other.
    for (int r = 0; r < room_count; ++r) {
        client late(server.options(room_name(r), mark(r) + "late"));
        join_or_fail(late);
        CHECK(late.seq() == per_room);
        CHECK(late.replica().canonical_hash() == hash_of_room[r]);
    }

    for (auto& m : members)
        m.rec.reset(); // before the clients they listen to
}
