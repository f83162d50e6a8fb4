// Layer: model tests. Dot voting (protocol/model/rules/voting.cpp): open a
// round, place and remove dots within the budget, category and per-feature
// limits, end time, close with the final result, anonymous ballots. Every
// test that changes the room also checks that a replica built from its events
// has the same hash.
#include "model_fixture.hpp"

#include "model/limits.hpp"

#include <string>
#include <vector>

using namespace fixture;

namespace {

// Actors of anonymous rounds: the server gives each a ballot id.
const model::actor voter_a{"par-1", "Pat", pb::ROLE_PARTICIPANT, "ballot-aaa"};
const model::actor voter_b{"par-2", "Quinn", pb::ROLE_PARTICIPANT, "ballot-bbb"};

struct logged_room {
    model::room_state room{"harbour"};
    std::vector<pb::Event> log;

    pb::Event go(const pb::ClientMessage& c, const model::actor& who, std::int64_t now = now_ms)
    {
        log.push_back(run(room, c, who, now));
        return log.back();
    }
    const pb::VoteRound& round(const std::string& id) const
    {
        const pb::VoteRound* r = room.find_vote(id);
        REQUIRE_MESSAGE(r, "no vote round " << id);
        return *r;
    }
    void check_replica() const { CHECK(replica_of("harbour", log).canonical_hash() == room.canonical_hash()); }
};

pb::VoteRound round_of(const std::string& id, std::uint32_t dots, const std::string& category = {})
{
    pb::VoteRound r;
    r.set_id(id);
    r.set_title("Which places matter most?");
    r.set_dots_per_person(dots);
    r.set_category(category);
    return r;
}

pb::ClientMessage open(const pb::VoteRound& round)
{
    return command([&](pb::ClientMessage& m) { *m.mutable_open_vote()->mutable_round() = round; });
}

pb::ClientMessage place(const std::string& vote, const std::string& feature)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_place_dot()->set_vote_id(vote);
        m.mutable_place_dot()->set_feature_id(feature);
    });
}

pb::ClientMessage take_back(const std::string& vote, const std::string& feature)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_remove_dot()->set_vote_id(vote);
        m.mutable_remove_dot()->set_feature_id(feature);
    });
}

pb::ClientMessage close(const std::string& vote)
{
    return command([&](pb::ClientMessage& m) { m.mutable_close_vote()->set_vote_id(vote); });
}

// "voter/feature:dots, ..." in state order.
std::string ballots(const pb::VoteRound& round)
{
    std::string out;
    for (const pb::Ballot& b : round.ballots())
        out += (out.empty() ? "" : ", ") + b.voter() + "/" + b.feature_id() + ":" + std::to_string(b.dots());
    return out;
}

// "feature:dots:title, ..." in result order.
std::string results(const google::protobuf::RepeatedPtrField<pb::VoteTally>& tallies)
{
    std::string out;
    for (const pb::VoteTally& t : tallies)
        out += (out.empty() ? "" : ", ") + t.feature_id() + ":" + std::to_string(t.dots()) + ":" + t.title();
    return out;
}

// Three ideas and one complaint on the map.
void add_features(logged_room& r)
{
    r.go(add(point("park", 13.40, 52.50, "idea")), participant);
    r.go(add(point("bridge", 13.41, 52.51, "idea")), participant2);
    r.go(add(point("cafe", 13.42, 52.52, "idea")), participant2);
    r.go(add(point("noise", 13.43, 52.53, "complaint")), participant);
}

} // namespace

