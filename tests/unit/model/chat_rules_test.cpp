// Layer: model tests. Chat (protocol/model/rules/chat.cpp): send with replies
// and @mentions, reactions, edit by the author with a visible trace, delete by
// the author or a facilitator with a visible trace, and a facilitator's
// delete of a message older than the recent window. Every test that changes
// the room also checks that a replica built from its events has the same hash.
#include "model_fixture.hpp"

#include "model/limits.hpp"

#include <string>
#include <vector>

using namespace fixture;

namespace {

struct logged_room {
    model::room_state room{"harbour"};
    std::vector<pb::Event> log;

    pb::Event go(const pb::ClientMessage& c, const model::actor& who, std::int64_t now = now_ms)
    {
        log.push_back(run(room, c, who, now));
        return log.back();
    }
    const pb::ChatMessage& message(std::uint64_t seq) const
    {
        const pb::ChatMessage* m = room.find_chat(seq);
        REQUIRE_MESSAGE(m, "no chat message " << seq);
        return *m;
    }
    void check_replica() const { CHECK(replica_of("harbour", log).canonical_hash() == room.canonical_hash()); }
};

pb::ClientMessage say(const std::string& text, std::uint64_t reply_to = 0, std::vector<std::string> mentions = {},
                      const std::string& feature_id = {})
{
    return command([&](pb::ClientMessage& m) {
        auto& s = *m.mutable_send_chat();
        s.set_text(text);
        s.set_reply_to(reply_to);
        s.set_feature_id(feature_id);
        for (const std::string& id : mentions)
            s.add_mentions(id);
    });
}

pb::ClientMessage react(std::uint64_t seq, const std::string& emoji, bool remove = false)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_react_to_chat()->set_message_seq(seq);
        m.mutable_react_to_chat()->set_emoji(emoji);
        m.mutable_react_to_chat()->set_remove(remove);
    });
}

pb::ClientMessage edit(std::uint64_t seq, const std::string& text)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_edit_chat()->set_message_seq(seq);
        m.mutable_edit_chat()->set_text(text);
    });
}

pb::ClientMessage erase(std::uint64_t seq, const std::string& reason = {})
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_delete_chat()->set_message_seq(seq);
        m.mutable_delete_chat()->set_reason(reason);
    });
}

// "emoji:id,id; emoji:id" in state order.
std::string reactions(const pb::ChatMessage& m)
{
    std::string out;
    for (const pb::Reaction& r : m.reactions()) {
        out += (out.empty() ? "" : "; ") + r.emoji() + ":";
        for (int i = 0; i < r.participant_ids_size(); ++i)
            out += (i ? "," : "") + r.participant_ids(i);
    }
    return out;
}

} // namespace

TEST_CASE("a chat message carries its author, time, reply, feature, mentions and session")
{
    pb::RoomState in_session;
    in_session.mutable_info()->set_id("harbour");
    in_session.set_seq(1);
    in_session.set_current_session(1);
    model::room_state room = model::room_state::from_proto(in_session);
    run(room, add(point("square")), participant);
    run(room, say("Where do we meet?"), participant2);

    const pb::Event e =
        run(room, say("At the @Quinn square", 3, {"par-2", "fac-1"}, "square"), participant, now_ms + 7);
    REQUIRE(e.has_chat_posted());
    const pb::ChatMessage& m = e.chat_posted().message();
    CHECK(m.seq() == 4);
    CHECK(m.author_id() == participant.id);
    CHECK(m.author_name() == participant.name);
    CHECK(m.text() == "At the @Quinn square");
    CHECK(m.reply_to() == 3);
    CHECK(m.feature_id() == "square");
    CHECK(m.time_ms() == now_ms + 7);
    REQUIRE(m.mentions_size() == 2);
    CHECK(m.mentions(0) == "par-2");
    CHECK(m.mentions(1) == "fac-1");
    CHECK(m.session_id() == 1);
    CHECK(m.edited_seq() == 0);
    CHECK_FALSE(m.deleted());
    REQUIRE(room.find_chat(4));
    CHECK(room.find_chat(4)->SerializeAsString() == m.SerializeAsString());
}

