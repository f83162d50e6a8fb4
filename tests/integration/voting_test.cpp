// Dot voting over the wire: real SDK clients of
// a real server. A facilitator opens a round, participants place dots within
// their budget on eligible features, an observer may not vote, the close
// records the result that every replica shows; anonymous rounds name no
// voter; an end time in the past is refused, and one in the future closes the
// round by itself.
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>

using namespace maptable;
using namespace maptable::test;

namespace {

pb::VoteRound round_of(const std::string& id, std::uint32_t dots, const std::string& category = {})
{
    pb::VoteRound r;
    r.set_id(id);
    r.set_title("Which ideas first?");
    r.set_dots_per_person(dots);
    r.set_category(category);
    return r;
}

pb::Feature idea(const std::string& id, double lon, const std::string& category, const std::string& title)
{
    pb::Feature f = point_feature(id, lon, 52.5, title);
    f.set_category(category);
    return f;
}

const pb::VoteRound& round_in(const model::room_state& state, const std::string& id)
{
    const pb::VoteRound* r = state.find_vote(id);
    REQUIRE_MESSAGE(r != nullptr, "the replica has no vote round " << id);
    return *r;
}

std::int64_t local_now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

TEST_CASE("two dots per person on ideas: budget, category and role are enforced; the close reaches every replica")
{
    server_process server;
    client fay(server.options("harbour", "fay", pb::ROLE_FACILITATOR));
    client pat(server.options("harbour", "pat"));
    client quinn(server.options("harbour", "quinn"));
    client olga(server.options("harbour", "olga", pb::ROLE_OBSERVER));
    event_recorder olga_sees(olga);
    event_recorder pat_sees(pat);
    join_or_fail(fay);
    join_or_fail(pat);
    join_or_fail(quinn);
    join_or_fail(olga);

    REQUIRE(pat.add_feature(idea("park", 13.40, "idea", "Pocket park")).get().ok);
    REQUIRE(quinn.add_feature(idea("bridge", 13.41, "idea", "Foot bridge")).get().ok);
    REQUIRE(quinn.add_feature(idea("noise", 13.42, "complaint", "Noisy bar")).get().ok);

    CHECK(pat.open_vote(round_of("ideas", 2, "idea")).get().code == pb::ERROR_CODE_PERMISSION_DENIED);
    const auto opened = fay.open_vote(round_of("ideas", 2, "idea")).get();
    REQUIRE_MESSAGE(opened.ok, opened.message);
    CHECK(fay.open_vote(round_of("ideas", 2, "idea")).get().code == pb::ERROR_CODE_VOTE_EXISTS);

    REQUIRE(pat.place_dot("ideas", "park").get().ok);
    REQUIRE(pat.place_dot("ideas", "bridge").get().ok);
    const auto third = pat.place_dot("ideas", "park").get();
    CHECK(third.code == pb::ERROR_CODE_NO_DOTS_LEFT);
    CHECK(third.message == "you have placed all your 2 dots in this round; remove one to place it elsewhere");
    const auto complaint = quinn.place_dot("ideas", "noise").get();
    CHECK(complaint.code == pb::ERROR_CODE_NOT_ELIGIBLE);
    CHECK(
        complaint.message ==
        "this round takes dots on features of category \"idea\" only; feature \"noise\" is of category \"complaint\"");
    CHECK(olga.place_dot("ideas", "park").get().code == pb::ERROR_CODE_PERMISSION_DENIED);
    CHECK(quinn.place_dot("ideas", "nowhere").get().code == pb::ERROR_CODE_FEATURE_NOT_FOUND);
    CHECK(quinn.place_dot("other", "park").get().code == pb::ERROR_CODE_VOTE_NOT_FOUND);
    CHECK(quinn.remove_dot("ideas", "park").get().code == pb::ERROR_CODE_NO_DOT_TO_REMOVE);
    REQUIRE(quinn.place_dot("ideas", "park").get().ok);
    REQUIRE(quinn.place_dot("ideas", "bridge").get().ok);
    REQUIRE(quinn.remove_dot("ideas", "bridge").get().ok);

    CHECK(pat.close_vote("ideas").get().code == pb::ERROR_CODE_PERMISSION_DENIED);
    const auto closed = fay.close_vote("ideas").get();
    REQUIRE(closed.ok);
    CHECK(fay.close_vote("ideas").get().code == pb::ERROR_CODE_VOTE_CLOSED);
    CHECK(quinn.place_dot("ideas", "bridge").get().code == pb::ERROR_CODE_VOTE_CLOSED);

    // The observer's replica, built from the events, holds the final result.
    REQUIRE(olga_sees.wait_for_seq(closed.seq));
    const model::room_state seen = olga.replica();
    const pb::VoteRound& round = round_in(seen, "ideas");
    CHECK(round.closed());
    CHECK(round.closed_seq() == closed.seq);
    CHECK(round.opened_seq() == opened.seq);
    CHECK(round.opened_by() == "fay");
    REQUIRE(round.results_size() == 2);
    CHECK(round.results(0).feature_id() == "park");
    CHECK(round.results(0).dots() == 2);
    CHECK(round.results(0).title() == "Pocket park");
    CHECK(round.results(1).feature_id() == "bridge");
    CHECK(round.results(1).dots() == 1);
    CHECK(round.results(1).title() == "Foot bridge");
    // The ballots stay, by (voter, feature), and name the voters of an open round.
    REQUIRE(round.ballots_size() == 3);
    CHECK(round.ballots(0).voter() == "pat");
    CHECK(round.ballots(0).feature_id() == "bridge");
    CHECK(round.ballots(2).voter() == "quinn");
    CHECK(round.ballots(2).feature_id() == "park");

    const auto events = olga_sees.events();
    const pb::Event& last = events.back();
    REQUIRE(last.has_vote_closed());
    CHECK(last.vote_closed().results_size() == 2);
    REQUIRE(pat_sees.wait_for_seq(closed.seq));
    CHECK(seen.canonical_hash() == fay.replica().canonical_hash());
    CHECK(seen.canonical_hash() == pat.replica().canonical_hash());
}

TEST_CASE("an anonymous round's events name no actor, and its ballots name pseudonyms")
{
    server_process server;
    client fay(server.options("secret", "fay", pb::ROLE_FACILITATOR));
    client pat(server.options("secret", "pat"));
    client quinn(server.options("secret", "quinn"));
    event_recorder fay_sees(fay);
    event_recorder quinn_sees(quinn);
    join_or_fail(fay);
    join_or_fail(pat);
    join_or_fail(quinn);

    REQUIRE(pat.add_feature(idea("park", 13.40, "idea", "Pocket park")).get().ok);
    REQUIRE(pat.add_feature(idea("bridge", 13.41, "idea", "Foot bridge")).get().ok);
    pb::VoteRound secret = round_of("secret", 2);
    secret.set_anonymous(true);
    REQUIRE(fay.open_vote(secret).get().ok);

    // The server gave each participant a ballot id in the Welcome.
    const std::string pat_ballot = pat.ballot_id();
    const std::string quinn_ballot = quinn.ballot_id();
    REQUIRE_FALSE(pat_ballot.empty());
    REQUIRE_FALSE(quinn_ballot.empty());
    CHECK(pat_ballot != quinn_ballot);
    CHECK(pat_ballot.find("pat") == std::string::npos);

    const auto p1 = pat.place_dot("secret", "park").get();
    REQUIRE(p1.ok);
    REQUIRE(pat.place_dot("secret", "bridge").get().ok);
    REQUIRE(quinn.place_dot("secret", "park").get().ok);
    CHECK(pat.place_dot("secret", "park").get().code == pb::ERROR_CODE_NO_DOTS_LEFT); // the budget follows the ballot
    const auto taken_back = pat.remove_dot("secret", "bridge").get();
    REQUIRE(taken_back.ok);
    const auto closed = fay.close_vote("secret").get();
    REQUIRE(closed.ok);

    REQUIRE(fay_sees.wait_for_seq(closed.seq));
    int ballot_events = 0;
    for (const pb::Event& e : fay_sees.events()) {
        if (!e.has_dot_placed() && !e.has_dot_removed())
            continue;
        ++ballot_events;
        CHECK_MESSAGE(e.actor_id().empty(), "seq " << e.seq() << " names " << e.actor_id());
        CHECK(e.actor_name().empty());
        const std::string& voter = e.has_dot_placed() ? e.dot_placed().voter() : e.dot_removed().voter();
        CHECK(voter != "pat");
        CHECK(voter != "quinn");
        CHECK((voter == pat_ballot || voter == quinn_ballot));
    }
    CHECK(ballot_events == 4);

    const model::room_state seen = fay.replica();
    const pb::VoteRound& round = round_in(seen, "secret");
    std::set<std::string> voters;
    for (const pb::Ballot& b : round.ballots())
        voters.insert(b.voter());
    CHECK(voters == std::set<std::string>{pat_ballot, quinn_ballot});
    REQUIRE(round.results_size() == 1);
    CHECK(round.results(0).feature_id() == "park");
    CHECK(round.results(0).dots() == 2);
    REQUIRE(quinn_sees.wait_for_seq(closed.seq));
    CHECK(seen.canonical_hash() == quinn.replica().canonical_hash());
}

TEST_CASE("an end time in the past is refused at open; one in the future closes the round by itself")
{
    server_process server;
    client fay(server.options("timed", "fay", pb::ROLE_FACILITATOR));
    client pat(server.options("timed", "pat"));
    event_recorder pat_sees(pat);
    join_or_fail(fay);
    join_or_fail(pat);
    REQUIRE(pat.add_feature(idea("park", 13.40, "idea", "Pocket park")).get().ok);

    const std::int64_t server_now = local_now_ms() + fay.server_clock_offset().count();
    pb::VoteRound past = round_of("past", 2);
    past.set_end_time_ms(server_now - 60'000);
    const auto refused = fay.open_vote(past).get();
    CHECK(refused.code == pb::ERROR_CODE_INVALID_VOTE);
    CHECK(refused.message.find("end_time_ms must be 0 (no end) or a server time after now") == 0);

    pb::VoteRound bad = round_of("bad", 0);
    CHECK(fay.open_vote(bad).get().code == pb::ERROR_CODE_INVALID_VOTE);
    bad = round_of("bad", 2);
    bad.set_max_dots_per_feature(3);
    CHECK(fay.open_vote(bad).get().code == pb::ERROR_CODE_INVALID_VOTE);

    // A few seconds ahead of the server's clock now, so a loaded machine still
    // delivers the open before the end (an end in the past is refused).
    pb::VoteRound soon = round_of("soon", 2);
    soon.set_end_time_ms(local_now_ms() + fay.server_clock_offset().count() + 3'000);
    const auto opened = fay.open_vote(soon).get();
    REQUIRE_MESSAGE(opened.ok, opened.message);
    // Wait for the event, not for a time: the server closes the round when its end time passes.
    REQUIRE(pat_sees.wait_until([&] {
        for (const pb::Event& e : pat_sees.events())
            if (e.has_vote_closed() && e.vote_closed().vote_id() == "soon")
                return true;
        return false;
    }));
    const model::room_state seen = pat.replica();
    CHECK(round_in(seen, "soon").closed());
    CHECK(pat.place_dot("soon", "park").get().code == pb::ERROR_CODE_VOTE_CLOSED);
}
