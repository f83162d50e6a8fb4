// The room's sequencer without sockets or a store: commands, store answers
// and look-up results fed in, the actions it returns checked. Each case is a
// rule a reliability suite relies on (never a gap, exactly once, fencing).
#include "room/sequencer.hpp"
#include "room/subscriber.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::room;

namespace {

// Who an answer goes to: the sequencer only carries it, so nothing here is
// ever delivered.
class nobody final : public subscriber {
public:
    void deliver(shared_piece) override {}
    void disconnect(std::string) override {}
};

constexpr std::int64_t now = 1'764'670'000'000;

model::actor participant(const std::string& id)
{
    return model::actor{id, "Person " + id, pb::ROLE_PARTICIPANT, {}};
}

pb::ClientMessage chat(std::uint64_t request_id, const std::string& text)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    m.mutable_send_chat()->set_text(text);
    return m;
}

// A command the state refuses: there is no such feature.
pb::ClientMessage delete_missing(std::uint64_t request_id)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    m.mutable_delete_feature()->set_id("no-such-feature");
    return m;
}

bool goes_to(const reply& r, const std::shared_ptr<subscriber>& who)
{
    return r.to.lock() == who;
}

std::vector<std::uint64_t> seqs_of(const std::vector<store::event_record>& batch)
{
    std::vector<std::uint64_t> out;
    for (const auto& r : batch)
        out.push_back(r.seq);
    return out;
}

struct room_fixture {
    sequencer seq{"harbour", 1000};
    std::shared_ptr<subscriber> ana = std::make_shared<nobody>();
    std::shared_ptr<subscriber> ben = std::make_shared<nobody>();

    sequencer_actions send(const std::shared_ptr<subscriber>& who, const std::string& id, std::uint64_t request_id,
                           const std::string& text, const std::string& client = "tab-1")
    {
        return seq.submit(who, participant(id), client, chat(request_id, text), now);
    }
};

} // namespace

TEST_CASE("a command is appended at once when the store is free, and acked only when the store confirms it")
{
    room_fixture f;
    auto sent = f.send(f.ana, "ana", 1, "hello");
    CHECK(sent.replies.empty());
    REQUIRE(sent.append.size() == 1);
    CHECK(sent.append[0].seq == 1);
    CHECK(sent.append[0].room_id == "harbour");
    CHECK(sent.append[0].op_id == 1);
    CHECK(sent.append[0].client_id == std::string("ana\x1f") + "tab-1");
    CHECK(f.seq.committing());
    CHECK(f.seq.speculative().seq() == 1);
    CHECK(f.seq.committed().seq() == 0); // not published before it is stored

    auto stored = f.seq.on_append(store::append_error::ok);
    REQUIRE(stored.published.size() == 1);
    CHECK(stored.published[0].event.seq() == 1);
    CHECK(stored.published[0].sender.lock() == f.ana);
    CHECK(stored.published[0].request_id == 1);
    CHECK(stored.append.empty());
    CHECK(f.seq.committed().seq() == 1);
    CHECK(f.seq.idle());
}

TEST_CASE("commands sent while a batch is in the store wait, and go together as the next batch")
{
    room_fixture f;
    REQUIRE(f.send(f.ana, "ana", 1, "first").append.size() == 1);
    for (std::uint64_t id = 2; id <= 4; ++id) {
        auto queued = f.send(f.ben, "ben", id, "queued " + std::to_string(id));
        CHECK(queued.append.empty()); // one batch of a room in the store at a time
        CHECK(queued.replies.empty());
    }
    CHECK(f.seq.speculative().seq() == 4);
    auto stored = f.seq.on_append(store::append_error::ok);
    CHECK(stored.published.size() == 1);
    CHECK(seqs_of(stored.append) == std::vector<std::uint64_t>{2, 3, 4});
}

