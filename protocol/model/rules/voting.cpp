// Layer: model. Dot voting: a facilitator opens a round (so many dots per
// person, eligible features: all or one category, anonymous or not, an
// optional end time); participants place and remove dots within their
// budget; closing records the final result as an event.
//
// The voter of a dot is the participant id, or in an anonymous round the
// actor's ballot id (a pseudonym the server derives with a secret). An
// anonymous round's dot events carry no actor id or name either, so neither
// the log nor the wire names who voted. Ballots are kept sorted by
// (voter, feature_id), one entry per pair with its count of dots, so the
// state is canonical. A closed round keeps its ballots and its results.
#include "model/rules/rules.hpp"

#include "model/limits.hpp"

#include <algorithm>
#include <map>
#include <vector>

namespace maptable::model::rules {

namespace {

constexpr std::uint32_t max_dots_per_person = 100;

problem invalid(std::string message)
{
    return reject(pb::ERROR_CODE_INVALID_VOTE, std::move(message));
}

problem find_round(const room_data& room, const std::string& id, const pb::VoteRound*& found)
{
    const auto it = room.votes.find(id);
    if (it == room.votes.end())
        return reject(pb::ERROR_CODE_VOTE_NOT_FOUND, "there is no vote round with id " + quote_short(id));
    found = &it->second;
    return std::nullopt;
}

// The round, still taking dots at the event's time.
problem find_open_round(const room_data& room, const std::string& id, const pb::Event& event,
                        const pb::VoteRound*& found)
{
    if (auto p = find_round(room, id, found))
        return p;
    if (found->closed())
        return reject(pb::ERROR_CODE_VOTE_CLOSED, "vote round " + quote_short(id) + " is closed");
    if (found->end_time_ms() != 0 && event.time_ms() >= found->end_time_ms())
        return reject(pb::ERROR_CODE_VOTE_CLOSED,
                      "vote round " + quote_short(id) + " ended at server time " +
                          std::to_string(found->end_time_ms()) + " ms");
    return std::nullopt;
}

std::string voter_of(const pb::VoteRound& round, const actor& who)
{
    return round.anonymous() && !who.ballot_id.empty() ? who.ballot_id : who.id;
}

bool before(const pb::Ballot& b, const std::string& voter, const std::string& feature_id)
{
    return b.voter() != voter ? b.voter() < voter : b.feature_id() < feature_id;
}

// Index of the ballot (voter, feature_id), or of where it would go.
int ballot_index(const pb::VoteRound& round, const std::string& voter, const std::string& feature_id)
{
    const auto& ballots = round.ballots();
    const auto it = std::partition_point(ballots.begin(), ballots.end(),
                                         [&](const pb::Ballot& b) { return before(b, voter, feature_id); });
    return static_cast<int>(it - ballots.begin());
}

std::uint32_t dots_on(const pb::VoteRound& round, const std::string& voter, const std::string& feature_id)
{
    const int i = ballot_index(round, voter, feature_id);
    if (i < round.ballots_size() && round.ballots(i).voter() == voter && round.ballots(i).feature_id() == feature_id)
        return round.ballots(i).dots();
    return 0;
}

// Every dot of the voter in the round, also on features deleted since: a dot
// is spent until its voter takes it back.
std::uint32_t dots_of(const pb::VoteRound& round, const std::string& voter)
{
    std::uint32_t total = 0;
    for (const pb::Ballot& b : round.ballots())
        if (b.voter() == voter)
            total += b.dots();
    return total;
}

// The event of a ballot names no one in an anonymous round.
void hide_actor_if_anonymous(const pb::VoteRound& round, pb::Event& event)
{
    if (!round.anonymous())
        return;
    event.clear_actor_id();
    event.clear_actor_name();
}

problem open_vote(const room_data& room, const pb::OpenVote& command, const actor& who, pb::Event& event)
{
    const pb::VoteRound& asked = command.round();
    if (auto p = check_id("vote round", asked.id()))
        return p;
    if (room.votes.count(asked.id()))
        return reject(pb::ERROR_CODE_VOTE_EXISTS,
                      "a vote round with id " + quote_short(asked.id()) + " already exists; choose another id");
    if (auto p = check_text("title", asked.title(), limits().max_title_chars))
        return p;
    if (asked.dots_per_person() < 1 || asked.dots_per_person() > max_dots_per_person)
        return invalid("dots_per_person must be 1 to " + std::to_string(max_dots_per_person) + ", got " +
                       std::to_string(asked.dots_per_person()));
    if (asked.max_dots_per_feature() > asked.dots_per_person())
        return invalid("max_dots_per_feature must be 0 (no limit) or at most dots_per_person (" +
                       std::to_string(asked.dots_per_person()) + "), got " +
                       std::to_string(asked.max_dots_per_feature()));
    if (auto p = check_text("category", asked.category(), limits().max_short_text_chars))
        return p;
    if (asked.end_time_ms() != 0 && asked.end_time_ms() <= event.time_ms())
        return invalid("end_time_ms must be 0 (no end) or a server time after now (" + std::to_string(event.time_ms()) +
                       " ms), got " + std::to_string(asked.end_time_ms()));

    // Only the settings a facilitator chooses; the rest is the server's to say.
    pb::VoteRound& round = *event.mutable_vote_opened()->mutable_round();
    round.set_id(asked.id());
    round.set_title(asked.title());
    round.set_dots_per_person(asked.dots_per_person());
    round.set_category(asked.category());
    round.set_anonymous(asked.anonymous());
    round.set_results_hidden(asked.results_hidden());
    round.set_end_time_ms(asked.end_time_ms());
    round.set_max_dots_per_feature(asked.max_dots_per_feature());
    round.set_opened_seq(event.seq());
    round.set_opened_by(who.id);
    round.set_session_id(event.session_id());
    return std::nullopt;
}

problem place_dot(const room_data& room, const pb::PlaceDot& command, const actor& who, pb::Event& event)
{
    const pb::VoteRound* round = nullptr;
    if (auto p = find_open_round(room, command.vote_id(), event, round))
        return p;
    const auto feature = room.features.find(command.feature_id());
    if (feature == room.features.end())
        return reject(pb::ERROR_CODE_FEATURE_NOT_FOUND,
                      "there is no feature with id " + quote_short(command.feature_id()));
    if (!round->category().empty() && feature->second.category() != round->category())
        return reject(pb::ERROR_CODE_NOT_ELIGIBLE,
                      "this round takes dots on features of category " + quote_short(round->category()) +
                          " only; feature " + quote_short(command.feature_id()) + " is of " +
                          (feature->second.category().empty() ? std::string("no category")
                                                              : "category " + quote_short(feature->second.category())));
    const std::string voter = voter_of(*round, who);
    if (dots_of(*round, voter) >= round->dots_per_person())
        return reject(pb::ERROR_CODE_NO_DOTS_LEFT,
                      "you have placed all your " + std::to_string(round->dots_per_person()) +
                          " dots in this round; remove one to place it elsewhere");
    if (round->max_dots_per_feature() != 0 &&
        dots_on(*round, voter, command.feature_id()) >= round->max_dots_per_feature())
        return reject(pb::ERROR_CODE_NO_DOTS_LEFT,
                      "a feature takes at most " + std::to_string(round->max_dots_per_feature()) +
                          " of your dots in this round");

    pb::DotPlaced& placed = *event.mutable_dot_placed();
    placed.set_vote_id(command.vote_id());
    placed.set_feature_id(command.feature_id());
    placed.set_voter(voter);
    hide_actor_if_anonymous(*round, event);
    return std::nullopt;
}

problem remove_dot(const room_data& room, const pb::RemoveDot& command, const actor& who, pb::Event& event)
{
    const pb::VoteRound* round = nullptr;
    if (auto p = find_open_round(room, command.vote_id(), event, round))
        return p;
    // The feature need not exist any more: a dot on a deleted feature can be
    // taken back and placed elsewhere.
    const std::string voter = voter_of(*round, who);
    if (dots_on(*round, voter, command.feature_id()) == 0)
        return reject(pb::ERROR_CODE_NO_DOT_TO_REMOVE,
                      "you have no dot on feature " + quote_short(command.feature_id()) + " in this round");

    pb::DotRemoved& removed = *event.mutable_dot_removed();
    removed.set_vote_id(command.vote_id());
    removed.set_feature_id(command.feature_id());
    removed.set_voter(voter);
    hide_actor_if_anonymous(*round, event);
    return std::nullopt;
}

// Dots per feature, most first, then by feature id. Features deleted before
// the close are left out: they are no longer on the map the result is about
// (their ballots stay in the round).
std::vector<pb::VoteTally> tally(const room_data& room, const pb::VoteRound& round)
{
    std::map<std::string, std::uint32_t> dots;
    for (const pb::Ballot& b : round.ballots())
        dots[b.feature_id()] += b.dots();
    std::vector<pb::VoteTally> results;
    for (const auto& [feature_id, count] : dots) {
        const auto feature = room.features.find(feature_id);
        if (feature == room.features.end() || count == 0)
            continue;
        pb::VoteTally& t = results.emplace_back();
        t.set_feature_id(feature_id);
        t.set_dots(count);
        t.set_title(feature->second.title());
    }
    std::stable_sort(results.begin(), results.end(),
                     [](const pb::VoteTally& a, const pb::VoteTally& b) { return a.dots() > b.dots(); });
    return results;
}

problem close_vote(const room_data& room, const pb::CloseVote& command, pb::Event& event)
{
    const pb::VoteRound* round = nullptr;
    if (auto p = find_round(room, command.vote_id(), round))
        return p;
    if (round->closed())
        return reject(pb::ERROR_CODE_VOTE_CLOSED,
                      "vote round " + quote_short(command.vote_id()) + " is already closed");

    pb::VoteClosed& closed = *event.mutable_vote_closed();
    closed.set_vote_id(command.vote_id());
    for (pb::VoteTally& t : tally(room, *round))
        *closed.add_results() = std::move(t);
    return std::nullopt;
}

// Adds delta (+1 or -1) dots to the voter's ballot on the feature, keeping
// ballots sorted and dropping one that reaches 0.
void change_ballot(pb::VoteRound& round, const std::string& voter, const std::string& feature_id, int delta)
{
    int i = ballot_index(round, voter, feature_id);
    auto& ballots = *round.mutable_ballots();
    const bool found = i < ballots.size() && ballots[i].voter() == voter && ballots[i].feature_id() == feature_id;
    if (!found) {
        if (delta <= 0)
            return;
        pb::Ballot* added = ballots.Add();
        added->set_voter(voter);
        added->set_feature_id(feature_id);
        for (int j = ballots.size() - 1; j > i; --j)
            ballots.SwapElements(j, j - 1);
    }
    pb::Ballot& ballot = ballots[i];
    const std::int64_t dots = static_cast<std::int64_t>(ballot.dots()) + delta;
    if (dots <= 0)
        ballots.DeleteSubrange(i, 1);
    else
        ballot.set_dots(static_cast<std::uint32_t>(dots));
}

} // namespace

problem validate_vote_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                              pb::Event& event)
{
    switch (command.body_case()) {
    case pb::ClientMessage::kOpenVote: return open_vote(room, command.open_vote(), who, event);
    case pb::ClientMessage::kPlaceDot: return place_dot(room, command.place_dot(), who, event);
    case pb::ClientMessage::kRemoveDot: return remove_dot(room, command.remove_dot(), who, event);
    case pb::ClientMessage::kCloseVote: return close_vote(room, command.close_vote(), event);
    default: return reject(pb::ERROR_CODE_INTERNAL, "not a vote command");
    }
}

