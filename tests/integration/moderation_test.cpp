// Moderation over the wire: removing a participant
// closes their connections and keeps them out (same token, another token, a
// restart), mute, the map lock and hidden cursors applied live, a
// facilitator's deletion with a reason, ballot ids in the Welcome, chat
// history that shows what happened to older messages, and vote rounds the
// server closes at their end time.
#include "raw_client.hpp"
#include "server_process.hpp"
#include "store/sqlite_event_log.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

std::int64_t unix_now()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t now_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A token with a jti (the harness's server.token() has none), so it can be revoked.
std::string token_with_id(const std::string& room, const std::string& name, const std::string& jti,
                          pb::Role role = pb::ROLE_PARTICIPANT)
{
    auth::join_claims claims;
    claims.room = room;
    claims.subject = name;
    claims.name = name;
    claims.role = role;
    claims.expires_at = unix_now() + 3600;
    claims.token_id = jti;
    return auth::mint_join_token(claims, test_secret);
}

pb::ClientMessage remove_participant(const std::string& id, const std::string& reason)
{
    pb::ClientMessage m;
    m.mutable_remove_participant()->set_participant_id(id);
    m.mutable_remove_participant()->set_reason(reason);
    return m;
}

pb::ClientMessage settings(const std::function<void(pb::RoomSettingsChange&)>& set)
{
    pb::ClientMessage m;
    set(*m.mutable_update_settings()->mutable_change());
    return m;
}

pb::ClientMessage mute(const std::string& id, bool muted)
{
    pb::ClientMessage m;
    m.mutable_mute_participant()->set_participant_id(id);
    m.mutable_mute_participant()->set_muted(muted);
    return m;
}

bool is_online(const client& c, const std::string& id)
{
    const auto online = c.online();
    return std::any_of(online.begin(), online.end(), [&](const pb::Participant& p) { return p.id() == id; });
}

// Every cursor position a recorder saw for participant id.
std::vector<pb::LonLat> cursors_of(const event_recorder& seen, const std::string& id)
{
    std::vector<pb::LonLat> out;
    for (const auto& update : seen.presence())
        for (const auto& p : update.presence())
            if (p.participant_id() == id && p.has_cursor())
                out.push_back(p.cursor());
    return out;
}

bool saw_cursor_at(const event_recorder& seen, const std::string& id, double lon, double lat)
{
    for (const auto& c : cursors_of(seen, id))
        if (c.lon() == lon && c.lat() == lat)
            return true;
    return false;
}

} // namespace

