// The room's rules, tried from outside: a replay withholds what was deleted
// after the replayed seq (it shows nothing taken back since), one
// participant cannot make another's command pass for a retry of its own, and
// an exception in a room's handler ends that room only, not the server.
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using namespace maptable;
using namespace maptable::test;

namespace {

const pb::ChatMessage* chat_at(const model::room_state& state, std::uint64_t seq)
{
    for (const auto& m : state.recent_chat())
        if (m.seq() == seq)
            return &m;
    return nullptr;
}

const pb::Comment* comment_at(const model::room_state& state, const std::string& thread_id, std::uint64_t seq)
{
    const pb::Thread* thread = state.find_thread(thread_id);
    if (!thread)
        return nullptr;
    for (const auto& c : thread->comments())
        if (c.seq() == seq)
            return &c;
    return nullptr;
}

} // namespace

TEST_CASE("a replay before a deletion withholds the deleted chat message and comment")
{
    server_process server;
    client fay(server.options("redact", "fay", pb::ROLE_FACILITATOR));
    client pat(server.options("redact", "pat"));
    join_or_fail(fay);
    join_or_fail(pat);

    auto kept = pat.send_chat("kept words").get();
    REQUIRE(kept.ok);
    auto said = pat.send_chat("words taken back").get();
    REQUIRE(said.ok);
    pb::LonLat place;
    place.set_lon(4.9);
    place.set_lat(52.37);
    REQUIRE(pat.start_thread("t1", place, "a first comment that stays").get().ok);
    auto commented = pat.add_comment("t1", "a comment taken back").get();
    REQUIRE(commented.ok);
    const auto before = commented.seq; // everything said, nothing deleted yet
    REQUIRE(fay.delete_chat(said.seq, "off topic").get().ok);
    REQUIRE(fay.delete_comment("t1", commented.seq, "personal data").get().ok);

    // Someone who joins later and looks back at a seq before the deletions.
    client olly(server.options("redact", "olly", pb::ROLE_OBSERVER));
    join_or_fail(olly);
    auto replayed = olly.state_at_seq(before).get();
    REQUIRE_MESSAGE(replayed.ok, replayed.error.message);
    const auto& state = replayed.state;
    CHECK(state.seq() == before);

    const auto* message = chat_at(state, said.seq);
    REQUIRE(message != nullptr);
    CHECK(message->deleted());
    CHECK(message->text().empty());
    CHECK(message->deleted_by() == "fay");
    CHECK(message->delete_reason() == "off topic");
    const auto* other = chat_at(state, kept.seq);
    REQUIRE(other != nullptr);
    CHECK_FALSE(other->deleted());
    CHECK(other->text() == "kept words"); // only what was deleted is withheld

    const auto* comment = comment_at(state, "t1", commented.seq);
    REQUIRE(comment != nullptr);
    CHECK(comment->deleted());
    CHECK(comment->text().empty());
    CHECK(comment->deleted_by() == "fay");
    const auto& comments = state.find_thread("t1")->comments();
    REQUIRE(comments.size() == 2);
    CHECK(comments[0].text() == "a first comment that stays");

    // Nowhere in the replayed state are the deleted words.
    const auto bytes = state.to_proto().SerializeAsString();
    CHECK(bytes.find("words taken back") == std::string::npos);
    CHECK(bytes.find("a comment taken back") == std::string::npos);

    // After a restart the replay, read from the log alone, withholds them too.
    server.kill9();
    server.start();
    client late(server.options("redact", "late", pb::ROLE_OBSERVER));
    join_or_fail(late);
    auto again = late.state_at_seq(before).get();
    REQUIRE_MESSAGE(again.ok, again.error.message);
    CHECK(again.state.to_proto().SerializeAsString().find("words taken back") == std::string::npos);
    CHECK(again.state.to_proto().SerializeAsString().find("a comment taken back") == std::string::npos);
    const auto* reread = chat_at(again.state, said.seq);
    REQUIRE(reread != nullptr);
    CHECK(reread->deleted());

    // The exports at that seq withhold them as well, to a facilitator too,
    // unless the facilitator asks for deleted content (include_deleted=1).
    const auto facilitator = server.token("redact", "fay", pb::ROLE_FACILITATOR);
    for (const std::string what : {"chat.json", "chat.csv", "comments.json", "comments.csv", "report.md"}) {
        const auto target = "/v1/rooms/redact/export/" + what + "?seq=" + std::to_string(before);
        CAPTURE(target);
        const auto plain = call_api(server.port(), {.target = target, .bearer = facilitator});
        REQUIRE(plain.status == 200);
        CHECK(plain.body.find("words taken back") == std::string::npos);
        CHECK(plain.body.find("a comment taken back") == std::string::npos);
        if (what != "report.md")
            CHECK(plain.body.find(what.starts_with("chat") ? "kept words" : "a first comment that stays") !=
                  std::string::npos);
        if (what == "report.md")
            continue; // the report never shows deleted words
        const auto asked = call_api(server.port(), {.target = target + "&include_deleted=1", .bearer = facilitator});
        REQUIRE(asked.status == 200);
        CHECK(asked.body.find(what.starts_with("chat") ? "words taken back" : "a comment taken back") !=
              std::string::npos);
    }
    const auto state_at = call_api(
        server.port(), {.target = "/v1/rooms/redact/state?seq=" + std::to_string(before), .bearer = facilitator});
    REQUIRE(state_at.status == 200);
    CHECK(state_at.body.find("words taken back") == std::string::npos);
    CHECK(state_at.body.find("a comment taken back") == std::string::npos);
}