TEST_CASE("opening a round records its settings, who opened it and when; the server's fields are its own")
{
    pb::RoomState in_session;
    in_session.mutable_info()->set_id("harbour");
    in_session.set_seq(4);
    in_session.set_current_session(3);
    model::room_state room = model::room_state::from_proto(in_session);

    pb::VoteRound asked = round_of("r-1", 3, "idea");
    asked.set_anonymous(true);
    asked.set_results_hidden(true);
    asked.set_end_time_ms(now_ms + 60'000);
    asked.set_max_dots_per_feature(2);
    // What a client may not choose: all overwritten or dropped.
    asked.set_opened_seq(99);
    asked.set_opened_by("someone-else");
    asked.set_closed(true);
    asked.set_closed_seq(98);
    asked.set_session_id(42);
    pb::Ballot* stuffed = asked.add_ballots();
    stuffed->set_voter("par-1");
    stuffed->set_feature_id("park");
    stuffed->set_dots(50);
    asked.add_results()->set_feature_id("park");

    const pb::Event e = run(room, open(asked), facilitator);
    REQUIRE(e.has_vote_opened());
    const pb::VoteRound& r = e.vote_opened().round();
    CHECK(r.id() == "r-1");
    CHECK(r.title() == "Which places matter most?");
    CHECK(r.dots_per_person() == 3);
    CHECK(r.category() == "idea");
    CHECK(r.anonymous());
    CHECK(r.results_hidden());
    CHECK(r.end_time_ms() == now_ms + 60'000);
    CHECK(r.max_dots_per_feature() == 2);
    CHECK(r.opened_seq() == 5);
    CHECK(r.opened_by() == facilitator.id);
    CHECK(r.session_id() == 3);
    CHECK_FALSE(r.closed());
    CHECK(r.closed_seq() == 0);
    CHECK(r.ballots_size() == 0);
    CHECK(r.results_size() == 0);
    CHECK(e.actor_id() == facilitator.id); // opening is not anonymous
    REQUIRE(room.find_vote("r-1"));
    CHECK(room.find_vote("r-1")->SerializeAsString() == r.SerializeAsString());
}

TEST_CASE("a round needs a new valid id, 1 to 100 dots, a sane per-feature maximum and an end time ahead")
{
    logged_room r;
    r.go(open(round_of("taken", 2)), facilitator);

    CHECK(outcome(r.room, open(round_of("", 2)), facilitator) == "ERROR_CODE_INVALID_ID");
    CHECK(refusal(r.room, open(round_of("a b", 2)), facilitator).message.find("a vote round id must be") == 0);
    CHECK(outcome(r.room, open(round_of("taken", 2)), facilitator) == "ERROR_CODE_VOTE_EXISTS");
    CHECK(outcome(r.room, open(round_of("r", 0)), facilitator) == "ERROR_CODE_INVALID_VOTE");
    CHECK(outcome(r.room, open(round_of("r", 101)), facilitator) == "ERROR_CODE_INVALID_VOTE");
    CHECK(outcome(r.room, open(round_of("r", 100)), facilitator) == "accepted");
    CHECK(outcome(r.room, open(round_of("r", 1)), facilitator) == "accepted");

    pb::VoteRound too_many_per_feature = round_of("r", 2);
    too_many_per_feature.set_max_dots_per_feature(3);
    const auto why = refusal(r.room, open(too_many_per_feature), facilitator);
    CHECK(why.code == pb::ERROR_CODE_INVALID_VOTE);
    CHECK(why.message == "max_dots_per_feature must be 0 (no limit) or at most dots_per_person (2), got 3");

    pb::VoteRound long_title = round_of("r", 2);
    long_title.set_title(std::string(model::limits().max_title_chars + 1, 't'));
    CHECK(outcome(r.room, open(long_title), facilitator) == "ERROR_CODE_TEXT_TOO_LONG");
    pb::VoteRound bad_title = round_of("r", 2);
    bad_title.set_title("\xfe");
    CHECK(outcome(r.room, open(bad_title), facilitator) == "ERROR_CODE_INVALID_UTF8");
    CHECK(outcome(r.room, open(round_of("r", 2, std::string(model::limits().max_short_text_chars + 1, 'c'))),
                  facilitator) == "ERROR_CODE_TEXT_TOO_LONG");

    for (const std::int64_t end : {now_ms - 1, now_ms, std::int64_t{-5}}) {
        pb::VoteRound ended = round_of("r", 2);
        ended.set_end_time_ms(end);
        CHECK_MESSAGE(outcome(r.room, open(ended), facilitator) == "ERROR_CODE_INVALID_VOTE", "end " << end);
    }
    pb::VoteRound ahead = round_of("r", 2);
    ahead.set_end_time_ms(now_ms + 1);
    CHECK(outcome(r.room, open(ahead), facilitator) == "accepted");

    CHECK(outcome(r.room, open(round_of("r", 2)), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, open(round_of("r", 2)), observer) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, open(round_of("r", 2)), admin) == "accepted");
    r.check_replica();
}

TEST_CASE("participants place dots within their budget on eligible features; ballots stay sorted")
{
    logged_room r;
    add_features(r);
    r.go(open(round_of("ideas", 2, "idea")), facilitator);

    const pb::Event first = r.go(place("ideas", "park"), participant2);
    REQUIRE(first.has_dot_placed());
    CHECK(first.dot_placed().vote_id() == "ideas");
    CHECK(first.dot_placed().feature_id() == "park");
    CHECK(first.dot_placed().voter() == participant2.id);
    CHECK(first.actor_id() == participant2.id); // not anonymous: the event names the voter
    r.go(place("ideas", "bridge"), participant);
    r.go(place("ideas", "park"), participant);
    r.go(place("ideas", "park"), participant2);
    CHECK(ballots(r.round("ideas")) == "par-1/bridge:1, par-1/park:1, par-2/park:2");

    const auto spent = refusal(r.room, place("ideas", "cafe"), participant);
    CHECK(spent.code == pb::ERROR_CODE_NO_DOTS_LEFT);
    CHECK(spent.message == "you have placed all your 2 dots in this round; remove one to place it elsewhere");
    CHECK(outcome(r.room, place("ideas", "park"), participant2) == "ERROR_CODE_NO_DOTS_LEFT");

    const auto other_kind = refusal(r.room, place("ideas", "noise"), facilitator);
    CHECK(other_kind.code == pb::ERROR_CODE_NOT_ELIGIBLE);
    CHECK(
        other_kind.message ==
        "this round takes dots on features of category \"idea\" only; feature \"noise\" is of category \"complaint\"");
    CHECK(outcome(r.room, place("ideas", "nowhere"), facilitator) == "ERROR_CODE_FEATURE_NOT_FOUND");
    CHECK(outcome(r.room, place("other", "park"), facilitator) == "ERROR_CODE_VOTE_NOT_FOUND");
    CHECK(outcome(r.room, place("ideas", "park"), observer) == "ERROR_CODE_PERMISSION_DENIED");
    // A facilitator votes too (with a budget of their own).
    r.go(place("ideas", "cafe"), facilitator);
    CHECK(ballots(r.round("ideas")) == "fac-1/cafe:1, par-1/bridge:1, par-1/park:1, par-2/park:2");
    r.check_replica();
}

TEST_CASE("a round without a category takes dots on every feature")
{
    logged_room r;
    add_features(r);
    r.go(add(point("plain", 13.44, 52.54)), participant);
    r.go(open(round_of("all", 3)), facilitator);
    r.go(place("all", "noise"), participant);
    r.go(place("all", "plain"), participant);
    r.go(place("all", "park"), participant);
    CHECK(ballots(r.round("all")) == "par-1/noise:1, par-1/park:1, par-1/plain:1");

    logged_room idea_only;
    idea_only.go(add(point("plain", 13.44, 52.54)), participant);
    idea_only.go(open(round_of("ideas", 3, "idea")), facilitator);
    CHECK(refusal(idea_only.room, place("ideas", "plain"), participant).message ==
          "this round takes dots on features of category \"idea\" only; feature \"plain\" is of no category");
    r.check_replica();
}

TEST_CASE("the per-feature maximum limits dots on one feature, not the budget")
{
    logged_room r;
    add_features(r);
    pb::VoteRound spread = round_of("spread", 3, "idea");
    spread.set_max_dots_per_feature(2);
    r.go(open(spread), facilitator);
    r.go(place("spread", "park"), participant);
    r.go(place("spread", "park"), participant);
    const auto why = refusal(r.room, place("spread", "park"), participant);
    CHECK(why.code == pb::ERROR_CODE_NO_DOTS_LEFT);
    CHECK(why.message == "a feature takes at most 2 of your dots in this round");
    CHECK(outcome(r.room, place("spread", "park"), participant2) == "accepted"); // per voter
    r.go(place("spread", "bridge"), participant);
    CHECK(outcome(r.room, place("spread", "cafe"), participant) == "ERROR_CODE_NO_DOTS_LEFT");
    r.check_replica();
}

TEST_CASE("removing a dot gives it back; a ballot at 0 dots is gone")
{
    logged_room r;
    add_features(r);
    r.go(open(round_of("ideas", 2, "idea")), facilitator);
    CHECK(outcome(r.room, take_back("ideas", "park"), participant) == "ERROR_CODE_NO_DOT_TO_REMOVE");
    r.go(place("ideas", "park"), participant);
    r.go(place("ideas", "park"), participant);
    CHECK(outcome(r.room, take_back("ideas", "park"), participant2) == "ERROR_CODE_NO_DOT_TO_REMOVE");
    CHECK(outcome(r.room, take_back("nope", "park"), participant) == "ERROR_CODE_VOTE_NOT_FOUND");

    const pb::Event e = r.go(take_back("ideas", "park"), participant);
    REQUIRE(e.has_dot_removed());
    CHECK(e.dot_removed().voter() == participant.id);
    CHECK(e.dot_removed().feature_id() == "park");
    CHECK(ballots(r.round("ideas")) == "par-1/park:1");
    r.go(place("ideas", "cafe"), participant); // the dot is free again
    r.go(take_back("ideas", "park"), participant);
    CHECK(ballots(r.round("ideas")) == "par-1/cafe:1");
    CHECK(outcome(r.room, take_back("ideas", "park"), participant) == "ERROR_CODE_NO_DOT_TO_REMOVE");
    r.check_replica();
}

TEST_CASE("a dot on a feature deleted since still counts until its voter takes it back")
{
    logged_room r;
    add_features(r);
    r.go(open(round_of("ideas", 2, "idea")), facilitator);
    r.go(place("ideas", "park"), participant);
    r.go(place("ideas", "cafe"), participant);
    r.go(command([](pb::ClientMessage& m) { m.mutable_delete_feature()->set_id("cafe"); }), facilitator);
    CHECK(outcome(r.room, place("ideas", "bridge"), participant) == "ERROR_CODE_NO_DOTS_LEFT");
    r.go(take_back("ideas", "cafe"), participant);
    r.go(place("ideas", "bridge"), participant);
    CHECK(ballots(r.round("ideas")) == "par-1/bridge:1, par-1/park:1");
    r.check_replica();
}

TEST_CASE("closing records the results, most dots first then by feature id, with titles; the ballots stay")
{
    logged_room r;
    add_features(r);
    r.go(add(point("doomed", 13.45, 52.55, "idea")), participant);
    r.go(open(round_of("ideas", 3, "idea")), facilitator);
    for (const char* f : {"cafe", "bridge", "park"})
        r.go(place("ideas", f), participant);
    for (const char* f : {"park", "doomed", "cafe"})
        r.go(place("ideas", f), participant2);
    r.go(place("ideas", "doomed"), facilitator);
    // A feature deleted before the close is not in the result.
    r.go(command([](pb::ClientMessage& m) { m.mutable_delete_feature()->set_id("doomed"); }), facilitator);

    CHECK(outcome(r.room, close("ideas"), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, close("other"), facilitator) == "ERROR_CODE_VOTE_NOT_FOUND");
    const pb::Event e = r.go(close("ideas"), facilitator);
    REQUIRE(e.has_vote_closed());
    CHECK(e.vote_closed().vote_id() == "ideas");
    CHECK(results(e.vote_closed().results()) == "cafe:2:Place cafe, park:2:Place park, bridge:1:Place bridge");

    const pb::VoteRound& closed = r.round("ideas");
    CHECK(closed.closed());
    CHECK(closed.closed_seq() == e.seq());
    CHECK(results(closed.results()) == results(e.vote_closed().results()));
    CHECK(ballots(closed) ==
          "fac-1/doomed:1, par-1/bridge:1, par-1/cafe:1, par-1/park:1, par-2/cafe:1, par-2/doomed:1, par-2/park:1");

    CHECK(outcome(r.room, close("ideas"), facilitator) == "ERROR_CODE_VOTE_CLOSED");
    CHECK(outcome(r.room, place("ideas", "park"), facilitator) == "ERROR_CODE_VOTE_CLOSED");
    CHECK(outcome(r.room, take_back("ideas", "park"), participant) == "ERROR_CODE_VOTE_CLOSED");
    CHECK(outcome(r.room, open(round_of("ideas", 3)), facilitator) == "ERROR_CODE_VOTE_EXISTS");
    r.check_replica();
}

TEST_CASE("a round with no dots closes with an empty result")
{
    logged_room r;
    r.go(open(round_of("quiet", 1)), facilitator);
    const pb::Event e = r.go(close("quiet"), facilitator);
    CHECK(e.vote_closed().results_size() == 0);
    CHECK(r.round("quiet").closed());
    r.check_replica();
}

TEST_CASE("no dots at or after the end time; the admin (the server's timer) closes the round then")
{
    logged_room r;
    add_features(r);
    pb::VoteRound timed = round_of("timed", 2);
    timed.set_end_time_ms(now_ms + 1000);
    r.go(open(timed), facilitator);
    r.go(place("timed", "park"), participant, now_ms + 999);
    const auto late = refusal(r.room, place("timed", "bridge"), participant, now_ms + 1000);
    CHECK(late.code == pb::ERROR_CODE_VOTE_CLOSED);
    CHECK(late.message.find("ended at server time") != std::string::npos);
    CHECK(outcome(r.room, take_back("timed", "park"), participant, now_ms + 5000) == "ERROR_CODE_VOTE_CLOSED");

    const pb::Event e = r.go(close("timed"), admin, now_ms + 1000);
    CHECK(results(e.vote_closed().results()) == "park:1:Place park");
    CHECK(r.round("timed").closed());
    r.check_replica();
}

TEST_CASE("an anonymous round's dots name the ballot id, and its events name nobody")
{
    logged_room r;
    add_features(r);
    pb::VoteRound secret = round_of("secret", 2, "idea");
    secret.set_anonymous(true);
    r.go(open(secret), facilitator);

    const pb::Event placed = r.go(place("secret", "park"), voter_a);
    CHECK(placed.dot_placed().voter() == "ballot-aaa");
    CHECK(placed.actor_id().empty());
    CHECK(placed.actor_name().empty());
    r.go(place("secret", "park"), voter_b);
    r.go(place("secret", "bridge"), voter_a);
    CHECK(ballots(r.round("secret")) == "ballot-aaa/bridge:1, ballot-aaa/park:1, ballot-bbb/park:1");
    CHECK(outcome(r.room, place("secret", "cafe"), voter_a) == "ERROR_CODE_NO_DOTS_LEFT");

    const pb::Event removed = r.go(take_back("secret", "bridge"), voter_a);
    CHECK(removed.dot_removed().voter() == "ballot-aaa");
    CHECK(removed.actor_id().empty());
    CHECK(removed.actor_name().empty());
    // The budget goes with the ballot id: the participant id holds no dots here.
    CHECK(outcome(r.room, take_back("secret", "park"), participant) == "ERROR_CODE_NO_DOT_TO_REMOVE");

    // Without a ballot id (a server that sets none) the voter is the
    // participant id, and still the event does not name the actor.
    const pb::Event plain = r.go(place("secret", "cafe"), participant2);
    CHECK(plain.dot_placed().voter() == participant2.id);
    CHECK(plain.actor_id().empty());

    // In a round that is not anonymous the ballot id is not used.
    r.go(open(round_of("open", 1)), facilitator);
    const pb::Event named = r.go(place("open", "park"), voter_a);
    CHECK(named.dot_placed().voter() == voter_a.id);
    CHECK(named.actor_id() == voter_a.id);

    r.go(close("secret"), facilitator);
    CHECK(results(r.round("secret").results()) == "park:2:Place park, cafe:1:Place cafe");
    for (const pb::Event& e : r.log)
        if (e.has_dot_placed() && e.dot_placed().vote_id() == "secret") {
            CHECK(e.actor_id().empty());
            CHECK(e.dot_placed().voter() != participant.id);
        }
    r.check_replica();
}

TEST_CASE("apply is total: vote events naming no round change only the seq")
{
    model::room_state room("harbour");
    const auto event = [&](auto fill) {
        pb::Event e;
        e.set_seq(room.seq() + 1);
        fill(e);
        return e;
    };
    REQUIRE(room.apply(event([](pb::Event& e) { e.mutable_dot_placed()->set_vote_id("ghost"); })));
    REQUIRE(room.apply(event([](pb::Event& e) { e.mutable_dot_removed()->set_vote_id("ghost"); })));
    REQUIRE(room.apply(event([](pb::Event& e) { e.mutable_vote_closed()->set_vote_id("ghost"); })));
    CHECK(room.seq() == 3);
    CHECK(room.data().votes.empty());
}