TEST_CASE("a batch of three the store refuses: all three refused, the state rolled back, no seq skipped")
{
    room_fixture f;
    REQUIRE(f.send(f.ana, "ana", 1, "stored").append.size() == 1);
    for (std::uint64_t id = 2; id <= 4; ++id)
        f.send(f.ben, "ben", id, "lost " + std::to_string(id));
    auto first = f.seq.on_append(store::append_error::ok);
    REQUIRE(seqs_of(first.append) == std::vector<std::uint64_t>{2, 3, 4});
    // Sequenced behind the failing batch, validated against it: refused too.
    CHECK(f.send(f.ana, "ana", 5, "behind").append.empty());
    CHECK(f.seq.speculative().seq() == 5);

    auto failed = f.seq.on_append(store::append_error::io);
    CHECK(failed.store_failed);
    CHECK(failed.published.empty());
    CHECK(failed.append.empty());
    CHECK(failed.first_seq == 2);
    CHECK(failed.last_seq == 4);
    REQUIRE(failed.replies.size() == 4);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(goes_to(failed.replies[i], f.ben));
        CHECK(failed.replies[i].request_id == i + 2);
        CHECK(failed.replies[i].code == pb::ERROR_CODE_STORE_UNAVAILABLE);
    }
    CHECK(goes_to(failed.replies[3], f.ana));
    CHECK(failed.replies[3].request_id == 5);
    CHECK(failed.replies[3].code == pb::ERROR_CODE_STORE_UNAVAILABLE);
    CHECK(f.seq.committed().seq() == 1);
    CHECK(f.seq.speculative().seq() == 1);
    CHECK(f.seq.idle());

    // The next command takes the seq after the last stored one: never a gap.
    auto next = f.send(f.ana, "ana", 6, "after the outage");
    REQUIRE(next.append.size() == 1);
    CHECK(next.append[0].seq == 2);

    // A refused command was not stored: sent again, it is a new command, not a retry.
    f.seq.on_append(store::append_error::ok);
    auto again = f.send(f.ben, "ben", 2, "lost 2");
    CHECK(again.replies.empty());
    REQUIRE(again.append.size() == 1);
    CHECK(again.append[0].seq == 3);
}

TEST_CASE("a retry of a stored command inside the window gets the original ack, and nothing is appended")
{
    room_fixture f;
    f.send(f.ana, "ana", 7, "once");
    f.seq.on_append(store::append_error::ok);
    f.send(f.ben, "ben", 1, "other");
    f.seq.on_append(store::append_error::ok);

    // After a reconnect, from another connection of the same client.
    auto other_connection = std::make_shared<nobody>();
    auto retry = f.send(other_connection, "ana", 7, "once");
    CHECK(retry.append.empty());
    CHECK(retry.published.empty());
    REQUIRE(retry.replies.size() == 1);
    CHECK(goes_to(retry.replies[0], other_connection));
    CHECK(retry.replies[0].is_ack());
    CHECK(retry.replies[0].request_id == 7);
    CHECK(retry.replies[0].seq == 1);
    CHECK(f.seq.speculative().seq() == 2);
    CHECK(f.seq.idle());
}

TEST_CASE("a retry of a command in the batch being stored is answered with the original's ack, once stored")
{
    room_fixture f;
    REQUIRE(f.send(f.ana, "ana", 3, "in flight").append.size() == 1);
    auto resumed = std::make_shared<nobody>();
    auto retry = f.send(resumed, "ana", 3, "in flight");
    CHECK(retry.replies.empty()); // not acked before it is stored
    CHECK(retry.append.empty());
    CHECK(f.seq.speculative().seq() == 1);

    // A retry of a queued command too.
    f.send(f.ben, "ben", 9, "queued");
    auto queued_retry = f.send(resumed, "ben", 9, "queued");
    CHECK(queued_retry.replies.empty());

    auto stored = f.seq.on_append(store::append_error::ok);
    REQUIRE(stored.published.size() == 1);
    REQUIRE(stored.published[0].retries.size() == 1);
    CHECK(stored.published[0].retries[0].who.lock() == resumed);
    CHECK(stored.published[0].retries[0].request_id == 3);
    REQUIRE(seqs_of(stored.append) == std::vector<std::uint64_t>{2});
    auto second = f.seq.on_append(store::append_error::ok);
    REQUIRE(second.published.size() == 1);
    CHECK(second.published[0].retries.size() == 1);
}

