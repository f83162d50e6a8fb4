// Joining a batch's pieces into runs: the bytes a member receives must parse
// as the same ServerMessages in the same order, no run may pass the limit,
// and a piece that is a run alone must be the room's own shared piece.
#include "room/piece_runs.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::room;

namespace {

shared_piece chat_event(std::uint64_t seq, std::size_t text_bytes)
{
    pb::Event event;
    event.set_seq(seq);
    event.mutable_chat_posted()->mutable_message()->set_text(std::string(text_bytes, 'x'));
    return encode_event_piece(event.SerializeAsString());
}

// The seqs of the events a ServerFrame made of these bytes carries, in order.
std::vector<std::uint64_t> seqs_in(const std::vector<shared_piece>& pieces)
{
    std::string bytes;
    for (const auto& piece : pieces)
        bytes += *piece;
    pb::ServerFrame frame;
    REQUIRE(frame.ParseFromString(bytes));
    std::vector<std::uint64_t> out;
    for (const auto& message : frame.messages()) {
        REQUIRE(message.has_event());
        out.push_back(message.event().seq());
    }
    return out;
}

} // namespace

TEST_CASE("small events are joined into one run that parses as the same messages in order")
{
    std::vector<shared_piece> batch;
    for (std::uint64_t seq = 1; seq <= 20; ++seq)
        batch.push_back(chat_event(seq, 64));
    const auto joined = join_pieces(batch);
    CHECK(joined.size() == 1);
    std::vector<std::uint64_t> expected;
    for (std::uint64_t seq = 1; seq <= 20; ++seq)
        expected.push_back(seq);
    CHECK(seqs_in(joined) == expected);
}

TEST_CASE("runs stop at the limit and a large piece travels alone, shared")
{
    std::vector<shared_piece> batch;
    for (std::uint64_t seq = 1; seq <= 300; ++seq)
        batch.push_back(chat_event(seq, seq == 150 ? 20000 : 100));
    const auto joined = join_pieces(batch);
    CHECK(joined.size() > 2);
    bool large_kept = false;
    for (const auto& run : joined) {
        if (run == batch[149])
            large_kept = true;
        else
            CHECK(run->size() <= max_run_bytes);
    }
    CHECK(large_kept);
    std::vector<std::uint64_t> expected;
    for (std::uint64_t seq = 1; seq <= 300; ++seq)
        expected.push_back(seq);
    CHECK(seqs_in(joined) == expected);
}

TEST_CASE("one piece, or none, is handed on as it is")
{
    CHECK(join_pieces({}).empty());
    const auto only = chat_event(7, 10);
    const auto joined = join_pieces({only});
    REQUIRE(joined.size() == 1);
    CHECK(joined[0] == only);
}
