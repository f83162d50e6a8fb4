// The maptable client: a connection to one room with a typed method per
// command, named as in the C++ SDK (client-sdk/include/maptable/client.hpp).
//
//     const client = new MaptableClient({ url: "ws://127.0.0.1:8080/v1/ws", roomId: "harbour", token });
//     client.onEvent((e) => render(client.replica));
//     await client.connect();                       // the Welcome, or a MaptableError
//     const added = await client.addFeature({ id: "f-1", geometry: { kind: FeatureKind.POINT, positions: [{ lon, lat }] } });
//     if (!added.ok) show(added.message);           // the server's refusal, for people
//
// Commands are optimistic in the protocol's sense: send as many as you like
// without waiting; each stays pending (pendingCount, pendingCommands) until
// the server acks or refuses it, across reconnects. The replica changes only
// by the server's events, so it always equals the server's state at seq().
// Who may send which command is in docs/PERMISSIONS.md.
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";

import { MaptableConnection } from "./connection.js";
import {
  ControlTimer_Action,
  type AgendaStepSchema,
  type FeaturePatchSchema,
  type FeatureSchema,
  type LonLatSchema,
  type RoomInfoChangedSchema,
  type RoomSettingsChangeSchema,
  type ViewportSchema,
  type VoteRoundSchema,
} from "./proto.js";
import type { CommandResult } from "./results.js";

type Init<T extends DescMessage> = MessageInitShape<T>;

export class MaptableClient extends MaptableConnection {
  // ---------------------------------------------------------- features

  // The client chooses the feature id (1-64 of [A-Za-z0-9_-]); see randomId().
  addFeature(feature: Init<typeof FeatureSchema>): Promise<CommandResult> {
    return this.command({ case: "addFeature", value: { feature } });
  }
  // Changes only the properties the patch sets.
  updateFeature(id: string, patch: Init<typeof FeaturePatchSchema>): Promise<CommandResult> {
    return this.command({ case: "updateFeature", value: { id, patch } });
  }
  // reason: why a facilitator removes someone else's feature (kept in the log).
  deleteFeature(id: string, reason = ""): Promise<CommandResult> {
    return this.command({ case: "deleteFeature", value: { id, reason } });
  }

  // ---------------------------------------------------------- chat

  // mentions: participant ids the text mentions (@name), at most 20.
  sendChat(
    text: string,
    options: { replyTo?: bigint; featureId?: string; mentions?: string[] } = {},
  ): Promise<CommandResult> {
    return this.command({
      case: "sendChat",
      value: {
        text,
        replyTo: options.replyTo ?? 0n,
        featureId: options.featureId ?? "",
        mentions: options.mentions ?? [],
      },
    });
  }
  reactToChat(messageSeq: bigint, emoji: string, remove = false): Promise<CommandResult> {
    return this.command({ case: "reactToChat", value: { messageSeq, emoji, remove } });
  }
  editChat(messageSeq: bigint, text: string): Promise<CommandResult> {
    return this.command({ case: "editChat", value: { messageSeq, text } });
  }
  deleteChat(messageSeq: bigint, reason = ""): Promise<CommandResult> {
    return this.command({ case: "deleteChat", value: { messageSeq, reason } });
  }

  // ---------------------------------------------------------- room and moderation (facilitator)

  updateRoomInfo(change: Init<typeof RoomInfoChangedSchema>): Promise<CommandResult> {
    return this.command({ case: "updateRoomInfo", value: { change } });
  }
  updateSettings(change: Init<typeof RoomSettingsChangeSchema>): Promise<CommandResult> {
    return this.command({ case: "updateSettings", value: { change } });
  }
  muteParticipant(participantId: string, muted = true, reason = ""): Promise<CommandResult> {
    return this.command({ case: "muteParticipant", value: { participantId, muted, reason } });
  }
  // Closes their connections; their token is refused from then on.
  removeParticipant(participantId: string, reason = ""): Promise<CommandResult> {
    return this.command({ case: "removeParticipant", value: { participantId, reason } });
  }

  // ---------------------------------------------------------- comment threads