TEST_CASE("a chat message needs text, a real earlier message to reply to, a known feature and valid mentions")
{
    logged_room r;
    r.go(say("hello"), participant);
    r.go(add(point("square")), participant);
    r.go(say("world"), participant);

    CHECK(outcome(r.room, say(""), participant) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(r.room, say(" \t\n"), participant) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(r.room, say("\xed\xa0\x80"), participant) == "ERROR_CODE_INVALID_UTF8"); // a surrogate
    CHECK(outcome(r.room, say(std::string(model::limits().max_chat_chars + 1, 'x')), participant) ==
          "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(outcome(r.room, say(std::string(model::limits().max_chat_chars, 'x')), participant) == "accepted");

    CHECK(outcome(r.room, say("re", 4), participant) == "ERROR_CODE_REPLY_NOT_FOUND"); // the future
    CHECK(outcome(r.room, say("re", 2), participant) == "ERROR_CODE_REPLY_NOT_FOUND"); // a feature's seq
    CHECK(outcome(r.room, say("re", 1), participant) == "accepted");
    CHECK(outcome(r.room, say("re", 3), participant) == "accepted");
    CHECK(outcome(r.room, say("about", 0, {}, "gone"), participant) == "ERROR_CODE_FEATURE_NOT_FOUND");

    CHECK(outcome(r.room, say("@", 0, {""}), participant) == "ERROR_CODE_INVALID_MENTION");
    CHECK(outcome(r.room, say("@", 0, {"two words"}), participant) == "ERROR_CODE_INVALID_MENTION");
    CHECK(outcome(r.room, say("@", 0, {std::string(129, 'p')}), participant) == "ERROR_CODE_INVALID_MENTION");
    std::vector<std::string> many;
    for (int i = 0; i < 21; ++i)
        many.push_back("p-" + std::to_string(i));
    const auto why = refusal(r.room, say("everyone", 0, many), participant);
    CHECK(why.code == pb::ERROR_CODE_INVALID_MENTION);
    CHECK(why.message == "a message may mention at most 20 participants, got 21");
    many.pop_back();
    CHECK(outcome(r.room, say("everyone", 0, many), participant) == "accepted");
    r.check_replica();
}

TEST_CASE("reactions: each participant once per emoji, in the order they reacted; removing the last drops the emoji")
{
    logged_room r;
    r.go(say("Shall we start?"), facilitator);

    const pb::Event e = r.go(react(1, "👍"), participant);
    REQUIRE(e.has_chat_reacted());
    CHECK(e.chat_reacted().message_seq() == 1);
    CHECK(e.chat_reacted().emoji() == "👍");
    CHECK_FALSE(e.chat_reacted().removed());
    r.go(react(1, "👍"), participant2);
    r.go(react(1, "🎉"), participant);
    r.go(react(1, "👍"), facilitator);
    CHECK(reactions(r.message(1)) == "👍:par-1,par-2,fac-1; 🎉:par-1");

    const auto twice = refusal(r.room, react(1, "👍"), participant);
    CHECK(twice.code == pb::ERROR_CODE_NO_CHANGE);
    CHECK(twice.message == "you already reacted with \"👍\"");
    CHECK(outcome(r.room, react(1, "🎉", true), participant2) == "ERROR_CODE_NO_CHANGE");

    r.go(react(1, "👍", true), participant2);
    CHECK(reactions(r.message(1)) == "👍:par-1,fac-1; 🎉:par-1");
    r.go(react(1, "🎉", true), participant);
    CHECK(reactions(r.message(1)) == "👍:par-1,fac-1");
    CHECK(outcome(r.room, react(1, "🎉", true), participant) == "ERROR_CODE_NO_CHANGE");
    r.check_replica();
}

TEST_CASE("a reaction is 1 to 16 bytes of UTF-8 without white space, on a message that is there; at most 20 emojis")
{
    logged_room r;
    r.go(say("Vote with emojis"), facilitator);

    for (const std::string& bad : {std::string(), std::string("a b"), std::string("\t"), std::string(17, 'x'),
                                   std::string("\xff"), std::string("ok\x7f")})
        CHECK_MESSAGE(outcome(r.room, react(1, bad), participant) == "ERROR_CODE_INVALID_REACTION",
                      "emoji of " << bad.size() << " bytes");
    CHECK(outcome(r.room, react(1, std::string(16, 'x')), participant) == "accepted");
    CHECK(outcome(r.room, react(1, ":+1:"), participant) == "accepted");
    CHECK(outcome(r.room, react(2, "👍"), participant) == "ERROR_CODE_MESSAGE_NOT_FOUND");
    CHECK(outcome(r.room, react(0, "👍"), participant) == "ERROR_CODE_MESSAGE_NOT_FOUND");

    for (int i = 0; i < 20; ++i)
        r.go(react(1, "e" + std::to_string(i)), participant);
    const auto full = refusal(r.room, react(1, "e20"), participant2);
    CHECK(full.code == pb::ERROR_CODE_INVALID_REACTION);
    CHECK(full.message == "a message may carry at most 20 different reactions");
    CHECK(outcome(r.room, react(1, "e7"), participant2) == "accepted"); // an emoji already there is fine
    CHECK(outcome(r.room, react(1, "e7"), observer) == "ERROR_CODE_PERMISSION_DENIED");
    r.check_replica();
}

TEST_CASE("only the author edits a chat message, and the edit leaves a trace")
{
    logged_room r;
    r.go(say("Meet at 5"), participant);
    r.go(say("OK"), participant2);

    const pb::Event e = r.go(edit(1, "Meet at 6"), participant);
    REQUIRE(e.has_chat_edited());
    CHECK(e.chat_edited().message_seq() == 1);
    CHECK(e.chat_edited().text() == "Meet at 6");
    CHECK(r.message(1).text() == "Meet at 6");
    CHECK(r.message(1).edited_seq() == 3);
    CHECK(r.message(2).edited_seq() == 0);
    CHECK(r.log[0].chat_posted().message().text() == "Meet at 5"); // the log keeps the first words

    const auto not_author = refusal(r.room, edit(1, "Meet at 7"), participant2);
    CHECK(not_author.code == pb::ERROR_CODE_NOT_AUTHOR);
    CHECK(not_author.message == "only its author may edit a chat message");
    // Not even a facilitator puts words in someone's mouth.
    CHECK(outcome(r.room, edit(1, "Meet at 7"), facilitator) == "ERROR_CODE_NOT_AUTHOR");
    CHECK(outcome(r.room, edit(1, "Meet at 6"), participant) == "ERROR_CODE_NO_CHANGE");
    CHECK(outcome(r.room, edit(1, "   "), participant) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(r.room, edit(9, "x"), participant) == "ERROR_CODE_MESSAGE_NOT_FOUND");

    r.go(edit(1, "Meet at 6:30"), participant);
    CHECK(r.message(1).edited_seq() == 4);
    r.check_replica();
}

TEST_CASE("the author or a facilitator deletes a chat message, and the deletion leaves a trace")
{
    logged_room r;
    r.go(say("something rude", 0, {"par-1"}), participant2);
    r.go(react(1, "😮"), participant);
    r.go(say("my own mistake"), participant);

    CHECK(outcome(r.room, erase(1), participant) == "ERROR_CODE_NOT_AUTHOR");
    CHECK(outcome(r.room, erase(1, std::string(model::limits().max_title_chars + 1, 'r')), facilitator) ==
          "ERROR_CODE_TEXT_TOO_LONG");

    const pb::Event e = r.go(erase(1, "keep it civil"), facilitator);
    REQUIRE(e.has_chat_deleted());
    CHECK(e.chat_deleted().message_seq() == 1);
    CHECK(e.chat_deleted().reason() == "keep it civil");
    const pb::ChatMessage& gone = r.message(1);
    CHECK(gone.deleted());
    CHECK(gone.text().empty());
    CHECK(gone.mentions_size() == 0);
    CHECK(gone.reactions_size() == 0);
    CHECK(gone.deleted_by() == facilitator.id);
    CHECK(gone.delete_reason() == "keep it civil");
    CHECK(gone.author_id() == participant2.id);
    CHECK(r.log[0].chat_posted().message().text() == "something rude"); // the audit trail

    r.go(erase(3), participant);
    CHECK(r.message(3).deleted());
    CHECK(r.message(3).deleted_by() == participant.id);

    CHECK(outcome(r.room, erase(1), facilitator) == "ERROR_CODE_ALREADY_DELETED");
    CHECK(outcome(r.room, edit(3, "revived"), participant) == "ERROR_CODE_ALREADY_DELETED");
    CHECK(outcome(r.room, react(1, "👍"), participant) == "ERROR_CODE_ALREADY_DELETED");
    CHECK(outcome(r.room, erase(42), facilitator) == "ERROR_CODE_MESSAGE_NOT_FOUND");
    r.check_replica();
}

TEST_CASE("a facilitator deletes a message older than the recent window; nobody else can reach it")
{
    logged_room r;
    const std::size_t window = model::limits().recent_chat;
    for (std::size_t i = 1; i <= window + 5; ++i)
        r.go(say("message " + std::to_string(i)), participant);
    REQUIRE(r.room.recent_chat().size() == window);
    REQUIRE(r.room.recent_chat().front().seq() == 6);

    CHECK(outcome(r.room, erase(3), participant) == "ERROR_CODE_MESSAGE_NOT_FOUND");
    CHECK(outcome(r.room, edit(3, "late edit"), participant) == "ERROR_CODE_MESSAGE_NOT_FOUND");
    CHECK(outcome(r.room, react(3, "👍"), participant2) == "ERROR_CODE_MESSAGE_NOT_FOUND");
    CHECK(outcome(r.room, erase(0), facilitator) == "ERROR_CODE_MESSAGE_NOT_FOUND");

    const std::string before = r.room.canonical_hash();
    const pb::Event e = r.go(erase(3, "found it in the history"), facilitator);
    CHECK(e.chat_deleted().message_seq() == 3);
    CHECK(e.chat_deleted().reason() == "found it in the history");
    // The state does not hold it, so only the seq moved; history pages and
    // exports apply the deletion to the message it names.
    CHECK(r.room.recent_chat().size() == window);
    CHECK(r.room.find_chat(3) == nullptr);
    pb::ChatMessage old = r.log[2].chat_posted().message();
    model::apply_chat_change(old, e);
    CHECK(old.deleted());
    CHECK(old.text().empty());
    CHECK(old.deleted_by() == facilitator.id);
    CHECK(before != r.room.canonical_hash()); // the seq is part of the state
    r.check_replica();
}

TEST_CASE("observers chat and react only when everyone may, and edit only their own words")
{
    logged_room r;
    r.go(say("hi"), participant);
    CHECK(outcome(r.room, say("hi"), observer) == "ERROR_CODE_PERMISSION_DENIED");
    r.go(command([](pb::ClientMessage& m) {
             m.mutable_update_settings()->mutable_change()->set_chat(pb::AUDIENCE_EVERYONE);
         }),
         facilitator);
    r.go(say("may I?"), observer);
    r.go(react(1, "👋"), observer);
    r.go(edit(3, "may I ask?"), observer); // their own words
    CHECK(outcome(r.room, erase(1), observer) == "ERROR_CODE_NOT_AUTHOR");
    r.check_replica();
}

TEST_CASE("until the recent window has filled, every seq is checked: a reply or a deletion must name a chat message")
{
    logged_room r;
    r.go(add(point("f-1")), participant); // seq 1: a feature, not a message
    r.go(say("first"), participant);      // seq 2
    // The state holds every message ever posted, so seq 1 is known not to be one.
    CHECK(outcome(r.room, say("re", 1), participant) == "ERROR_CODE_REPLY_NOT_FOUND");
    CHECK(outcome(r.room, erase(1, "moderation"), facilitator) == "ERROR_CODE_MESSAGE_NOT_FOUND");
    CHECK(outcome(r.room, say("re", 2), participant) == "accepted");
}