TEST_CASE("a retry of a command in a batch that failed is refused with it")
{
    room_fixture f;
    f.send(f.ana, "ana", 3, "doomed");
    auto resumed = std::make_shared<nobody>();
    f.send(resumed, "ana", 3, "doomed");
    auto failed = f.seq.on_append(store::append_error::io);
    REQUIRE(failed.replies.size() == 2);
    CHECK(goes_to(failed.replies[1], resumed));
    CHECK(failed.replies[1].code == pb::ERROR_CODE_STORE_UNAVAILABLE);
}

TEST_CASE("another participant's command with the same client and request ids is not taken for a retry")
{
    room_fixture f;
    f.send(f.ana, "ana", 1, "mine");
    f.seq.on_append(store::append_error::ok);
    auto ben = f.send(f.ben, "ben", 1, "his own", "tab-1");
    CHECK(ben.replies.empty());
    REQUIRE(ben.append.size() == 1);
    CHECK(ben.append[0].seq == 2);
}

TEST_CASE("a command without a client id is never deduplicated")
{
    room_fixture f;
    f.send(f.ana, "ana", 1, "admin says", "");
    f.seq.on_append(store::append_error::ok);
    auto again = f.send(f.ana, "ana", 1, "admin says", "");
    REQUIRE(again.append.size() == 1);
    CHECK(again.append[0].client_id.empty());
    CHECK(again.append[0].op_id == 0);
}

TEST_CASE("fenced: step down, nothing acked nor refused, nothing published")
{
    room_fixture f;
    f.send(f.ana, "ana", 1, "stored");
    f.seq.on_append(store::append_error::ok);
    f.send(f.ana, "ana", 2, "in the store when another node took over");
    f.send(f.ben, "ben", 1, "queued");
    auto fenced = f.seq.on_append(store::append_error::fenced);
    CHECK(fenced.step_down);
    CHECK(fenced.replies.empty());
    CHECK(fenced.published.empty());
    CHECK(fenced.append.empty());
    CHECK(fenced.first_seq == 2);
    CHECK(f.seq.committed().seq() == 1);
    f.seq.drop_all();
    CHECK(f.seq.idle());
    // An answer arriving after the room dropped its batches concerns nobody.
    auto late = f.seq.on_append(store::append_error::ok);
    CHECK(late.published.empty());
    CHECK(f.seq.committed().seq() == 1);
}

TEST_CASE("a batch the log refuses as a duplicate: what the log holds is acked from it, the rest sequenced again")
{
    room_fixture f;
    f.send(f.ana, "ana", 1, "stored");
    f.seq.on_append(store::append_error::ok);
    // An old retry the window forgot (here: one the log holds at seq 1 under
    // another id), and a bystander's new command in the same batch.
    f.send(f.ana, "ana", 50, "blocker");
    f.send(f.ana, "ana", 40, "old retry");
    f.send(f.ben, "ben", 1, "bystander");
    auto batch = f.seq.on_append(store::append_error::ok);
    REQUIRE(seqs_of(batch.append) == std::vector<std::uint64_t>{3, 4});
    // The batch with seq 2 was stored; the next one holds the old retry.
    auto dup = f.seq.on_append(store::append_error::duplicate);
    REQUIRE(dup.look_up_batch);
    CHECK(dup.replies.empty());
    REQUIRE(dup.look_up_batch->size() == 2);
    CHECK((*dup.look_up_batch)[0].second == 40);
    CHECK((*dup.look_up_batch)[1].second == 1);
    CHECK(f.seq.committing()); // still waiting: new commands queue behind it

    auto resolved = f.seq.on_stored_ops(std::vector<std::optional<std::uint64_t>>{1, std::nullopt}, false, now);
    REQUIRE(resolved.replies.size() == 1);
    CHECK(goes_to(resolved.replies[0], f.ana));
    CHECK(resolved.replies[0].is_ack());
    CHECK(resolved.replies[0].request_id == 40);
    CHECK(resolved.replies[0].seq == 1);
    // The bystander's command takes the next free seq.
    CHECK(seqs_of(resolved.append) == std::vector<std::uint64_t>{3});
    CHECK(f.seq.speculative().seq() == 3);
    // The old retry is remembered now: sent again, acked without the store.
    f.seq.on_append(store::append_error::ok);
    auto once_more = f.send(f.ana, "ana", 40, "old retry");
    REQUIRE(once_more.replies.size() == 1);
    CHECK(once_more.replies[0].seq == 1);
}

