// Layer: model tests. Comment threads (protocol/model/rules/comments.cpp):
// start on a feature or a place, reply, edit, delete with a trace, resolve and
// reopen, and a thread that outlives its feature. Every test that changes the
// room also checks that a replica built from its events has the same hash.
#include "model_fixture.hpp"

#include "model/limits.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace fixture;

namespace {

// A room and the events it accepted: what a client's replica is built from.
struct logged_room {
    model::room_state room{"harbour"};
    std::vector<pb::Event> log;

    pb::Event go(const pb::ClientMessage& c, const model::actor& who, std::int64_t now = now_ms)
    {
        log.push_back(run(room, c, who, now));
        return log.back();
    }
    const pb::Thread& thread(const std::string& id) const
    {
        const pb::Thread* t = room.find_thread(id);
        REQUIRE_MESSAGE(t, "no thread " << id);
        return *t;
    }
    void check_replica() const { CHECK(replica_of("harbour", log).canonical_hash() == room.canonical_hash()); }
};

pb::ClientMessage start_on_feature(const std::string& thread_id, const std::string& feature_id, const std::string& text)
{
    return command([&](pb::ClientMessage& m) {
        auto& s = *m.mutable_start_thread();
        s.set_thread_id(thread_id);
        s.set_feature_id(feature_id);
        s.set_text(text);
    });
}

pb::ClientMessage start_at(const std::string& thread_id, double lon, double lat, const std::string& text)
{
    return command([&](pb::ClientMessage& m) {
        auto& s = *m.mutable_start_thread();
        s.set_thread_id(thread_id);
        *s.mutable_position() = lon_lat(lon, lat);
        s.set_text(text);
    });
}

pb::ClientMessage reply(const std::string& thread_id, const std::string& text)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_add_comment()->set_thread_id(thread_id);
        m.mutable_add_comment()->set_text(text);
    });
}

pb::ClientMessage edit(const std::string& thread_id, std::uint64_t seq, const std::string& text)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_edit_comment()->set_thread_id(thread_id);
        m.mutable_edit_comment()->set_comment_seq(seq);
        m.mutable_edit_comment()->set_text(text);
    });
}

pb::ClientMessage erase(const std::string& thread_id, std::uint64_t seq, const std::string& reason = {})
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_delete_comment()->set_thread_id(thread_id);
        m.mutable_delete_comment()->set_comment_seq(seq);
        m.mutable_delete_comment()->set_reason(reason);
    });
}

pb::ClientMessage resolve(const std::string& thread_id, bool resolved)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_resolve_thread()->set_thread_id(thread_id);
        m.mutable_resolve_thread()->set_resolved(resolved);
    });
}

pb::ClientMessage delete_feature(const std::string& id)
{
    return command([&](pb::ClientMessage& m) { m.mutable_delete_feature()->set_id(id); });
}

pb::ClientMessage move_feature(const std::string& id, double lon, double lat)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_update_feature()->set_id(id);
        auto& g = *m.mutable_update_feature()->mutable_patch()->mutable_geometry();
        g.set_kind(pb::FEATURE_KIND_POINT);
        *g.add_positions() = lon_lat(lon, lat);
    });
}

pb::ClientMessage set_bounds(double west, double south, double east, double north)
{
    return command([&](pb::ClientMessage& m) {
        auto& b = *m.mutable_update_room_info()->mutable_change()->mutable_bounds();
        *b.mutable_south_west() = lon_lat(west, south);
        *b.mutable_north_east() = lon_lat(east, north);
    });
}

} // namespace

TEST_CASE("a thread started on a feature carries the feature, its position and the first comment")
{
    logged_room r;
    r.go(add(point("bench", 13.41, 52.51)), participant);
    const pb::Event e = r.go(start_on_feature("t-1", "bench", "Too close to the road?"), participant2, now_ms + 5);

    REQUIRE(e.has_thread_started());
    const pb::Thread& t = e.thread_started().thread();
    CHECK(t.id() == "t-1");
    CHECK(t.feature_id() == "bench");
    CHECK(t.position().lon() == 13.41);
    CHECK(t.position().lat() == 52.51);
    CHECK_FALSE(t.feature_deleted());
    CHECK_FALSE(t.resolved());
    CHECK(t.author_id() == participant2.id);
    CHECK(t.created_seq() == 2);
    CHECK(t.session_id() == 0);
    REQUIRE(t.comments_size() == 1);
    CHECK(t.comments(0).seq() == 2);
    CHECK(t.comments(0).author_id() == participant2.id);
    CHECK(t.comments(0).author_name() == participant2.name);
    CHECK(t.comments(0).text() == "Too close to the road?");
    CHECK(t.comments(0).time_ms() == now_ms + 5);
    CHECK(t.comments(0).edited_seq() == 0);

    CHECK(r.thread("t-1").SerializeAsString() == t.SerializeAsString());
    r.check_replica();
}

