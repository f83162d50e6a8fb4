// The network service on a real SQLite event log: a network's events stored
// under "network:{id}" and listed in "networks:index", read back by a fresh
// service (a restart); a room's place read from the room's own log; the
// changes after a time counted from it.
#include "network/network_service.hpp"

#include "maptable/v1/room.pb.h"
#include "store/sqlite_event_log.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <future>
#include <random>
#include <set>

using namespace maptable;
namespace pb = maptable::v1;

namespace {

struct temp_dir {
    std::filesystem::path path;
    temp_dir()
    {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / ("maptable-network-" + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

pb::NetworkEvent created(const std::string& id)
{
    pb::NetworkEvent e;
    auto* n = e.mutable_network_created()->mutable_network();
    n->set_id(id);
    n->set_title("Network " + id);
    return e;
}

pb::NetworkEvent city(const std::string& id)
{
    pb::NetworkEvent e;
    auto* c = e.mutable_city_added()->mutable_city();
    c->set_id(id);
    c->set_name("City " + id);
    c->set_country("PT");
    c->mutable_position()->set_lon(-9.1);
    c->mutable_position()->set_lat(38.7);
    return e;
}

// Appends one room event and waits until it is durable.
void append_room_event(store::commit_queue& q, const std::string& room, std::uint64_t seq, std::int64_t time_ms,
                       pb::Event event)
{
    event.set_seq(seq);
    event.set_time_ms(time_ms);
    store::event_record r;
    r.room_id = room;
    r.seq = seq;
    r.time_ms = time_ms;
    r.bytes = event.SerializeAsString();
    std::promise<store::append_error> done;
    q.append({r}, [&](store::append_error e) { done.set_value(e); });
    REQUIRE(done.get_future().get() == store::append_error::ok);
}

pb::Event placed(const std::string& network, pb::RoomKind kind, const std::string& city_id)
{
    pb::Event e;
    e.set_actor_id("admin");
    auto* c = e.mutable_room_info_changed();
    c->set_network_id(network);
    c->set_kind(kind);
    c->set_city_id(city_id);
    return e;
}

} // namespace

TEST_CASE("a network's log is stored under network:{id}, listed, and read back by a fresh service")
{
    temp_dir dir;
    const auto file = (dir.path / "log.db").string();
    {
        store::commit_queue q(std::make_unique<store::sqlite_event_log>(file));
        network::network_service service(q);
        CHECK_FALSE(service.find("spaces").has_value());
        REQUIRE(
            std::holds_alternative<model::network_state>(service.change("spaces", created("spaces"), "admin", 1000)));
        REQUIRE(std::holds_alternative<model::network_state>(service.change("spaces", city("lisbon"), "admin", 2000)));
        // A refusal stores nothing.
        const auto again = service.change("spaces", city("lisbon"), "admin", 3000);
        REQUIRE(std::holds_alternative<model::rejection>(again));
        CHECK(std::get<model::rejection>(again).code == pb::ERROR_CODE_CITY_EXISTS);
        const auto twice = service.change("spaces", created("spaces"), "admin", 3000);
        CHECK(std::get<model::rejection>(twice).code == pb::ERROR_CODE_NETWORK_EXISTS);
        REQUIRE(
            std::holds_alternative<model::network_state>(service.change("rivers", created("rivers"), "admin", 4000)));
        q.drain();
    }
    store::sqlite_event_log log(file);
    const auto events = log.events_between("network:spaces", 1, 10);
    REQUIRE(events.size() == 2);
    pb::NetworkEvent first;
    REQUIRE(first.ParseFromString(events[0]));
    CHECK(first.network_created().network().id() == "spaces");
    CHECK(log.events_between("networks:index", 1, 10).size() == 2);

    store::commit_queue q(std::make_unique<store::sqlite_event_log>(file));
    network::network_service fresh(q);
    const auto state = fresh.find("spaces");
    REQUIRE(state.has_value());
    CHECK(state->seq() == 2);
    CHECK(state->find_city("lisbon") != nullptr);
    const auto all = fresh.list();
    REQUIRE(all.size() == 2);
    CHECK(all[0].id() == "rivers");
    CHECK(all[1].id() == "spaces");
    // The index goes on where it was: a third network is listed too.
    REQUIRE(std::holds_alternative<model::network_state>(fresh.change("third", created("third"), "admin", 5000)));
    CHECK(fresh.list().size() == 3);
}

TEST_CASE("a room's place follows its log; the changes after a time are counted from it")
{
    temp_dir dir;
    store::commit_queue q(std::make_unique<store::sqlite_event_log>((dir.path / "log.db").string()));
    network::network_service service(q);
    CHECK(service.place_of("lab").network_id.empty()); // a room never made is in no network

    append_room_event(q, "lab", 1, 1000, placed("spaces", pb::ROOM_KIND_LIVING_LAB, "lisbon"));
    auto place = service.place_of("lab");
    CHECK(place.network_id == "spaces");
    CHECK(place.kind == pb::ROOM_KIND_LIVING_LAB);
    CHECK(place.city_id == "lisbon");

    pb::Event feature;
    feature.set_actor_id("ana");
    feature.mutable_feature_added()->mutable_feature()->set_id("f1");
    append_room_event(q, "lab", 2, 2000, feature);
    pb::Event chat;
    chat.set_actor_id("ben");
    chat.mutable_chat_posted();
    append_room_event(q, "lab", 3, 3000, chat);
    pb::Event vote;
    vote.set_actor_id("fac");
    vote.mutable_vote_closed();
    append_room_event(q, "lab", 4, 4000, vote);
    // Moved out of the network by the admin: the next read sees it.
    append_room_event(q, "lab", 5, 5000, placed("", pb::ROOM_KIND_UNSPECIFIED, ""));
    CHECK(service.place_of("lab").network_id.empty());

    const auto since = service.changes_since("lab", 1500);
    CHECK(since.features_added == 1);
    CHECK(since.chat_messages == 1);
    CHECK(since.votes_closed == 1);
    CHECK(since.threads_started == 0);
    CHECK(since.events == 4);
    CHECK(service.changes_since("lab", 3500).features_added == 0);
    const auto activity = service.activity_of("lab");
    CHECK(activity.last_seq == 5);
    CHECK(activity.last_time_ms == 5000);
    CHECK(service.participants_of("lab") == std::set<std::string>{"ana", "ben", "fac"});
}
