// Comment threads over the wire: real SDK clients of a real
// server start threads on a feature and on a place, reply, edit, delete with
// a trace, resolve and reopen; a thread outlives its feature; an observer
// comments only when the facilitator lets everyone.
#include "server_process.hpp"

#include <doctest/doctest.h>

using namespace maptable;
using namespace maptable::test;

namespace {

pb::LonLat lon_lat(double lon, double lat)
{
    pb::LonLat p;
    p.set_lon(lon);
    p.set_lat(lat);
    return p;
}

const pb::Thread& thread_in(const model::room_state& state, const std::string& id)
{
    const pb::Thread* t = state.find_thread(id);
    REQUIRE_MESSAGE(t != nullptr, "the replica has no thread " << id);
    return *t;
}

pb::ClientMessage add_comment(const std::string& thread_id, const std::string& text)
{
    pb::ClientMessage m;
    m.mutable_add_comment()->set_thread_id(thread_id);
    m.mutable_add_comment()->set_text(text);
    return m;
}

} // namespace

TEST_CASE(
    "threads on a feature and on a place: replies, edits, a facilitator's delete with a trace, resolve and reopen")
{
    server_process server;
    client fay(server.options("harbour", "fay", pb::ROLE_FACILITATOR));
    client pat(server.options("harbour", "pat"));
    client quinn(server.options("harbour", "quinn"));
    event_recorder quinn_sees(quinn);
    event_recorder pat_sees(pat);
    join_or_fail(fay);
    join_or_fail(pat);
    join_or_fail(quinn);

    REQUIRE(pat.add_feature(point_feature("bench", 18.42, -33.92, "Bench")).get().ok);
    const auto started = pat.start_thread("about-bench", "bench", "Too close to the road?").get();
    REQUIRE_MESSAGE(started.ok, started.message);
    const auto placed = quinn.start_thread("corner", lon_lat(18.43, -33.91), "Dark at night").get();
    REQUIRE_MESSAGE(placed.ok, placed.message);
    const auto replied = quinn.add_comment("about-bench", "Yes, move it back a metre").get();
    REQUIRE(replied.ok);
    const auto edited = pat.edit_comment("about-bench", started.seq, "Too close to the road? It is 30 cm.").get();
    REQUIRE(edited.ok);

    // Someone else's words are not yours to edit; bad input is named.
    const auto not_author = quinn.edit_comment("about-bench", started.seq, "rewritten").get();
    CHECK(not_author.code == pb::ERROR_CODE_NOT_AUTHOR);
    CHECK(not_author.message == "only its author or a facilitator may edit a comment");
    CHECK(pat.add_comment("no-such-thread", "hello").get().code == pb::ERROR_CODE_THREAD_NOT_FOUND);
    CHECK(pat.add_comment("about-bench", "   ").get().code == pb::ERROR_CODE_EMPTY_MESSAGE);
    CHECK(pat.start_thread("bad id", lon_lat(18.4, -33.9), "x").get().code == pb::ERROR_CODE_INVALID_ID);
    CHECK(pat.start_thread("about-bench", lon_lat(18.4, -33.9), "x").get().code == pb::ERROR_CODE_THREAD_EXISTS);
    CHECK(pat.start_thread("t2", "no-such-feature", "x").get().code == pb::ERROR_CODE_FEATURE_NOT_FOUND);
    CHECK(pat.start_thread("t2", lon_lat(18.4, 95), "x").get().code == pb::ERROR_CODE_INVALID_COORDINATE);
    CHECK(pat.edit_comment("about-bench", 9999, "x").get().code == pb::ERROR_CODE_COMMENT_NOT_FOUND);

    const auto deleted = fay.delete_comment("about-bench", replied.seq, "off topic").get();
    REQUIRE(deleted.ok);
    CHECK(quinn.edit_comment("about-bench", replied.seq, "again").get().code == pb::ERROR_CODE_ALREADY_DELETED);

    const auto resolved = pat.resolve_thread("about-bench", true).get();
    REQUIRE(resolved.ok);
    CHECK(quinn.resolve_thread("about-bench", false).get().code == pb::ERROR_CODE_NOT_AUTHOR);
    CHECK(pat.resolve_thread("about-bench", true).get().code == pb::ERROR_CODE_NO_CHANGE);
    const auto reopened = fay.resolve_thread("about-bench", false).get();
    REQUIRE(reopened.ok);
    const auto resolved_corner = fay.resolve_thread("corner", true).get();
    REQUIRE(resolved_corner.ok);

    // Quinn's replica, built from the events it received, shows all of it.
    REQUIRE(quinn_sees.wait_for_seq(resolved_corner.seq));
    const model::room_state seen = quinn.replica();
    const pb::Thread& bench = thread_in(seen, "about-bench");
    CHECK(bench.feature_id() == "bench");
    CHECK(bench.position().lon() == 18.42);
    CHECK(bench.position().lat() == -33.92);
    CHECK(bench.author_id() == "pat");
    CHECK(bench.created_seq() == started.seq);
    REQUIRE(bench.comments_size() == 2);
    CHECK(bench.comments(0).text() == "Too close to the road? It is 30 cm.");
    CHECK(bench.comments(0).edited_seq() == edited.seq);
    CHECK(bench.comments(0).author_name() == "pat");
    const pb::Comment& gone = bench.comments(1);
    CHECK(gone.seq() == replied.seq);
    CHECK(gone.author_id() == "quinn");
    CHECK(gone.deleted());
    CHECK(gone.text().empty());
    CHECK(gone.deleted_by() == "fay");
    CHECK(gone.delete_reason() == "off topic");
    CHECK_FALSE(bench.resolved());
    CHECK(bench.resolved_by().empty());

    const pb::Thread& corner = thread_in(seen, "corner");
    CHECK(corner.feature_id().empty());
    CHECK(corner.position().lon() == 18.43);
    CHECK(corner.author_id() == "quinn");
    CHECK(corner.resolved());
    CHECK(corner.resolved_by() == "fay");

    // The log keeps the deleted words: the event that posted them still has them.
    bool kept = false;
    for (const pb::Event& e : quinn_sees.events())
        if (e.seq() == replied.seq)
            kept = e.comment_added().comment().text() == "Yes, move it back a metre";
    CHECK(kept);
    REQUIRE(pat_sees.wait_for_seq(resolved_corner.seq));
    CHECK(pat.replica().canonical_hash() == seen.canonical_hash());
    CHECK(fay.replica().canonical_hash() == seen.canonical_hash());
}