TEST_CASE("a removed participant gets PARTICIPANT_REMOVED, every connection of theirs closes, and they stay out")
{
    server_process server;
    client ana(server.options("plaza", "ana", pb::ROLE_FACILITATOR));
    event_recorder ana_sees(ana);
    join_or_fail(ana);

    auto pat_options = server.options("plaza", "pat");
    pat_options.token = token_with_id("plaza", "pat", "t-pat-1");
    client pat(pat_options);
    event_recorder pat_sees(pat);
    std::mutex errors_mutex;
    std::vector<pb::Error> pat_errors;
    pat.on_error([&](const pb::Error& e) {
        std::lock_guard lock(errors_mutex);
        pat_errors.push_back(e);
    });
    join_or_fail(pat);
    // A second connection of pat's, with the same token.
    raw_client pat_again(server.port());
    REQUIRE(pat_again.join("plaza", token_with_id("plaza", "pat", "t-pat-1")).has_welcome());
    client ben(server.options("plaza", "ben"));
    join_or_fail(ben);
    REQUIRE(pat.send_chat("buy cheap watches").get().ok);

    // Bad inputs first: nobody but a facilitator removes, nobody removes themselves.
    auto by_participant = ben.send(remove_participant("pat", "")).get();
    CHECK(by_participant.code == pb::ERROR_CODE_PERMISSION_DENIED);
    auto self = ana.send(remove_participant("ana", "")).get();
    CHECK(self.code == pb::ERROR_CODE_INVALID_PARTICIPANT);
    REQUIRE(pat.state() == connection_state::connected);

    auto removed = ana.send(remove_participant("pat", "spam")).get();
    REQUIRE_MESSAGE(removed.ok, removed.message);

    // The raw connection sees the event, then the Error, then the close.
    bool saw_event = false;
    std::optional<pb::Error> error;
    while (auto m = pat_again.next()) {
        if (m->has_event() && m->event().has_participant_removed()) {
            CHECK_FALSE(error.has_value());
            saw_event = true;
        }
        if (m->has_error())
            error = m->error();
    }
    CHECK(saw_event);
    REQUIRE(error.has_value());
    CHECK(error->code() == pb::ERROR_CODE_PARTICIPANT_REMOVED);
    CHECK(error->request_id() == 0);
    CHECK(error->message().find("spam") != std::string::npos);
    CHECK(pat_again.close().code == 1008);

    // The SDK connection too, and it does not reconnect.
    REQUIRE(pat_sees.wait_until([&] { return pat.state() == connection_state::closed; }));
    CHECK(pat.closed().code == 1008);
    CHECK(pat.closed().reason == "removed from the room");
    {
        std::lock_guard lock(errors_mutex);
        REQUIRE(pat_errors.size() == 1);
        CHECK(pat_errors[0].code() == pb::ERROR_CODE_PARTICIPANT_REMOVED);
    }
    CHECK(ana_sees.wait_until([&] { return !is_online(ana, "pat"); }));
    CHECK(ana.replica().data().removed.contains("pat"));

    // The same token is revoked; another token of pat's is refused by the room.
    raw_client same_token(server.port());
    auto answer = same_token.join("plaza", token_with_id("plaza", "pat", "t-pat-1"));
    REQUIRE(answer.has_error());
    CHECK(answer.error().code() == pb::ERROR_CODE_TOKEN_REVOKED);
    auto refused = [&] {
        auto o = pat_options;
        o.token = token_with_id("plaza", "pat", "t-pat-2");
        client c(o);
        return c.connect().get();
    }();
    CHECK_FALSE(refused.ok);
    CHECK(refused.code == pb::ERROR_CODE_PARTICIPANT_REMOVED);
    // Everyone else goes on.
    CHECK(ben.send_chat("where were we").get().ok);
    client cleo(server.options("plaza", "cleo"));
    join_or_fail(cleo);

    // After a restart: the revocation is read back, the removal is in the log.
    REQUIRE(server.stop() == 0);
    server.start();
    raw_client after_same(server.port());
    auto a1 = after_same.join("plaza", token_with_id("plaza", "pat", "t-pat-1"));
    REQUIRE(a1.has_error());
    CHECK(a1.error().code() == pb::ERROR_CODE_TOKEN_REVOKED);
    CHECK_FALSE(after_same.next().has_value());
    CHECK(after_same.close().code == 1008);
    raw_client after_other(server.port());
    auto a2 = after_other.join("plaza", token_with_id("plaza", "pat", "t-pat-3"));
    REQUIRE(a2.has_error());
    CHECK(a2.error().code() == pb::ERROR_CODE_PARTICIPANT_REMOVED);
    raw_client without_id(server.port());
    auto a3 = without_id.join("plaza", server.token("plaza", "pat"));
    REQUIRE(a3.has_error());
    CHECK(a3.error().code() == pb::ERROR_CODE_PARTICIPANT_REMOVED);
    // The removal is per room: pat may still join another one.
    raw_client elsewhere(server.port());
    CHECK(elsewhere.join("other-room", token_with_id("other-room", "pat", "t-pat-4")).has_welcome());
    raw_client ben_back(server.port());
    CHECK(ben_back.join("plaza", server.token("plaza", "ben")).has_welcome());
}

TEST_CASE("a muted participant's chat is refused with MUTED; after unmute it is accepted")
{
    server_process server;
    client ana(server.options("hall", "ana", pb::ROLE_FACILITATOR));
    client ben(server.options("hall", "ben"));
    event_recorder ben_sees(ben);
    join_or_fail(ana);
    join_or_fail(ben);
    REQUIRE(ben.send_chat("first").get().ok);

    auto muted = ana.send(mute("ben", true)).get();
    REQUIRE(muted.ok);
    REQUIRE(ben_sees.wait_for_seq(muted.seq));
    auto refused = ben.send_chat("let me speak").get();
    CHECK(refused.code == pb::ERROR_CODE_MUTED);
    // Muting is about words: ben may still draw.
    CHECK(ben.add_feature(point_feature("b1", 1, 1)).get().ok);
    // Muting twice changes nothing and says so.
    CHECK(ana.send(mute("ben", true)).get().code == pb::ERROR_CODE_NO_CHANGE);

    auto unmuted = ana.send(mute("ben", false)).get();
    REQUIRE(unmuted.ok);
    auto said = ben.send_chat("thank you").get();
    CHECK(said.ok);
    // The refused message never reached the log.
    REQUIRE(ben_sees.wait_for_seq(said.seq));
    const auto replica = ben.replica();
    for (const auto& m : replica.recent_chat())
        CHECK(m.text() != "let me speak");
}

