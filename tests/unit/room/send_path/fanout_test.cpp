// A room's fan-out without sockets: subscribers that record what they are
// handed, on a lane (a one-thread io_context, as in the per-core model) or
// without one. Each member must get every piece for everyone, in order,
// then its own pieces, and on a lane all of it in one hand-over.
#include "room/fanout.hpp"

#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::room;

namespace {

class recorder final : public subscriber {
public:
    explicit recorder(const boost::asio::any_io_executor* lane = nullptr) : lane_(lane) {}

    void deliver(shared_piece piece) override { hand_overs.push_back({std::move(piece)}); }
    void deliver_all(std::vector<shared_piece> pieces) override { hand_overs.push_back(std::move(pieces)); }
    void deliver_on_lane(const std::vector<shared_piece>& pieces) override { hand_overs.push_back(pieces); }
    const boost::asio::any_io_executor* lane() const override { return lane_; }
    void disconnect(std::string) override {}

    // Every byte handed over, in order.
    std::string bytes() const
    {
        std::string out;
        for (const auto& pieces : hand_overs)
            for (const auto& piece : pieces)
                out += *piece;
        return out;
    }

    std::vector<std::vector<shared_piece>> hand_overs;

private:
    const boost::asio::any_io_executor* lane_;
};

shared_piece event_piece(std::uint64_t seq)
{
    pb::Event event;
    event.set_seq(seq);
    event.mutable_chat_posted()->mutable_message()->set_text("hello " + std::to_string(seq));
    return encode_event_piece(event.SerializeAsString());
}

// What a member reads: (event seq) or (ack seq) per message, in order.
std::vector<std::string> read(const std::string& bytes)
{
    pb::ServerFrame frame;
    REQUIRE(frame.ParseFromString(bytes));
    std::vector<std::string> out;
    for (const auto& message : frame.messages()) {
        if (message.has_event())
            out.push_back("event " + std::to_string(message.event().seq()));
        else if (message.has_ack())
            out.push_back("ack " + std::to_string(message.ack().seq()));
        else
            out.push_back("other");
    }
    return out;
}

} // namespace

TEST_CASE("on a lane, each member gets the batch and then its own ack in one hand-over")
{
    boost::asio::io_context loop;
    const boost::asio::any_io_executor lane = loop.get_executor();
    auto sender = std::make_shared<recorder>(&lane);
    auto other = std::make_shared<recorder>(&lane);
    auto outsider = std::make_shared<recorder>(&lane); // not a member: an answer only
    fanout out;
    out.add(sender);
    out.add(other);

    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
        out.to_all(event_piece(seq));
        out.to_one(sender, ack_piece(seq, seq));
    }
    out.to_one(outsider, ack_piece(9, 0));
    CHECK(out.send() == 6);            // three events to two members
    CHECK(sender->hand_overs.empty()); // handed over on the lane's thread, not here
    loop.run();

    REQUIRE(sender->hand_overs.size() == 1);
    CHECK(read(sender->bytes()) ==
          std::vector<std::string>{"event 1", "event 2", "event 3", "ack 1", "ack 2", "ack 3"});
    REQUIRE(other->hand_overs.size() == 1);
    CHECK(read(other->bytes()) == std::vector<std::string>{"event 1", "event 2", "event 3"});
    // The three small events travel as one run, shared by both members.
    CHECK(other->hand_overs[0].size() == 1);
    CHECK(sender->hand_overs[0][0] == other->hand_overs[0][0]);
    REQUIRE(outsider->hand_overs.size() == 1);
    CHECK(read(outsider->bytes()) == std::vector<std::string>{"ack 0"});
}

TEST_CASE("sends keep their order on a lane, and a member that left gets nothing more")
{
    boost::asio::io_context loop;
    const boost::asio::any_io_executor lane = loop.get_executor();
    auto stays = std::make_shared<recorder>(&lane);
    auto leaves = std::make_shared<recorder>(&lane);
    fanout out;
    out.add(stays);
    out.add(leaves);
    out.to_all(event_piece(1));
    out.send();
    out.remove(leaves.get());
    out.to_all(event_piece(2));
    out.send();
    loop.run();
    CHECK(read(stays->bytes()) == std::vector<std::string>{"event 1", "event 2"});
    CHECK(read(leaves->bytes()) == std::vector<std::string>{"event 1"});
    CHECK(out.members() == 1);
}

TEST_CASE("without a lane, each member gets the batch in one hand-over, then its own pieces")
{
    auto sender = std::make_shared<recorder>();
    auto other = std::make_shared<recorder>();
    fanout out;
    out.add(sender);
    out.add(other);
    out.to_all(event_piece(1));
    out.to_all(event_piece(2));
    out.to_one(sender, ack_piece(5, 2));
    CHECK(out.send() == 4);
    CHECK(read(sender->bytes()) == std::vector<std::string>{"event 1", "event 2", "ack 2"});
    REQUIRE(other->hand_overs.size() == 1);
    CHECK(read(other->bytes()) == std::vector<std::string>{"event 1", "event 2"});
}