TEST_CASE("a thread outlives its feature: it stays at the feature's last location, also after a restart")
{
    server_process server;
    client pat(server.options("square", "pat"));
    client quinn(server.options("square", "quinn"));
    event_recorder quinn_sees(quinn);
    join_or_fail(pat);
    join_or_fail(quinn);

    REQUIRE(pat.add_feature(point_feature("kiosk", 13.40, 52.50, "Kiosk")).get().ok);
    REQUIRE(quinn.start_thread("about-kiosk", "kiosk", "Open on Sundays?").get().ok);
    pb::FeaturePatch move;
    move.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    *move.mutable_geometry()->add_positions() = lon_lat(13.45, 52.55);
    REQUIRE(pat.update_feature("kiosk", move).get().ok);
    const auto removed = pat.delete_feature("kiosk").get();
    REQUIRE(removed.ok);

    REQUIRE(quinn_sees.wait_for_seq(removed.seq));
    {
        const model::room_state seen = quinn.replica();
        CHECK(seen.find_feature("kiosk") == nullptr);
        const pb::Thread& t = thread_in(seen, "about-kiosk");
        CHECK(t.feature_deleted());
        CHECK(t.position().lon() == 13.45);
        CHECK(t.position().lat() == 52.55);
    }
    // It is still a place to talk about.
    const auto after = pat.add_comment("about-kiosk", "It moved, then it was removed").get();
    REQUIRE(after.ok);
    REQUIRE(quinn_sees.wait_for_seq(after.seq));
    const std::string hash = quinn.replica().canonical_hash();

    // Replayed from the log by a restarted server, a newcomer's Welcome holds the same.
    server.stop();
    server.start();
    client newcomer(server.options("square", "newcomer"));
    join_or_fail(newcomer);
    const model::room_state fresh = newcomer.replica();
    const pb::Thread& t = thread_in(fresh, "about-kiosk");
    CHECK(t.feature_deleted());
    CHECK(t.position().lon() == 13.45);
    CHECK(t.comments_size() == 2);
    CHECK(fresh.canonical_hash() == hash);
}

TEST_CASE("an observer's comment is refused until the facilitator lets everyone comment")
{
    server_process server;
    client fay(server.options("park", "fay", pb::ROLE_FACILITATOR));
    client pat(server.options("park", "pat"));
    client olga(server.options("park", "olga", pb::ROLE_OBSERVER));
    event_recorder pat_sees(pat);
    join_or_fail(fay);
    join_or_fail(pat);
    join_or_fail(olga);

    REQUIRE(pat.start_thread("t", lon_lat(13.4, 52.5), "What do you think?").get().ok);
    const auto refused = olga.send(add_comment("t", "I watch and I think")).get();
    CHECK(refused.code == pb::ERROR_CODE_PERMISSION_DENIED);
    CHECK(refused.message == "observers may not add_comment unless a facilitator lets everyone comment");
    CHECK(olga.start_thread("o", lon_lat(13.4, 52.5), "me too").get().code == pb::ERROR_CODE_PERMISSION_DENIED);

    pb::RoomSettingsChange everyone;
    everyone.set_comment(pb::AUDIENCE_EVERYONE);
    REQUIRE(fay.update_settings(everyone).get().ok);
    const auto accepted = olga.send(add_comment("t", "I watch and I think")).get();
    REQUIRE_MESSAGE(accepted.ok, accepted.message);
    REQUIRE(pat_sees.wait_for_seq(accepted.seq));
    const model::room_state seen = pat.replica();
    const pb::Thread& t = thread_in(seen, "t");
    REQUIRE(t.comments_size() == 2);
    CHECK(t.comments(1).author_id() == "olga");
    CHECK(t.comments(1).text() == "I watch and I think");

    // And back: participants only.
    pb::RoomSettingsChange participants;
    participants.set_comment(pb::AUDIENCE_PARTICIPANTS);
    REQUIRE(fay.update_settings(participants).get().ok);
    CHECK(olga.add_comment("t", "one more").get().code == pb::ERROR_CODE_PERMISSION_DENIED);
    CHECK(pat.add_comment("t", "one more").get().ok);
}