TEST_CASE("a duplicate the log does not explain reloads the room; a look-up that fails refuses")
{
    SUBCASE("no command of the batch in the log: the log holds events this room did not sequence")
    {
        room_fixture f;
        f.send(f.ana, "ana", 1, "a");
        f.seq.on_append(store::append_error::duplicate);
        auto actions = f.seq.on_stored_ops(std::vector<std::optional<std::uint64_t>>{std::nullopt}, false, now);
        CHECK(actions.reload);
        REQUIRE(actions.replies.size() == 1);
        CHECK(actions.replies[0].code == pb::ERROR_CODE_STORE_UNAVAILABLE);
        CHECK(f.seq.speculative().seq() == 0);
    }
    SUBCASE("the store could not be read")
    {
        room_fixture f;
        f.send(f.ana, "ana", 1, "a");
        f.seq.on_append(store::append_error::duplicate);
        auto actions = f.seq.on_stored_ops(std::nullopt, false, now);
        CHECK(actions.store_failed);
        CHECK_FALSE(actions.reload);
        REQUIRE(actions.replies.size() == 1);
        CHECK(actions.replies[0].code == pb::ERROR_CODE_STORE_UNAVAILABLE);
    }
    SUBCASE("shutting down: what is not in the log is refused, not stored")
    {
        room_fixture f;
        f.send(f.ana, "ana", 1, "held");
        f.send(f.ben, "ben", 1, "new");
        f.seq.on_append(store::append_error::duplicate);
        auto actions = f.seq.on_stored_ops(std::vector<std::optional<std::uint64_t>>{7}, true, now);
        CHECK(actions.append.empty());
        REQUIRE(actions.replies.size() == 2);
        CHECK(actions.replies[0].seq == 7);
        CHECK(actions.replies[1].code == pb::ERROR_CODE_ROOM_UNAVAILABLE);
        CHECK(f.seq.idle());
    }
}

TEST_CASE("the state's refusal goes to the sender; with ids beyond the window it is looked up in the log first")
{
    SUBCASE("every id remembered: refused at once")
    {
        room_fixture f;
        auto refused = f.seq.submit(f.ana, participant("ana"), "tab-1", delete_missing(5), now);
        CHECK(refused.look_ups.empty());
        REQUIRE(refused.replies.size() == 1);
        CHECK(refused.replies[0].code != pb::ERROR_CODE_UNSPECIFIED);
        CHECK(refused.refusals.size() == 1);
        CHECK(f.seq.idle());
    }
    SUBCASE("the log may hold it: looked up, then acked with the stored seq")
    {
        sequencer seq("harbour", 2);
        // The load read a full window: the log may hold more ids than it.
        seq.load(model::room_state("harbour"), {{"x\x1fy", 1, 1}, {"x\x1fy", 2, 2}}, 2);
        auto ana = std::make_shared<nobody>();
        auto refused = seq.submit(ana, participant("ana"), "tab-1", delete_missing(5), now);
        CHECK(refused.replies.empty());
        REQUIRE(refused.look_ups.size() == 1);
        CHECK(refused.look_ups[0].bare_client == "tab-1");
        auto answered = seq.on_refusal_looked_up(std::move(refused.look_ups[0]), 1);
        REQUIRE(answered.replies.size() == 1);
        CHECK(answered.replies[0].is_ack());
        CHECK(answered.replies[0].seq == 1);
    }
}

TEST_CASE("ids read at the load answer retries after a restart")
{
    sequencer seq("harbour", 100);
    seq.load(model::room_state("harbour"), {{std::string("ana\x1f") + "tab-1", 9, 4}}, 100);
    auto ana = std::make_shared<nobody>();
    auto retry = seq.submit(ana, participant("ana"), "tab-1", chat(9, "from before the restart"), now);
    CHECK(retry.append.empty());
    REQUIRE(retry.replies.size() == 1);
    CHECK(retry.replies[0].seq == 4);
}