TEST_CASE("a thread started on a line is placed at the line's first position")
{
    logged_room r;
    pb::Feature line = point("route");
    line.mutable_geometry()->set_kind(pb::FEATURE_KIND_LINE);
    *line.mutable_geometry()->add_positions() = lon_lat(13.5, 52.6);
    r.go(add(line), participant);
    r.go(start_on_feature("t", "route", "Which way?"), participant);
    CHECK(r.thread("t").position().lon() == 13.4);
    CHECK(r.thread("t").position().lat() == 52.5);
}

TEST_CASE("a thread started on a place keeps the place; the event names the running session")
{
    pb::RoomState with_session;
    with_session.mutable_info()->set_id("harbour");
    with_session.set_seq(10);
    with_session.set_current_session(7);
    model::room_state room = model::room_state::from_proto(with_session);

    const pb::Event e = run(room, start_at("corner", 18.42, -33.92, "Unsafe at night"), participant);
    const pb::Thread& t = e.thread_started().thread();
    CHECK(t.feature_id().empty());
    CHECK(t.position().lon() == 18.42);
    CHECK(t.position().lat() == -33.92);
    CHECK(t.created_seq() == 11);
    CHECK(t.session_id() == 7);
    CHECK(t.comments(0).seq() == 11);
    REQUIRE(room.find_thread("corner"));
    CHECK(room.find_thread("corner")->session_id() == 7);
}

TEST_CASE("a thread needs a valid new id, an existing feature or a valid place, and a text")
{
    logged_room r;
    r.go(add(point("bench")), participant);
    r.go(start_on_feature("t-1", "bench", "first"), participant);

    CHECK(outcome(r.room, start_at("", 13.4, 52.5, "x"), participant) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(r.room, start_at("has space", 13.4, 52.5, "x"), participant) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(r.room, start_at(std::string(65, 'a'), 13.4, 52.5, "x"), participant) == "ERROR_CODE_INVALID_ID");
    CHECK(refusal(r.room, start_at("bad/id", 13.4, 52.5, "x"), participant).message.find("a thread id must be") == 0);
    CHECK(outcome(r.room, start_at("t-1", 13.4, 52.5, "again"), participant) == "ERROR_CODE_THREAD_EXISTS");
    CHECK(outcome(r.room, start_on_feature("t-2", "nowhere", "x"), participant) == "ERROR_CODE_FEATURE_NOT_FOUND");
    CHECK(outcome(r.room, start_on_feature("t-2", "", "x"), participant) == "ERROR_CODE_FEATURE_NOT_FOUND");
    CHECK(outcome(r.room, start_at("t-2", 181, 0, "x"), participant) == "ERROR_CODE_INVALID_COORDINATE");
    CHECK(outcome(r.room, start_at("t-2", 0, -91, "x"), participant) == "ERROR_CODE_INVALID_COORDINATE");
    CHECK(outcome(r.room, start_at("t-2", std::nan(""), 0, "x"), participant) == "ERROR_CODE_INVALID_COORDINATE");
    CHECK(outcome(r.room, start_at("t-2", std::numeric_limits<double>::infinity(), 0, "x"), participant) ==
          "ERROR_CODE_INVALID_COORDINATE");

    const auto no_anchor = command([](pb::ClientMessage& m) {
        m.mutable_start_thread()->set_thread_id("t-2");
        m.mutable_start_thread()->set_text("where?");
    });
    const auto why = refusal(r.room, no_anchor, participant);
    CHECK(why.code == pb::ERROR_CODE_INVALID_COORDINATE);
    CHECK(why.message.find("feature") != std::string::npos);

    CHECK(outcome(r.room, start_at("t-2", 13.4, 52.5, ""), participant) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(r.room, start_at("t-2", 13.4, 52.5, " \n\t"), participant) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(r.room, start_at("t-2", 13.4, 52.5, "bad \xff"), participant) == "ERROR_CODE_INVALID_UTF8");
    const std::size_t max = model::limits().max_description_chars;
    CHECK(outcome(r.room, start_at("t-2", 13.4, 52.5, std::string(max + 1, 'x')), participant) ==
          "ERROR_CODE_TEXT_TOO_LONG");
    CHECK(outcome(r.room, start_at("t-2", 13.4, 52.5, std::string(max, 'x')), participant) == "accepted");
    CHECK(r.room.data().threads.size() == 1); // validating changed nothing
}