void apply_vote_event(room_data& room, const pb::Event& event)
{
    // Total: an event naming a round that is not there changes nothing.
    const auto round_named = [&](const std::string& id) -> pb::VoteRound* {
        const auto it = room.votes.find(id);
        return it == room.votes.end() ? nullptr : &it->second;
    };
    switch (event.body_case()) {
    case pb::Event::kVoteOpened: {
        const pb::VoteRound& round = event.vote_opened().round();
        room.votes.try_emplace(round.id(), round);
        break;
    }
    case pb::Event::kDotPlaced:
        if (pb::VoteRound* round = round_named(event.dot_placed().vote_id()))
            change_ballot(*round, event.dot_placed().voter(), event.dot_placed().feature_id(), +1);
        break;
    case pb::Event::kDotRemoved:
        if (pb::VoteRound* round = round_named(event.dot_removed().vote_id()))
            change_ballot(*round, event.dot_removed().voter(), event.dot_removed().feature_id(), -1);
        break;
    case pb::Event::kVoteClosed:
        if (pb::VoteRound* round = round_named(event.vote_closed().vote_id())) {
            round->set_closed(true);
            round->set_closed_seq(event.seq());
            *round->mutable_results() = event.vote_closed().results();
        }
        break;
    default: break;
    }
}

} // namespace maptable::model::rules