TEST_CASE("shutting down refuses the queued commands and lets the batch in the store finish")
{
    room_fixture f;
    f.send(f.ana, "ana", 1, "in the store");
    f.send(f.ben, "ben", 1, "queued");
    auto refused = f.seq.refuse_queued("the server is shutting down; resend after reconnecting");
    REQUIRE(refused.replies.size() == 1);
    CHECK(goes_to(refused.replies[0], f.ben));
    CHECK(refused.replies[0].code == pb::ERROR_CODE_ROOM_UNAVAILABLE);
    auto stored = f.seq.on_append(store::append_error::ok);
    CHECK(stored.published.size() == 1);
    CHECK(stored.append.empty());
    // The refused command is not remembered: sent again, it is sequenced.
    auto again = f.send(f.ben, "ben", 1, "queued");
    REQUIRE(again.append.size() == 1);
    CHECK(again.append[0].seq == 2);
}

namespace {

pb::ClientMessage add_point(std::uint64_t request_id, const std::string& id)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    auto* f = m.mutable_add_feature()->mutable_feature();
    f->set_id(id);
    f->set_title("Place " + id);
    f->mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    auto* p = f->mutable_geometry()->add_positions();
    p->set_lon(13.4);
    p->set_lat(52.5);
    return m;
}

pb::ClientMessage delete_feature(std::uint64_t request_id, const std::string& id)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    m.mutable_delete_feature()->set_id(id);
    return m;
}

} // namespace

TEST_CASE("the speculative state is the committed one until a command comes while another is in the store")
{
    room_fixture f;
    f.seq.load(model::room_state("harbour"), {}, 1000);
    // Nothing in flight: no copy, the committed state is what validates.
    CHECK(&f.seq.speculative() == &f.seq.committed());
    auto added = f.seq.submit(f.ana, participant("ana"), "tab-1", add_point(1, "pier"), now);
    REQUIRE(added.append.size() == 1);
    CHECK(f.seq.committed().find_feature("pier") == nullptr); // not before it is stored
    // Validated against the committed state with the batch in the store
    // applied: the feature being stored can be deleted, a missing one not.
    auto deleted = f.seq.submit(f.ana, participant("ana"), "tab-1", delete_feature(2, "pier"), now);
    CHECK(deleted.replies.empty());
    CHECK(deleted.refusals.empty());
    CHECK(f.seq.speculative().find_feature("pier") == nullptr);
    CHECK(f.seq.speculative().seq() == 2);
    auto missing = f.seq.submit(f.ana, participant("ana"), "tab-1", delete_feature(3, "no-such"), now);
    REQUIRE(missing.refusals.size() == 1);
    auto stored = f.seq.on_append(store::append_error::ok);
    CHECK(stored.published.size() == 1);
    CHECK(f.seq.committed().find_feature("pier") != nullptr);
    CHECK(seqs_of(stored.append) == std::vector<std::uint64_t>{2});
    CHECK(f.seq.on_append(store::append_error::ok).published.size() == 1);
    CHECK(f.seq.committed().find_feature("pier") == nullptr);
    CHECK(f.seq.speculative().canonical_hash() == f.seq.committed().canonical_hash());
}

TEST_CASE("after a failed batch the next command validates against what is stored, without the lost change")
{
    room_fixture f;
    f.seq.load(model::room_state("harbour"), {}, 1000);
    REQUIRE(f.seq.submit(f.ana, participant("ana"), "tab-1", add_point(1, "pier"), now).append.size() == 1);
    f.seq.submit(f.ana, participant("ana"), "tab-1", add_point(2, "quay"), now); // made the speculative state
    REQUIRE(f.seq.speculative().find_feature("quay") != nullptr);
    auto failed = f.seq.on_append(store::append_error::io);
    CHECK(failed.store_failed);
    CHECK(&f.seq.speculative() == &f.seq.committed()); // dropped, not copied again
    // "pier" was never stored: deleting it is refused; adding it again is not.
    CHECK(f.seq.submit(f.ana, participant("ana"), "tab-1", delete_feature(3, "pier"), now).refusals.size() == 1);
    auto again = f.seq.submit(f.ana, participant("ana"), "tab-1", add_point(4, "pier"), now);
    REQUIRE(again.append.size() == 1);
    CHECK(again.append[0].seq == 1); // no seq skipped
    // With that one in the store, a second command sees it.
    auto second = f.seq.submit(f.ana, participant("ana"), "tab-1", delete_feature(5, "pier"), now);
    CHECK(second.refusals.empty());
    CHECK(f.seq.speculative().seq() == 2);
}
