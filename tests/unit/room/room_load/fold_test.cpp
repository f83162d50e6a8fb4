// Folding a loaded room's history (room::fold_loaded_history): the state
// bytes every Welcome at the loaded seq carries are the state's encoding,
// byte for byte, whether they are the snapshot's own bytes (no event after
// it) or encoded again (events after it, or a snapshot not in the form
// encode() writes).
#include "room/replay.hpp"

#include <doctest/doctest.h>

#include <string>
#include <variant>

namespace {

namespace model = maptable::model;
namespace room = maptable::room;
namespace store = maptable::store;
namespace pb = maptable::v1;

// A room with some of everything, at seq 40, as the live room builds it.
model::room_state busy_room()
{
    pb::RoomState s;
    s.mutable_info()->set_id("fold-room");
    s.mutable_info()->set_title("Harbour");
    s.set_seq(40);
    for (const char* id : {"f-c", "f-a", "f-b"}) {
        auto* f = s.add_features();
        f->set_id(id);
        f->set_title(std::string("Place ") + id);
        f->mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
        auto* p = f->mutable_geometry()->add_positions();
        p->set_lon(18.4);
        p->set_lat(-33.9);
    }
    auto* m = s.add_recent_chat();
    m->set_seq(12);
    m->set_text("hello");
    s.add_muted("p-2");
    s.add_muted("p-1");
    s.add_threads()->set_id("t-1");
    s.add_votes()->set_id("v-1");
    s.add_layers()->set_id("l-1");
    s.add_attachments()->set_id("a-1");
    return model::room_state::from_proto(s);
}

pb::Event chat_event(std::uint64_t seq, const std::string& text)
{
    pb::Event e;
    e.set_seq(seq);
    e.set_time_ms(1000 + static_cast<std::int64_t>(seq));
    e.set_actor_id("p-1");
    e.mutable_chat_posted()->mutable_message()->set_seq(seq);
    e.mutable_chat_posted()->mutable_message()->set_text(text);
    return e;
}

const room::loaded_room& loaded(const std::variant<room::loaded_room, room::load_failure>& folded)
{
    if (const auto* failed = std::get_if<room::load_failure>(&folded))
        FAIL("the fold failed: " << failed->why);
    return std::get<room::loaded_room>(folded);
}

} // namespace

TEST_CASE("a room loaded at its snapshot's seq welcomes with the snapshot's bytes, which are its encoding")
{
    const auto state = busy_room();
    store::room_history history;
    history.snapshot = state.encode(); // as room_host::maybe_snapshot writes it
    history.snapshot_seq = state.seq();
    history.first_event_seq = state.seq() + 1;
    const std::string snapshot = *history.snapshot;
    const auto folded = room::fold_loaded_history("fold-room", std::move(history));
    const auto& room = loaded(folded);
    REQUIRE(room.state_bytes);
    CHECK(*room.state_bytes == snapshot);
    CHECK(*room.state_bytes == room.committed.encode());
    CHECK(*room.state_bytes == room.committed.to_proto().SerializeAsString());
    CHECK(room.committed.canonical_hash() == state.canonical_hash());
}

TEST_CASE("a room loaded with events after its snapshot welcomes with the encoding at the head")
{
    const auto state = busy_room();
    store::room_history history;
    history.snapshot = state.encode();
    history.snapshot_seq = state.seq();
    history.first_event_seq = state.seq() - 1; // two resume-window events before the snapshot, two after
    for (std::uint64_t seq = state.seq() - 1; seq <= state.seq() + 2; ++seq)
        history.events.push_back(chat_event(seq, "line " + std::to_string(seq)).SerializeAsString());
    const auto folded = room::fold_loaded_history("fold-room", std::move(history));
    const auto& room = loaded(folded);
    CHECK(room.committed.seq() == state.seq() + 2);
    CHECK(*room.state_bytes == room.committed.encode());
    REQUIRE(room.recent_events.size() == 4);
    CHECK(room.recent_events.front().first == state.seq() - 1);
    CHECK(room.recent_events.back().first == state.seq() + 2);
}

TEST_CASE("a snapshot not in encode()'s form is encoded again, not sent as it is")
{
    auto proto = busy_room().to_proto();
    SUBCASE("features out of order")
    {
        proto.mutable_features()->SwapElements(0, 2);
    }
    SUBCASE("a muted id twice")
    {
        proto.add_muted("p-1");
    }
    SUBCASE("no settings part")
    {
        proto.clear_settings();
    }
    SUBCASE("a field this server does not know")
    {
        proto.GetReflection()->MutableUnknownFields(&proto)->AddVarint(999, 7);
    }
    store::room_history history;
    history.snapshot = proto.SerializeAsString();
    history.snapshot_seq = proto.seq();
    history.first_event_seq = proto.seq() + 1;
    const std::string snapshot = *history.snapshot;
    const auto folded = room::fold_loaded_history("fold-room", std::move(history));
    const auto& room = loaded(folded);
    CHECK(*room.state_bytes != snapshot);
    CHECK(*room.state_bytes == room.committed.encode());
}