  // threadId is chosen by the caller (1-64 of [A-Za-z0-9_-]); text is the first comment.
  startThread(
    threadId: string,
    anchor: { featureId: string } | { position: Init<typeof LonLatSchema> },
    text: string,
  ): Promise<CommandResult> {
    const at =
      "featureId" in anchor
        ? ({ case: "featureId", value: anchor.featureId } as const)
        : ({ case: "position", value: anchor.position } as const);
    return this.command({ case: "startThread", value: { threadId, anchor: at, text } });
  }
  addComment(threadId: string, text: string): Promise<CommandResult> {
    return this.command({ case: "addComment", value: { threadId, text } });
  }
  editComment(threadId: string, commentSeq: bigint, text: string): Promise<CommandResult> {
    return this.command({ case: "editComment", value: { threadId, commentSeq, text } });
  }
  deleteComment(threadId: string, commentSeq: bigint, reason = ""): Promise<CommandResult> {
    return this.command({ case: "deleteComment", value: { threadId, commentSeq, reason } });
  }
  resolveThread(threadId: string, resolved = true): Promise<CommandResult> {
    return this.command({ case: "resolveThread", value: { threadId, resolved } });
  }

  // ---------------------------------------------------------- workshop tools (facilitator, except hands and dots)

  setAgenda(steps: Init<typeof AgendaStepSchema>[]): Promise<CommandResult> {
    return this.command({ case: "setAgenda", value: { steps } });
  }
  // An empty id closes the open step.
  openAgendaStep(stepId: string): Promise<CommandResult> {
    return this.command({ case: "openAgendaStep", value: { stepId } });
  }
  // durationMs is used by START only (1 s to 24 h).
  controlTimer(action: ControlTimer_Action, durationMs = 0n): Promise<CommandResult> {
    return this.command({ case: "controlTimer", value: { action, durationMs } });
  }
  startTimer(durationMs: bigint): Promise<CommandResult> {
    return this.controlTimer(ControlTimer_Action.START, durationMs);
  }
  // Brings everyone to this view once.
  shareView(viewport: Init<typeof ViewportSchema>): Promise<CommandResult> {
    return this.command({ case: "shareView", value: { viewport } });
  }
  // Everyone's view follows mine (on) or stops following.
  setFollow(on: boolean): Promise<CommandResult> {
    return this.command({ case: "setFollow", value: { on } });
  }
  // An empty id clears the spotlight.
  spotlight(featureId: string): Promise<CommandResult> {
    return this.command({ case: "spotlight", value: { featureId } });
  }
  raiseHand(raised = true): Promise<CommandResult> {
    return this.command({ case: "raiseHand", value: { raised } });
  }
  callNextHand(): Promise<CommandResult> {
    return this.command({ case: "callNextHand", value: {} });
  }
  clearHands(): Promise<CommandResult> {
    return this.command({ case: "clearHands", value: {} });
  }
  openVote(round: Init<typeof VoteRoundSchema>): Promise<CommandResult> {
    return this.command({ case: "openVote", value: { round } });
  }
  placeDot(voteId: string, featureId: string): Promise<CommandResult> {
    return this.command({ case: "placeDot", value: { voteId, featureId } });
  }
  removeDot(voteId: string, featureId: string): Promise<CommandResult> {
    return this.command({ case: "removeDot", value: { voteId, featureId } });
  }
  closeVote(voteId: string): Promise<CommandResult> {
    return this.command({ case: "closeVote", value: { voteId } });
  }
  startSession(title: string): Promise<CommandResult> {
    return this.command({ case: "startSession", value: { title } });
  }
  endSession(): Promise<CommandResult> {
    return this.command({ case: "endSession", value: {} });
  }

  // ---------------------------------------------------------- presence

  // Fire and forget; the server coalesces and relays at its tick.
  moveCursor(lon: number, lat: number): void {
    this.sendPresence({ case: "moveCursor", value: { position: { lon, lat } } });
  }
  changeViewport(viewport: Init<typeof ViewportSchema>): void {
    this.sendPresence({ case: "changeViewport", value: { viewport } });
  }
}

// A short random id, e.g. for feature, thread and vote ids.
export function randomId(bytes = 8): string {
  const raw = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(raw);
  return [...raw].map((b) => b.toString(16).padStart(2, "0")).join("");
}