TEST_CASE("locking the map live refuses a participant's add with LOCKED; unlocking accepts it")
{
    server_process server;
    client ana(server.options("map", "ana", pb::ROLE_FACILITATOR));
    client ben(server.options("map", "ben"));
    join_or_fail(ana);
    join_or_fail(ben);
    REQUIRE(ben.add_feature(point_feature("before", 1, 1)).get().ok);

    REQUIRE(ana.send(settings([](auto& c) { c.set_map_locked(true); })).get().ok);
    auto locked = ben.add_feature(point_feature("during", 2, 2)).get();
    CHECK(locked.code == pb::ERROR_CODE_LOCKED);
    pb::FeaturePatch patch;
    patch.set_title("moved on");
    CHECK(ben.update_feature("before", patch).get().code == pb::ERROR_CODE_LOCKED);
    // A facilitator may still clean up a locked map.
    CHECK(ana.delete_feature("before").get().ok);

    REQUIRE(ana.send(settings([](auto& c) { c.set_map_locked(false); })).get().ok);
    CHECK(ben.add_feature(point_feature("after", 3, 3)).get().ok);
    CHECK(ben.replica().find_feature("during") == nullptr);
    CHECK(ben.replica().find_feature("after") != nullptr);
}

TEST_CASE("with hide_cursors on, a participant sees the facilitator's cursor but no longer another participant's")
{
    server_process server;
    client ana(server.options("cursors", "ana", pb::ROLE_FACILITATOR));
    client ben(server.options("cursors", "ben"));
    client cat(server.options("cursors", "cat"));
    event_recorder ana_sees(ana);
    event_recorder cat_sees(cat);
    join_or_fail(ana);
    join_or_fail(ben);
    join_or_fail(cat);

    // Before: cursors go to everyone.
    ben.move_cursor(1.5, 1.5);
    REQUIRE(cat_sees.wait_until([&] { return saw_cursor_at(cat_sees, "ben", 1.5, 1.5); }));

    REQUIRE(ana.send(settings([](auto& c) { c.set_hide_cursors(true); })).get().ok);
    ben.move_cursor(2.5, 2.5);
    // The facilitator still sees ben's cursor; once she has, it has been
    // sent to whoever gets it...
    REQUIRE(ana_sees.wait_until([&] { return saw_cursor_at(ana_sees, "ben", 2.5, 2.5); }));
    // ...and what she sends after it reaches cat after anything of ben's would have.
    ana.move_cursor(3.5, 3.5);
    REQUIRE(cat_sees.wait_until([&] { return saw_cursor_at(cat_sees, "ana", 3.5, 3.5); }));
    CHECK_FALSE(saw_cursor_at(cat_sees, "ben", 2.5, 2.5));
    CHECK(cursors_of(cat_sees, "ben").size() == 1); // only the one from before

    // Turned off again, cursors go to everyone.
    REQUIRE(ana.send(settings([](auto& c) { c.set_hide_cursors(false); })).get().ok);
    ben.move_cursor(4.5, 4.5);
    CHECK(cat_sees.wait_until([&] { return saw_cursor_at(cat_sees, "ben", 4.5, 4.5); }));
}

