// The room replica: the TypeScript port of model::room_state's apply
// (protocol/model/room_state.cpp), routing each event to its area's apply.
// It applies what the server sequenced; it never validates (the server does).
// At seq k it equals the server's state at seq k, and its canonical encoding
// (and hash) is byte for byte the C++ model's: tests/golden/ proves it.
import { toBinary } from "@bufbuild/protobuf";

import {
  RoomStateSchema,
  type ChatMessage,
  type Event,
  type Feature,
  type RoomState,
  type Thread,
  type VoteRound,
} from "../proto.js";
import { applyBreakoutEvent } from "./breakouts.js";
import { applyChatEvent } from "./chat.js";
import { applyCommentEvent } from "./comments.js";
import { applyFeatureEvent } from "./features.js";
import { applyFieldEvent } from "./field_trip.js";
import { applyLayerEvent } from "./layers.js";
import { applyModerationEvent } from "./moderation.js";
import { findBySeq } from "./order.js";
import { emptyRoom, roomFromProto, roomToProto, type RoomData } from "./room_data.js";
import { applySessionEvent } from "./sessions.js";
import { applyVoteEvent } from "./voting.js";
import { applyWorkshopEvent } from "./workshop.js";

export class RoomReplica {
  private data: RoomData;

  // A new, empty room (its id as title, centred on (0, 0) at zoom 2).
  constructor(roomId: string) {
    this.data = emptyRoom(roomId);
  }

  // The state a Welcome (or a replay) carries.
  static fromProto(state: RoomState): RoomReplica {
    const replica = new RoomReplica("");
    replica.data = roomFromProto(state);
    return replica;
  }

  // A copy of the state as the protocol's RoomState, in canonical order.
  toProto(): RoomState {
    return roomToProto(this.data);
  }

  // Applies the event with seq = this.seq + 1 and returns true; any other seq
  // is not applied (false). An event naming something that does not exist,
  // or with a body this version does not know, advances only the seq.
  apply(event: Event): boolean {
    if (event.seq !== this.data.seq + 1n) return false;
    this.data.seq = event.seq;
    switch (event.body.case) {
      case "featureAdded":
      case "featureUpdated":
      case "featureDeleted":
        applyFeatureEvent(this.data, event);
        break;
      case "chatPosted":
      case "chatReacted":
      case "chatEdited":
      case "chatDeleted":
        applyChatEvent(this.data, event);
        break;
      case "roomInfoChanged":
      case "settingsChanged":
      case "participantMuted":
      case "participantRemoved":
      case "roomArchived":
        applyModerationEvent(this.data, event);
        break;
      case "threadStarted":
      case "commentAdded":
      case "commentEdited":
      case "commentDeleted":
      case "threadResolved":
        applyCommentEvent(this.data, event);
        break;
      case "agendaSet":
      case "agendaStepOpened":
      case "timerChanged":
      case "viewShared":
      case "followChanged":
      case "spotlightChanged":
      case "handRaised":
      case "handCalled":
      case "handsCleared":
        applyWorkshopEvent(this.data, event);
        break;
      case "voteOpened":
      case "dotPlaced":
      case "dotRemoved":
      case "voteClosed":
        applyVoteEvent(this.data, event);
        break;
      case "sessionStarted":
      case "sessionEnded":
        applySessionEvent(this.data, event);
        break;
      case "layerAdded":
      case "layerRemoved":
      case "layerChanged":
      case "layerFeaturesCopied":
        applyLayerEvent(this.data, event);
        break;
      case "breakoutsStarted":
      case "breakoutsEnded":
      case "groupsBroadcast":
      case "breakoutGroupOpened":
        applyBreakoutEvent(this.data, event);
        break;
      case "itinerarySet":
      case "attachmentAdded":
        applyFieldEvent(this.data, event);
        break;
      default:
        break; // a body this version does not know: only the seq advances
    }
    return true;
  }

  get seq(): bigint {
    return this.data.seq;
  }

  // The live state, for reading. Do not change it: only apply() may.
  get state(): Readonly<RoomData> {
    return this.data;
  }

  findFeature(id: string): Feature | undefined {
    return this.data.features.get(id);
  }

  // Among the recent chat.
  findChat(seq: bigint): ChatMessage | undefined {
    return findBySeq(this.data.recentChat, seq);
  }

  findThread(id: string): Thread | undefined {
    return this.data.threads.get(id);
  }

  findVote(id: string): VoteRound | undefined {
    return this.data.votes.get(id);
  }

  // The canonical encoding of the state: the same bytes as the C++ model's
  // deterministic encoding of room_state::to_proto().
  canonicalBytes(): Uint8Array {
    return toBinary(RoomStateSchema, this.toProto());
  }

  // Hex SHA-256 of canonicalBytes(): equal to room_state::canonical_hash()
  // of the server's state at the same seq. Uses Web Crypto (browsers, Node 20).
  async canonicalHash(): Promise<string> {
    const digest = await globalThis.crypto.subtle.digest("SHA-256", this.canonicalBytes() as Uint8Array<ArrayBuffer>);
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
}