TEST_CASE("a thread at a place must be inside the room's bounds")
{
    logged_room r;
    r.go(set_bounds(13.0, 52.0, 14.0, 53.0), facilitator);
    const auto why = refusal(r.room, start_at("far", 2.35, 48.85, "Paris?"), participant);
    CHECK(why.code == pb::ERROR_CODE_OUTSIDE_BOUNDS);
    CHECK(why.message.find("outside the room's bounds") != std::string::npos);
    r.go(start_at("near", 13.5, 52.5, "Here"), participant);
    r.check_replica();
}

TEST_CASE("replies are appended in order with their own seq, author and time")
{
    logged_room r;
    r.go(start_at("t", 13.4, 52.5, "first"), participant);
    const pb::Event e = r.go(reply("t", "second"), participant2, now_ms + 100);
    REQUIRE(e.has_comment_added());
    CHECK(e.comment_added().thread_id() == "t");
    CHECK(e.comment_added().comment().seq() == 2);
    r.go(reply("t", "third"), facilitator);

    const pb::Thread& t = r.thread("t");
    REQUIRE(t.comments_size() == 3);
    CHECK(t.comments(1).text() == "second");
    CHECK(t.comments(1).author_id() == participant2.id);
    CHECK(t.comments(1).author_name() == participant2.name);
    CHECK(t.comments(1).time_ms() == now_ms + 100);
    CHECK(t.comments(2).seq() == 3);
    CHECK(t.comments(2).author_id() == facilitator.id);
    CHECK(t.author_id() == participant.id); // the starter stays the starter

    CHECK(outcome(r.room, reply("nope", "hello"), participant) == "ERROR_CODE_THREAD_NOT_FOUND");
    CHECK(outcome(r.room, reply("t", "   "), participant) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(r.room, reply("t", "\xc3"), participant) == "ERROR_CODE_INVALID_UTF8");
    CHECK(outcome(r.room, reply("t", std::string(model::limits().max_description_chars + 1, 'y')), participant) ==
          "ERROR_CODE_TEXT_TOO_LONG");
    r.check_replica();
}

TEST_CASE("the author or a facilitator edits a comment, and the edit leaves a trace")
{
    logged_room r;
    r.go(start_at("t", 13.4, 52.5, "frist"), participant);
    r.go(reply("t", "agree"), participant2);

    const auto not_author = refusal(r.room, edit("t", 1, "hijacked"), participant2);
    CHECK(not_author.code == pb::ERROR_CODE_NOT_AUTHOR);
    CHECK(not_author.message == "only its author or a facilitator may edit a comment");

    const pb::Event e = r.go(edit("t", 1, "first"), participant);
    REQUIRE(e.has_comment_edited());
    CHECK(e.comment_edited().thread_id() == "t");
    CHECK(e.comment_edited().comment_seq() == 1);
    CHECK(e.comment_edited().text() == "first");
    CHECK(r.thread("t").comments(0).text() == "first");
    CHECK(r.thread("t").comments(0).edited_seq() == 3);
    CHECK(r.thread("t").comments(1).edited_seq() == 0);

    r.go(edit("t", 2, "agree (edited by the facilitator)"), facilitator);
    CHECK(r.thread("t").comments(1).edited_seq() == 4);
    CHECK(r.thread("t").comments(1).author_id() == participant2.id); // authorship does not move
    r.go(edit("t", 2, "agree (edited by the admin API)"), admin);
    CHECK(r.thread("t").comments(1).edited_seq() == 5);

    CHECK(outcome(r.room, edit("t", 1, "first"), participant) == "ERROR_CODE_NO_CHANGE");
    CHECK(outcome(r.room, edit("t", 1, ""), participant) == "ERROR_CODE_EMPTY_MESSAGE");
    CHECK(outcome(r.room, edit("t", 99, "x"), participant) == "ERROR_CODE_COMMENT_NOT_FOUND");
    CHECK(outcome(r.room, edit("t", 0, "x"), participant) == "ERROR_CODE_COMMENT_NOT_FOUND");
    CHECK(outcome(r.room, edit("other", 1, "x"), participant) == "ERROR_CODE_THREAD_NOT_FOUND");
    r.check_replica();
}