TEST_CASE("a facilitator's deletion of someone else's feature is an event with the actor and the reason")
{
    server_process server;
    client ana(server.options("edits", "ana", pb::ROLE_FACILITATOR));
    client ben(server.options("edits", "ben"));
    client cat(server.options("edits", "cat"));
    event_recorder ben_sees(ben);
    join_or_fail(ana);
    join_or_fail(ben);
    join_or_fail(cat);
    REQUIRE(ben.add_feature(point_feature("ad", 5, 5, "Advertising")).get().ok);

    // Another participant may not.
    pb::ClientMessage by_cat;
    by_cat.mutable_delete_feature()->set_id("ad");
    CHECK(cat.send(by_cat).get().code == pb::ERROR_CODE_NOT_AUTHOR);

    pb::ClientMessage by_ana;
    by_ana.mutable_delete_feature()->set_id("ad");
    by_ana.mutable_delete_feature()->set_reason("off topic: advertising");
    auto deleted = ana.send(by_ana).get();
    REQUIRE(deleted.ok);
    REQUIRE(ben_sees.wait_for_seq(deleted.seq));
    const auto events = ben_sees.events();
    REQUIRE_FALSE(events.empty());
    const auto& e = events.back();
    REQUIRE(e.has_feature_deleted());
    CHECK(e.seq() == deleted.seq);
    CHECK(e.actor_id() == "ana");
    CHECK(e.feature_deleted().id() == "ad");
    CHECK(e.feature_deleted().reason() == "off topic: advertising");
    CHECK(ben.replica().find_feature("ad") == nullptr);

    // The content stays in the log for the audit trail.
    REQUIRE(server.stop() == 0);
    store::sqlite_event_log log(server.db_path());
    const auto history = log.load("edits");
    bool added_kept = false;
    for (const auto& bytes : history.events) {
        pb::Event stored;
        REQUIRE(stored.ParseFromString(bytes));
        if (stored.has_feature_added() && stored.feature_added().feature().title() == "Advertising")
            added_kept = true;
    }
    CHECK(added_kept);
}