TEST_CASE("two participants with the same client id and request id each get their own command applied")
{
    server_process server;
    // raw_client joins every connection with the client id "raw-client".
    raw_client mallory(server.port());
    raw_client victor(server.port());
    REQUIRE(mallory.join("ids", server.token("ids", "mallory")).has_welcome());
    REQUIRE(victor.join("ids", server.token("ids", "victor")).has_welcome());

    mallory.send(chat_command(7, "from mallory"));
    const auto first = mallory.answer_to(7);
    REQUIRE(first);
    REQUIRE(first->has_ack());

    victor.send(chat_command(7, "from victor"));
    const auto second = victor.answer_to(7);
    REQUIRE(second);
    REQUIRE_MESSAGE(second->has_ack(), (second->has_error() ? second->error().message() : "no ack"));
    CHECK(second->ack().seq() != first->ack().seq());

    // Victor's command was applied: the room shows both messages, each at
    // the seq its sender was told.
    client reader(server.options("ids", "reader"));
    join_or_fail(reader);
    const auto room = reader.replica(); // a copy
    const auto* mine = room.find_chat(first->ack().seq());
    const auto* theirs = room.find_chat(second->ack().seq());
    REQUIRE(mine != nullptr);
    REQUIRE(theirs != nullptr);
    CHECK(mine->text() == "from mallory");
    CHECK(theirs->text() == "from victor");

    // A true retry of each is still recognised, per participant.
    victor.send(chat_command(7, "from victor"));
    const auto retried = victor.answer_to(7);
    REQUIRE(retried);
    REQUIRE(retried->has_ack());
    CHECK(retried->ack().seq() == second->ack().seq());
    mallory.send(chat_command(7, "from mallory"));
    const auto retried_too = mallory.answer_to(7);
    REQUIRE(retried_too);
    REQUIRE(retried_too->has_ack());
    CHECK(retried_too->ack().seq() == first->ack().seq());
}

TEST_CASE("an exception in a room's handler ends that room only; it loads again on the next join")
{
    // The fault is injected through the server's environment (off by
    // default): a chat message with exactly this text throws in the room.
    ::setenv("MAPTABLE_TEST_ROOM_FAULT", "throw in the room", 1);
    server_process server;
    ::unsetenv("MAPTABLE_TEST_ROOM_FAULT");

    raw_client bystander(server.port());
    REQUIRE(bystander.join("calm", server.token("calm", "bo")).has_welcome());
    bystander.send(chat_command(2, "before"));
    REQUIRE(bystander.answer_to(2)->has_ack());

    raw_client victim(server.port());
    REQUIRE(victim.join("stormy", server.token("stormy", "vi")).has_welcome());
    victim.send(chat_command(2, "stored first"));
    const auto stored = victim.answer_to(2);
    REQUIRE(stored);
    REQUIRE(stored->has_ack());
    victim.send(chat_command(3, "throw in the room"));
    // The room fails: its member is disconnected with a reason before any
    // answer (never told the command was applied).
    const auto answer = victim.answer_to(3);
    CHECK_FALSE(answer);
    CHECK_FALSE(victim.close().reason.empty());

    // The process and the other room go on.
    bystander.send(chat_command(3, "after"));
    const auto after = bystander.answer_to(3);
    REQUIRE(after);
    CHECK(after->has_ack());

    // The failed room loads again from its log on the next join.
    client back(server.options("stormy", "vi"));
    join_or_fail(back);
    CHECK(back.seq() == stored->ack().seq());
    REQUIRE(back.send_chat("after the failure").get().ok);

    const auto [status, metrics] = http_get(server.port(), "/metrics");
    CHECK(status == 200);
    CHECK(metrics.find("maptable_handler_exceptions_total 1") != std::string::npos);
    CHECK(server.log().find("room=stormy submit failed") != std::string::npos);
}

TEST_CASE("a replay beyond the room's cap of folds at once is refused with RATE_LIMITED; the present never is")
{
    // A cap of 0: every fold is one too many, so the refusal needs no race.
    server_process server({"--max-replays-per-room", "0"});
    raw_client ana(server.port());
    REQUIRE(ana.join("capped", server.token("capped", "ana")).has_welcome());
    ana.send(chat_command(1, "one"));
    REQUIRE(ana.answer_to(1)->has_ack());
    ana.send(chat_command(2, "two"));
    const auto two = ana.answer_to(2);
    REQUIRE(two->has_ack());

    pb::ClientMessage past;
    past.set_request_id(3);
    past.mutable_get_state_at()->set_seq(1);
    ana.send(past);
    const auto refused = ana.answer_to(3);
    REQUIRE(refused);
    REQUIRE(refused->has_error());
    CHECK(refused->error().code() == pb::ERROR_CODE_RATE_LIMITED);

    pb::ClientMessage present;
    present.set_request_id(4);
    present.mutable_get_state_at()->set_seq(two->ack().seq());
    ana.send(present);
    const auto answered = ana.answer_to(4);
    REQUIRE(answered);
    REQUIRE(answered->has_state_at());
    CHECK(answered->state_at().state().seq() == two->ack().seq());
}
