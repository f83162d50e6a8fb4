// The encodings a loading room relies on: room_state::encode() gives the
// bytes of to_proto() (a Welcome's state and a snapshot are made with it),
// and from_proto of a decoded snapshot, moved, gives the same room as the
// copying from_proto.
#include "model/room_state.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

namespace model = maptable::model;
namespace pb = maptable::v1;

// A RoomState with every field set, the repeated ones with several elements
// (maps by id: out of order on purpose, the state sorts them).
pb::RoomState every_field()
{
    pb::RoomState s;
    s.mutable_info()->set_id("room-1");
    s.mutable_info()->set_title("Harbour");
    s.mutable_info()->set_zoom(14);
    s.set_seq(42);
    for (const char* id : {"f-b", "f-a", "f-c"}) {
        auto* f = s.add_features();
        f->set_id(id);
        f->set_title(std::string("Place ") + id);
        f->mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
        auto* p = f->mutable_geometry()->add_positions();
        p->set_lon(18.4);
        p->set_lat(-33.9);
    }
    for (std::uint64_t seq : {3, 7}) {
        auto* m = s.add_recent_chat();
        m->set_seq(seq);
        m->set_text("hello " + std::to_string(seq));
    }
    s.mutable_settings()->set_map_locked(true);
    s.add_muted("p-1");
    s.add_muted("p-2");
    s.add_removed("p-3");
    for (const char* id : {"t-2", "t-1"}) {
        auto* t = s.add_threads();
        t->set_id(id);
        t->add_comments()->set_text("a comment");
    }
    s.add_agenda()->set_id("step-1");
    s.add_agenda()->set_id("step-2");
    s.set_current_step("step-1");
    s.mutable_timer()->set_duration_ms(300000);
    s.mutable_follow()->set_leader_id("fac-1");
    s.set_spotlight_feature_id("f-a");
    s.add_hands()->set_participant_id("p-1");
    s.mutable_speaking()->set_participant_id("p-2");
    for (const char* id : {"v-2", "v-1"})
        s.add_votes()->set_id(id);
    s.add_sessions()->set_id(5);
    s.set_current_session(5);
    s.set_archived(true);
    for (const char* id : {"l-2", "l-1"})
        s.add_layers()->set_id(id);
    s.mutable_breakouts()->set_id("round-1");
    s.mutable_breakout_of()->set_parent_room_id("plenary");
    s.add_itinerary()->set_id("stop-1");
    for (const char* id : {"a-2", "a-1"})
        s.add_attachments()->set_id(id);
    return s;
}

} // namespace

TEST_CASE("encode() is to_proto()'s encoding, byte for byte")
{
    SUBCASE("every field set")
    {
        const auto state = model::room_state::from_proto(every_field());
        CHECK(state.encode() == state.to_proto().SerializeAsString());
    }
    SUBCASE("a new, empty room")
    {
        const model::room_state state("empty");
        CHECK(state.encode() == state.to_proto().SerializeAsString());
    }
    SUBCASE("after a feature changed in place (a stale cached size must not leak into the length)")
    {
        auto proto = every_field();
        auto state = model::room_state::from_proto(proto);
        (void)state.encode(); // caches the sizes
        pb::Event moved;
        moved.set_seq(state.seq() + 1);
        moved.mutable_feature_updated()->set_id("f-b");
        moved.mutable_feature_updated()->mutable_patch()->set_title(std::string(300, 'x')); // a two-byte length
        REQUIRE(state.apply(moved));
        REQUIRE(state.find_feature("f-b")->title().size() == 300);
        CHECK(state.encode() == state.to_proto().SerializeAsString());
    }
}

TEST_CASE("the encoding decodes to the same room")
{
    const auto state = model::room_state::from_proto(every_field());
    pb::RoomState decoded;
    REQUIRE(decoded.ParseFromString(state.encode()));
    CHECK(model::room_state::from_proto(decoded).canonical_hash() == state.canonical_hash());
}

TEST_CASE("from_proto of a moved snapshot is the room from_proto copies")
{
    const auto proto = every_field();
    const auto copied = model::room_state::from_proto(proto);
    auto consumed = proto;
    const auto moved = model::room_state::from_proto(std::move(consumed));
    CHECK(moved.canonical_hash() == copied.canonical_hash());
    CHECK(moved.features().size() == 3);
    CHECK(moved.data().threads.size() == 2);
    CHECK(moved.data().attachments.size() == 2);
    CHECK(moved.to_proto().SerializeAsString() == copied.to_proto().SerializeAsString());
}