TEST_CASE("a deleted comment keeps a trace in the state and its words in the log")
{
    logged_room r;
    r.go(start_at("t", 13.4, 52.5, "opening words"), participant);
    r.go(reply("t", "something rude"), participant2);
    r.go(reply("t", "a second thought"), participant2);

    CHECK(outcome(r.room, erase("t", 2), participant) == "ERROR_CODE_NOT_AUTHOR");
    CHECK(outcome(r.room, erase("t", 2, std::string(model::limits().max_title_chars + 1, 'r')), facilitator) ==
          "ERROR_CODE_TEXT_TOO_LONG");

    const pb::Event e = r.go(erase("t", 2, "keep it civil"), facilitator);
    REQUIRE(e.has_comment_deleted());
    CHECK(e.comment_deleted().comment_seq() == 2);
    CHECK(e.comment_deleted().reason() == "keep it civil");
    const pb::Comment& gone = r.thread("t").comments(1);
    CHECK(gone.deleted());
    CHECK(gone.text().empty());
    CHECK(gone.deleted_by() == facilitator.id);
    CHECK(gone.delete_reason() == "keep it civil");
    CHECK(gone.author_id() == participant2.id);                           // the trace still says whose it was
    CHECK(r.log[1].comment_added().comment().text() == "something rude"); // the audit trail

    r.go(erase("t", 3), participant2); // the author deletes their own, without a reason
    CHECK(r.thread("t").comments(2).deleted());
    CHECK(r.thread("t").comments(2).deleted_by() == participant2.id);

    CHECK(outcome(r.room, erase("t", 2), facilitator) == "ERROR_CODE_ALREADY_DELETED");
    CHECK(outcome(r.room, edit("t", 2, "revived"), participant2) == "ERROR_CODE_ALREADY_DELETED");
    CHECK(outcome(r.room, erase("t", 4), facilitator) == "ERROR_CODE_COMMENT_NOT_FOUND");
    CHECK(outcome(r.room, erase("x", 1), facilitator) == "ERROR_CODE_THREAD_NOT_FOUND");
    // The thread goes on.
    r.go(reply("t", "back on topic"), participant);
    CHECK(r.thread("t").comments_size() == 4);
    r.check_replica();
}

TEST_CASE("the starter or a facilitator resolves and reopens a thread")
{
    logged_room r;
    r.go(start_at("t", 13.4, 52.5, "Is this fixed?"), participant);
    r.go(reply("t", "Yes"), participant2);

    CHECK(outcome(r.room, resolve("t", true), participant2) == "ERROR_CODE_NOT_AUTHOR");
    CHECK(outcome(r.room, resolve("t", false), participant) == "ERROR_CODE_NO_CHANGE");
    CHECK(outcome(r.room, resolve("zz", true), participant) == "ERROR_CODE_THREAD_NOT_FOUND");

    const pb::Event e = r.go(resolve("t", true), participant);
    REQUIRE(e.has_thread_resolved());
    CHECK(e.thread_resolved().resolved());
    CHECK(r.thread("t").resolved());
    CHECK(r.thread("t").resolved_by() == participant.id);
    CHECK(outcome(r.room, resolve("t", true), facilitator) == "ERROR_CODE_NO_CHANGE");

    r.go(resolve("t", false), facilitator);
    CHECK_FALSE(r.thread("t").resolved());
    CHECK(r.thread("t").resolved_by().empty());
    r.go(resolve("t", true), facilitator);
    CHECK(r.thread("t").resolved_by() == facilitator.id);
    // A resolved thread still takes replies (someone disagrees).
    r.go(reply("t", "Not quite"), participant2);
    r.check_replica();
}

