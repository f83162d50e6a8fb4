// Chat changes over the wire: real SDK clients of a real
// server react, reply, edit and delete with a visible trace, mention each
// other, and get named errors for bad input.
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <vector>

using namespace maptable;
using namespace maptable::test;

namespace {

const pb::ChatMessage& message_in(const model::room_state& state, std::uint64_t seq)
{
    const pb::ChatMessage* m = state.find_chat(seq);
    REQUIRE_MESSAGE(m != nullptr, "the replica has no chat message " << seq);
    return *m;
}

// Mentions a client was told about, in order. Made before the client it
// listens to, so that it outlives the client's callbacks.
class mention_log {
public:
    std::function<void(const pb::ChatMessage&)> callback()
    {
        return [this](const pb::ChatMessage& m) {
            std::lock_guard lock(mutex_);
            seqs_.push_back(m.seq());
            if (seqs_.size() == 1)
                first_.set_value(m);
        };
    }
    std::future<pb::ChatMessage> first() { return first_.get_future(); }
    std::vector<std::uint64_t> seqs() const
    {
        std::lock_guard lock(mutex_);
        return seqs_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::uint64_t> seqs_;
    std::promise<pb::ChatMessage> first_;
};

} // namespace

TEST_CASE("a mention reaches the participant it names, and no one else")
{
    server_process server;
    mention_log ana_mentions, ben_mentions, fay_mentions;
    client ana(server.options("square", "ana"));
    client ben(server.options("square", "ben"));
    client fay(server.options("square", "fay", pb::ROLE_FACILITATOR));
    ana.on_mention(ana_mentions.callback());
    ben.on_mention(ben_mentions.callback());
    fay.on_mention(fay_mentions.callback());
    event_recorder fay_sees(fay);
    event_recorder ana_sees(ana);
    auto ben_first = ben_mentions.first();
    join_or_fail(ana);
    join_or_fail(ben);
    join_or_fail(fay);

    const auto said = ana.send_chat("@ben can you check the square?", 0, {}, {"ben", "ana"}).get();
    REQUIRE_MESSAGE(said.ok, said.message);
    REQUIRE(ben_first.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    const pb::ChatMessage m = ben_first.get();
    CHECK(m.seq() == said.seq);
    CHECK(m.author_id() == "ana");
    CHECK(m.text() == "@ben can you check the square?");
    REQUIRE(m.mentions_size() == 2);
    CHECK(m.mentions(0) == "ben");

    // The others applied the same event without being told about a mention
    // (ana mentioned herself: one's own message is no news).
    const auto later = ben.send_chat("on my way").get();
    REQUIRE(later.ok);
    REQUIRE(fay_sees.wait_for_seq(later.seq));
    REQUIRE(ana_sees.wait_for_seq(later.seq));
    CHECK(fay_mentions.seqs().empty());
    CHECK(ana_mentions.seqs().empty());
    CHECK(ben_mentions.seqs() == std::vector<std::uint64_t>{said.seq});

    const auto bad = ana.send_chat("@who", 0, {}, {"not a participant id"}).get();
    CHECK(bad.code == pb::ERROR_CODE_INVALID_MENTION);
    CHECK(bad.message.find("mention 0: a participant id is") == 0);
}

TEST_CASE("reactions, a reply, an edit and deletions reach everyone with their trace")
{
    server_process server;
    client ana(server.options("harbour", "ana"));
    client ben(server.options("harbour", "ben"));
    client fay(server.options("harbour", "fay", pb::ROLE_FACILITATOR));
    event_recorder ana_sees(ana);
    event_recorder fay_sees(fay);
    join_or_fail(ana);
    join_or_fail(ben);
    join_or_fail(fay);

    const auto question = ana.send_chat("Meet at 5?").get();
    REQUIRE(question.ok);
    const auto answer = ben.send_chat("Yes, at the ferry", question.seq).get();
    REQUIRE(answer.ok);
    const auto rude = ben.send_chat("and bring the idiot from last time").get();
    REQUIRE(rude.ok);
    REQUIRE(ben.react_to_chat(question.seq, "👍").get().ok);
    REQUIRE(fay.react_to_chat(question.seq, "👍").get().ok);
    REQUIRE(fay.react_to_chat(question.seq, "🎉").get().ok);
    const auto unreacted = fay.react_to_chat(question.seq, "🎉", true).get();
    REQUIRE(unreacted.ok);
    const auto edited = ana.edit_chat(question.seq, "Meet at 6?").get();
    REQUIRE(edited.ok);
    const auto moderated = fay.delete_chat(rude.seq, "keep it civil").get();
    REQUIRE(moderated.ok);
    const auto own = ben.delete_chat(answer.seq).get();
    REQUIRE(own.ok);

    REQUIRE(ana_sees.wait_for_seq(own.seq));
    const model::room_state seen = ana.replica();
    const pb::ChatMessage& q = message_in(seen, question.seq);
    CHECK(q.text() == "Meet at 6?");
    CHECK(q.edited_seq() == edited.seq);
    REQUIRE(q.reactions_size() == 1);
    CHECK(q.reactions(0).emoji() == "👍");
    REQUIRE(q.reactions(0).participant_ids_size() == 2);
    CHECK(q.reactions(0).participant_ids(0) == "ben");
    CHECK(q.reactions(0).participant_ids(1) == "fay");

    const pb::ChatMessage& a = message_in(seen, answer.seq);
    CHECK(a.reply_to() == question.seq);
    CHECK(a.deleted());
    CHECK(a.text().empty());
    CHECK(a.deleted_by() == "ben");

    const pb::ChatMessage& r = message_in(seen, rude.seq);
    CHECK(r.deleted());
    CHECK(r.text().empty());
    CHECK(r.author_id() == "ben");
    CHECK(r.deleted_by() == "fay");
    CHECK(r.delete_reason() == "keep it civil");

    // The events carry the change; the deleted words stay only in the event that posted them.
    bool edit_seen = false;
    for (const pb::Event& e : ana_sees.events())
        if (e.seq() == edited.seq)
            edit_seen = e.has_chat_edited() && e.chat_edited().text() == "Meet at 6?";
    CHECK(edit_seen);
    REQUIRE(fay_sees.wait_for_seq(own.seq));
    CHECK(ben.replica().canonical_hash() == seen.canonical_hash());
    CHECK(fay.replica().canonical_hash() == seen.canonical_hash());

    // A history page from the server shows the same trace.
    const chat_page page = ana.chat_history(0, 50).get();
    REQUIRE(page.ok);
    REQUIRE(page.messages.size() == 3);
    CHECK(page.messages[0].text() == "Meet at 6?");
    CHECK(page.messages[0].edited_seq() == edited.seq);
    CHECK(page.messages[2].deleted());
    CHECK(page.messages[2].text().empty());
    CHECK(page.messages[2].delete_reason() == "keep it civil");
}

TEST_CASE("chat changes refused on the wire name what was wrong")
{
    server_process server;
    client ana(server.options("river", "ana"));
    client ben(server.options("river", "ben"));
    client olga(server.options("river", "olga", pb::ROLE_OBSERVER));
    join_or_fail(ana);
    join_or_fail(ben);
    join_or_fail(olga);

    const auto said = ana.send_chat("The river path floods").get();
    REQUIRE(said.ok);

    const auto spaced = ben.react_to_chat(said.seq, "thumbs up").get();
    CHECK(spaced.code == pb::ERROR_CODE_INVALID_REACTION);
    CHECK(spaced.message.find("a reaction is one emoji or short token of 1 to 16 bytes") == 0);
    CHECK(ben.react_to_chat(said.seq, "").get().code == pb::ERROR_CODE_INVALID_REACTION);
    CHECK(ben.react_to_chat(said.seq, std::string(17, 'x')).get().code == pb::ERROR_CODE_INVALID_REACTION);
    CHECK(ben.react_to_chat(said.seq + 100, "👍").get().code == pb::ERROR_CODE_MESSAGE_NOT_FOUND);
    REQUIRE(ben.react_to_chat(said.seq, "👍").get().ok);
    CHECK(ben.react_to_chat(said.seq, "👍").get().code == pb::ERROR_CODE_NO_CHANGE);
    CHECK(olga.react_to_chat(said.seq, "👀").get().code == pb::ERROR_CODE_PERMISSION_DENIED);

    const auto not_mine = ben.edit_chat(said.seq, "The river path is fine").get();
    CHECK(not_mine.code == pb::ERROR_CODE_NOT_AUTHOR);
    CHECK(not_mine.message == "only its author may edit a chat message");
    CHECK(ben.delete_chat(said.seq).get().code == pb::ERROR_CODE_NOT_AUTHOR);
    CHECK(ana.edit_chat(said.seq, "The river path floods").get().code == pb::ERROR_CODE_NO_CHANGE);
    CHECK(ana.edit_chat(said.seq, "").get().code == pb::ERROR_CODE_EMPTY_MESSAGE);
    CHECK(ana.send_chat("re", said.seq + 50).get().code == pb::ERROR_CODE_REPLY_NOT_FOUND);

    REQUIRE(ana.delete_chat(said.seq).get().ok);
    CHECK(ana.delete_chat(said.seq).get().code == pb::ERROR_CODE_ALREADY_DELETED);
    CHECK(ana.edit_chat(said.seq, "back").get().code == pb::ERROR_CODE_ALREADY_DELETED);
    // Nothing refused reached the replica: only the message, one reaction and the delete.
    CHECK(ana.seq() == said.seq + 2);
}
