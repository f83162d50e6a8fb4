// A Welcome sent as two pieces, the joiner's head and the room's shared
// state: together they parse as the whole Welcome, the state is the room's
// own buffer (not a copy), and a write never ends between the two.
#include "room/frame.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::room;

namespace {

shared_piece encoded_state(std::size_t features)
{
    pb::RoomState state;
    state.set_seq(42);
    for (std::size_t i = 0; i < features; ++i) {
        auto* f = state.add_features();
        f->set_id("f-" + std::to_string(i));
        f->set_title(std::string(100, 't'));
    }
    return std::make_shared<const std::string>(state.SerializeAsString());
}

pb::Welcome joiner_fields(std::uint64_t request_id)
{
    pb::Welcome w;
    w.set_request_id(request_id);
    w.mutable_you()->set_id("ana");
    w.set_epoch("e-1");
    return w;
}

shared_piece chat_ack(std::uint64_t request_id)
{
    return ack_piece(request_id, request_id);
}

} // namespace

TEST_CASE("a Welcome's head and the shared state parse, together, as the Welcome with its state")
{
    const auto state = encoded_state(2000); // over 200 KB: lengths of three varint bytes
    const auto pieces = encode_welcome_pieces(joiner_fields(7), state);
    CHECK(pieces.state == state); // the same buffer, shared, not copied
    CHECK(pieces.head->size() < 100);

    pb::ServerFrame frame;
    REQUIRE(frame.ParseFromString(*pieces.head + *pieces.state));
    REQUIRE(frame.messages_size() == 1);
    const auto& w = frame.messages(0).welcome();
    CHECK(w.request_id() == 7);
    CHECK(w.you().id() == "ana");
    CHECK(w.epoch() == "e-1");
    CHECK(w.state().seq() == 42);
    CHECK(w.state().features_size() == 2000);

    // The head alone is not a whole message; other pieces are.
    CHECK(continues(*pieces.head));
    CHECK_FALSE(continues(*chat_ack(1)));
    CHECK_FALSE(continues(*pieces.state));
    CHECK_FALSE(continues(""));
}

TEST_CASE("a write takes at most its share of pieces, but never ends between a Welcome's head and its state")
{
    const auto welcome = encode_welcome_pieces(joiner_fields(1), encoded_state(10));
    std::vector<shared_piece> queue;
    for (std::uint64_t i = 0; i < 63; ++i)
        queue.push_back(chat_ack(i));
    queue.push_back(welcome.head); // the 64th: a write of 64 would end here
    queue.push_back(welcome.state);
    queue.push_back(chat_ack(99));

    CHECK(pieces_for_one_write(queue, 0, 64) == 65);
    CHECK(pieces_for_one_write(queue, 0, 10) == 10);
    CHECK(pieces_for_one_write(queue, 63, 1) == 2);
    CHECK(pieces_for_one_write(queue, 65, 64) == 1);
    // What a write of 65 carries parses whole.
    std::string bytes;
    for (std::size_t i = 0; i < 65; ++i)
        bytes += *queue[i];
    pb::ServerFrame frame;
    REQUIRE(frame.ParseFromString(bytes));
    CHECK(frame.messages_size() == 64);
    CHECK(frame.messages(63).welcome().state().seq() == 42);
}
