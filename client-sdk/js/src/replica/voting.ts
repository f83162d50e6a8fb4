// Dot voting: the port of apply_vote_event (protocol/model/rules/voting.cpp).
// Ballots stay sorted by (voter, feature id), one per pair with its count;
// a ballot that reaches 0 dots goes.
import { clone, create } from "@bufbuild/protobuf";

import { BallotSchema, VoteRoundSchema, VoteTallySchema, type Event, type VoteRound } from "../proto.js";
import { compareUtf8, partitionPoint } from "./order.js";
import type { RoomData } from "./room_data.js";

function changeBallot(round: VoteRound, voter: string, featureId: string, delta: number): void {
  const ballots = round.ballots;
  const i = partitionPoint(ballots, (b) =>
    b.voter !== voter ? compareUtf8(b.voter, voter) < 0 : compareUtf8(b.featureId, featureId) < 0,
  );
  const found = i < ballots.length && ballots[i].voter === voter && ballots[i].featureId === featureId;
  if (!found) {
    if (delta <= 0) return;
    ballots.splice(i, 0, create(BallotSchema, { voter, featureId, dots: 0 }));
  }
  const dots = ballots[i].dots + delta;
  if (dots <= 0) ballots.splice(i, 1);
  else ballots[i].dots = dots;
}

export function applyVoteEvent(room: RoomData, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "voteOpened": {
      const round = body.value.round ?? create(VoteRoundSchema);
      if (!room.votes.has(round.id)) room.votes.set(round.id, clone(VoteRoundSchema, round));
      return;
    }
    case "dotPlaced": {
      const round = room.votes.get(body.value.voteId);
      if (round) changeBallot(round, body.value.voter, body.value.featureId, +1);
      return;
    }
    case "dotRemoved": {
      const round = room.votes.get(body.value.voteId);
      if (round) changeBallot(round, body.value.voter, body.value.featureId, -1);
      return;
    }
    case "voteClosed": {
      const round = room.votes.get(body.value.voteId);
      if (round) {
        round.closed = true;
        round.closedSeq = event.seq;
        round.results = body.value.results.map((t) => clone(VoteTallySchema, t));
      }
      return;
    }
    default:
      return;
  }
}