TEST_CASE("the Welcome carries a ballot id stable per participant, different between them, and the server's time")
{
    server_process server;
    auto welcome_of = [&](const std::string& room, const std::string& name) {
        raw_client raw(server.port());
        auto m = raw.join(room, server.token(room, name));
        REQUIRE(m.has_welcome());
        return m.welcome();
    };
    const auto before = now_ms();
    const auto ana1 = welcome_of("votes", "ana");
    const auto after = now_ms();
    const auto ana2 = welcome_of("votes", "ana");
    const auto ben = welcome_of("votes", "ben");
    const auto ana_elsewhere = welcome_of("other", "ana");

    CHECK(ana1.ballot_id().size() == 16);
    CHECK(ana1.ballot_id().find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(ana1.ballot_id() == ana2.ballot_id());
    CHECK(ana1.ballot_id() != ben.ballot_id());
    CHECK(ana1.ballot_id() != "ana");
    CHECK(ana1.ballot_id().find("ana") == std::string::npos);
    CHECK(ana_elsewhere.ballot_id() != ana1.ballot_id());
    // Built from the server's clock while the join was under way.
    CHECK(ana1.server_time_ms() >= before);
    CHECK(ana1.server_time_ms() <= after);

    // Stable across a restart (it depends on the secret, not on memory).
    REQUIRE(server.stop() == 0);
    server.start();
    CHECK(welcome_of("votes", "ana").ballot_id() == ana1.ballot_id());
}

TEST_CASE("chat history shows reactions, edits and deletions of messages older than the recent window")
{
    server_process server({"--command-burst", "5000"});
    client ana(server.options("talk", "ana", pb::ROLE_FACILITATOR));
    client ben(server.options("talk", "ben"));
    event_recorder ben_sees(ben);
    join_or_fail(ana);
    join_or_fail(ben);

    const auto edited = ben.send_chat("helo").get();
    REQUIRE(edited.ok);
    const auto deleted = ben.send_chat("rude words").get();
    REQUIRE(deleted.ok);
    const auto kept = ben.send_chat("untouched").get();
    REQUIRE(kept.ok);
    pb::ClientMessage edit;
    edit.mutable_edit_chat()->set_message_seq(edited.seq);
    edit.mutable_edit_chat()->set_text("hello");
    const auto edit_ack = ben.send(edit).get();
    REQUIRE_MESSAGE(edit_ack.ok, edit_ack.message);
    pb::ClientMessage react;
    react.mutable_react_to_chat()->set_message_seq(edited.seq);
    react.mutable_react_to_chat()->set_emoji("+1");
    REQUIRE(ana.send(react).get().ok);
    pb::ClientMessage remove;
    remove.mutable_delete_chat()->set_message_seq(deleted.seq);
    remove.mutable_delete_chat()->set_reason("insults");
    REQUIRE(ana.send(remove).get().ok);

    // Push all three out of the state's recent window (200 messages).
    std::vector<std::future<command_result>> flood;
    for (int i = 0; i < 210; ++i)
        flood.push_back(ana.send_chat("filler " + std::to_string(i)));
    std::uint64_t last = 0;
    for (auto& f : flood) {
        const auto r = f.get();
        REQUIRE(r.ok);
        last = std::max(last, r.seq);
    }
    REQUIRE(ben_sees.wait_for_seq(last)); // ana's acks say nothing about when ben's replica has them
    const auto state = ben.replica();
    REQUIRE(state.find_chat(edited.seq) == nullptr);

    auto page = ben.chat_history(kept.seq + 1, 10).get();
    REQUIRE(page.ok);
    REQUIRE(page.messages.size() == 3);
    const auto& m_edited = page.messages[0];
    const auto& m_deleted = page.messages[1];
    const auto& m_kept = page.messages[2];
    CHECK(m_edited.seq() == edited.seq);
    CHECK(m_edited.text() == "hello");
    CHECK(m_edited.edited_seq() == edit_ack.seq);
    REQUIRE(m_edited.reactions_size() == 1);
    CHECK(m_edited.reactions(0).emoji() == "+1");
    CHECK(m_edited.reactions(0).participant_ids(0) == "ana");
    CHECK(m_deleted.deleted());
    CHECK(m_deleted.text().empty());
    CHECK(m_deleted.deleted_by() == "ana");
    CHECK(m_deleted.delete_reason() == "insults");
    CHECK(m_kept.text() == "untouched");
    CHECK_FALSE(m_kept.deleted());
    CHECK(m_kept.edited_seq() == 0);

    // The same after a restart (the changes are read from the log's index).
    REQUIRE(server.stop() == 0);
    server.start();
    client later(server.options("talk", "later"));
    join_or_fail(later);
    auto again = later.chat_history(kept.seq + 1, 10).get();
    REQUIRE(again.ok);
    REQUIRE(again.messages.size() == 3);
    CHECK(again.messages[0].text() == "hello");
    CHECK(again.messages[1].deleted());
}

TEST_CASE("a vote round with an end time is closed by the server when the end passes, also across a restart")
{
    server_process server;
    client ana(server.options("dots", "ana", pb::ROLE_FACILITATOR));
    event_recorder ana_sees(ana);
    join_or_fail(ana);
    REQUIRE(ana.add_feature(point_feature("f1", 1, 1)).get().ok);

    auto open = [&](const std::string& id, std::int64_t end_time_ms) {
        pb::ClientMessage m;
        auto* round = m.mutable_open_vote()->mutable_round();
        round->set_id(id);
        round->set_title("Priorities");
        round->set_dots_per_person(3);
        round->set_end_time_ms(end_time_ms);
        return ana.send(m).get();
    };
    auto closed_by_server = [&](const std::string& id) {
        for (const auto& e : ana_sees.events())
            if (e.has_vote_closed() && e.vote_closed().vote_id() == id)
                return e.actor_id() == "server";
        return false;
    };

    // Live: the room's timer closes it. The end is a few seconds ahead so
    // that a loaded machine still delivers the open before it (an end in the
    // past is refused).
    auto opened = open("soon", now_ms() + 3000);
    REQUIRE_MESSAGE(opened.ok, opened.message);
    REQUIRE(ana_sees.wait_until([&] { return closed_by_server("soon"); }));
    const auto replica = ana.replica();
    const auto* round = replica.find_vote("soon");
    REQUIRE(round != nullptr);
    CHECK(round->closed());

    // While the server is down: closed when the room loads again.
    const auto end = now_ms() + 3000;
    REQUIRE(open("later", end).ok);
    REQUIRE(server.stop() == 0);
    // Waiting for the end time itself is what is tested here: the clock must pass it.
    std::this_thread::sleep_until(std::chrono::system_clock::time_point(std::chrono::milliseconds(end + 1)));
    server.start();
    client back(server.options("dots", "ana", pb::ROLE_FACILITATOR));
    event_recorder back_sees(back);
    join_or_fail(back);
    REQUIRE(back_sees.wait_until([&] {
        const auto replica = back.replica();
        const auto* r = replica.find_vote("later");
        return r != nullptr && r->closed();
    }));
}