TEST_CASE("a thread outlives its feature: it stays at the feature's last location")
{
    logged_room r;
    r.go(add(point("kiosk", 13.40, 52.50)), participant);
    r.go(start_on_feature("about-kiosk", "kiosk", "Open on Sundays?"), participant2);
    r.go(start_at("elsewhere", 13.0, 52.0, "Unrelated"), participant2);
    r.go(move_feature("kiosk", 13.45, 52.55), participant);
    r.go(delete_feature("kiosk"), participant);

    const pb::Thread& t = r.thread("about-kiosk");
    CHECK(t.feature_deleted());
    CHECK(t.feature_id() == "kiosk");
    CHECK(t.position().lon() == 13.45);
    CHECK(t.position().lat() == 52.55);
    CHECK(t.comments_size() == 1);
    CHECK_FALSE(r.thread("elsewhere").feature_deleted());
    CHECK(r.thread("elsewhere").position().lon() == 13.0);

    // It can still be discussed and resolved.
    r.go(reply("about-kiosk", "It is gone now"), participant);
    r.go(resolve("about-kiosk", true), participant2);

    // A new feature under the same id is another feature: deleting it does
    // not move the old thread.
    r.go(add(point("kiosk", 13.60, 52.60)), participant);
    r.go(delete_feature("kiosk"), participant);
    CHECK(r.thread("about-kiosk").position().lon() == 13.45);
    r.check_replica();
}

TEST_CASE("a thread holds at most 500 comments; then it is full and a new thread is the way on")
{
    logged_room r;
    r.go(start_at("long", 13.4, 52.5, "comment 1"), participant);
    for (int i = 2; i <= 500; ++i)
        r.go(reply("long", "comment " + std::to_string(i)), i % 2 ? participant : participant2);
    CHECK(r.thread("long").comments_size() == 500);

    const auto why = refusal(r.room, reply("long", "one more"), participant);
    CHECK(why.code == pb::ERROR_CODE_INVALID_LIMIT);
    CHECK(why.message == "thread \"long\" is full: it has 500 comments, the most a thread holds; start a new thread");
    // Deleting does not make room: the trace stays.
    r.go(erase("long", 2), facilitator);
    CHECK(outcome(r.room, reply("long", "one more"), participant) == "ERROR_CODE_INVALID_LIMIT");
    // Editing and resolving still work.
    r.go(edit("long", 1, "comment one"), participant);
    r.go(resolve("long", true), participant);
    r.go(start_at("long-2", 13.4, 52.5, "continued from \"long\""), participant);
    r.check_replica();
}

TEST_CASE("permission comes before the content: an observer comments only when everyone may")
{
    logged_room r;
    r.go(start_at("t", 13.4, 52.5, "hello"), participant);
    CHECK(outcome(r.room, reply("no-such-thread", ""), observer) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, start_at("o", 13.4, 52.5, "watching"), observer) == "ERROR_CODE_PERMISSION_DENIED");
    r.go(command([](pb::ClientMessage& m) {
             m.mutable_update_settings()->mutable_change()->set_comment(pb::AUDIENCE_EVERYONE);
         }),
         facilitator);
    r.go(start_at("o", 13.4, 52.5, "watching"), observer);
    r.go(reply("t", "me too"), observer);
    // An observer edits and resolves what they wrote, not what others did.
    CHECK(outcome(r.room, edit("t", 1, "changed"), observer) == "ERROR_CODE_NOT_AUTHOR");
    CHECK(outcome(r.room, resolve("t", true), observer) == "ERROR_CODE_NOT_AUTHOR");
    r.go(resolve("o", true), observer);
    r.check_replica();
}

TEST_CASE("apply is total: comment events naming nothing change only the seq")
{
    model::room_state room("harbour");
    const auto event = [&](auto fill) {
        pb::Event e;
        e.set_seq(room.seq() + 1);
        e.set_actor_id("par-1");
        fill(e);
        return e;
    };
    REQUIRE(room.apply(event([](pb::Event& e) { e.mutable_comment_added()->set_thread_id("ghost"); })));
    REQUIRE(room.apply(event([](pb::Event& e) {
        e.mutable_comment_edited()->set_thread_id("ghost");
        e.mutable_comment_edited()->set_comment_seq(1);
    })));
    REQUIRE(room.apply(event([](pb::Event& e) { e.mutable_comment_deleted()->set_thread_id("ghost"); })));
    REQUIRE(room.apply(event([](pb::Event& e) { e.mutable_thread_resolved()->set_thread_id("ghost"); })));
    CHECK(room.seq() == 4);
    CHECK(room.data().threads.empty());
}
