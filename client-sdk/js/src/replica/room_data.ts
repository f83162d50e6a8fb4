// Everything a room is, in the containers its rules work on: the TypeScript
// mirror of the C++ model's room_data (protocol/model/room_state.hpp), and
// its conversion to and from pb RoomState exactly as room_state::to_proto /
// from_proto do it (same order, same always-present sub-messages), so the
// canonical encodings are byte for byte the same.
import { clone, create, toBinary } from "@bufbuild/protobuf";

import {
  ChatMessageSchema,
  FeatureSchema,
  FollowStateSchema,
  LonLatSchema,
  RaisedHandSchema,
  RoomInfoSchema,
  RoomSettingsSchema,
  RoomStateSchema,
  SessionSchema,
  ThreadSchema,
  TimerSchema,
  VoteRoundSchema,
  AgendaStepSchema,
  AttachmentSchema,
  BreakoutMembershipSchema,
  BreakoutRoundSchema,
  ItineraryStopSchema,
  ReferenceLayerSchema,
  type AgendaStep,
  type Attachment,
  type BreakoutMembership,
  type BreakoutRound,
  type ItineraryStop,
  type ReferenceLayer,
  type ChatMessage,
  type Feature,
  type FollowState,
  type RaisedHand,
  type RoomInfo,
  type RoomSettings,
  type RoomState,
  type Session,
  type Thread,
  type Timer,
  type VoteRound,
} from "../proto.js";
import { byKey, sortedStrings } from "./order.js";

// model::limits().recent_chat: chat kept in the state (older comes from history).
export const RECENT_CHAT_LIMIT = 200;

export interface RoomData {
  info: RoomInfo;
  seq: bigint;
  features: Map<string, Feature>; // by id; canonical order is by id
  recentChat: ChatMessage[]; // the newest RECENT_CHAT_LIMIT, oldest first
  settings: RoomSettings;
  muted: Set<string>;
  removed: Set<string>;
  threads: Map<string, Thread>; // by id
  agenda: AgendaStep[];
  currentStep: string;
  timer: Timer;
  follow: FollowState;
  spotlightFeatureId: string;
  hands: RaisedHand[]; // the queue
  speaking: RaisedHand;
  votes: Map<string, VoteRound>; // by id
  sessions: Session[]; // oldest first
  currentSession: bigint;
  archived: boolean;
  layers: Map<string, ReferenceLayer>; // by id
  // As the C++ model keeps them: present in the RoomState only when not empty.
  breakouts: BreakoutRound; // the running (or last) round, in a plenary room
  breakoutOf: BreakoutMembership; // in a group's room
  itinerary: ItineraryStop[]; // in order
  attachments: Map<string, Attachment>; // by id
}

// A new, empty room: its id as title, centred on (0, 0) at zoom 2.
export function emptyRoom(roomId: string): RoomData {
  return {
    info: create(RoomInfoSchema, {
      id: roomId,
      title: roomId,
      center: create(LonLatSchema, { lon: 0, lat: 0 }),
      zoom: 2,
    }),
    seq: 0n,
    features: new Map(),
    recentChat: [],
    settings: create(RoomSettingsSchema),
    muted: new Set(),
    removed: new Set(),
    threads: new Map(),
    agenda: [],
    currentStep: "",
    timer: create(TimerSchema),
    follow: create(FollowStateSchema),
    spotlightFeatureId: "",
    hands: [],
    speaking: create(RaisedHandSchema),
    votes: new Map(),
    sessions: [],
    currentSession: 0n,
    archived: false,
    layers: new Map(),
    breakouts: create(BreakoutRoundSchema),
    breakoutOf: create(BreakoutMembershipSchema),
    itinerary: [],
    attachments: new Map(),
  };
}

export function roomFromProto(state: RoomState): RoomData {
  const room = emptyRoom(state.info?.id ?? "");
  room.info = clone(RoomInfoSchema, state.info ?? create(RoomInfoSchema));
  room.seq = state.seq;
  for (const feature of state.features) room.features.set(feature.id, clone(FeatureSchema, feature));
  room.recentChat = state.recentChat.map((m) => clone(ChatMessageSchema, m));
  while (room.recentChat.length > RECENT_CHAT_LIMIT) room.recentChat.shift();
  room.settings = clone(RoomSettingsSchema, state.settings ?? create(RoomSettingsSchema));
  room.muted = new Set(state.muted);
  room.removed = new Set(state.removed);
  for (const thread of state.threads) room.threads.set(thread.id, clone(ThreadSchema, thread));
  room.agenda = state.agenda.map((s) => clone(AgendaStepSchema, s));
  room.currentStep = state.currentStep;
  room.timer = clone(TimerSchema, state.timer ?? create(TimerSchema));
  room.follow = clone(FollowStateSchema, state.follow ?? create(FollowStateSchema));
  room.spotlightFeatureId = state.spotlightFeatureId;
  room.hands = state.hands.map((h) => clone(RaisedHandSchema, h));
  room.speaking = clone(RaisedHandSchema, state.speaking ?? create(RaisedHandSchema));
  for (const round of state.votes) room.votes.set(round.id, clone(VoteRoundSchema, round));
  room.sessions = state.sessions.map((s) => clone(SessionSchema, s));
  room.currentSession = state.currentSession;
  room.archived = state.archived;
  for (const layer of state.layers) room.layers.set(layer.id, clone(ReferenceLayerSchema, layer));
  room.breakouts = clone(BreakoutRoundSchema, state.breakouts ?? create(BreakoutRoundSchema));
  room.breakoutOf = clone(BreakoutMembershipSchema, state.breakoutOf ?? create(BreakoutMembershipSchema));
  room.itinerary = state.itinerary.map((s) => clone(ItineraryStopSchema, s));
  for (const a of state.attachments) room.attachments.set(a.id, clone(AttachmentSchema, a));
  return room;
}

// A copy: the state can go on changing without touching what this returns.
export function roomToProto(room: RoomData): RoomState {
  return create(RoomStateSchema, {
    info: clone(RoomInfoSchema, room.info),
    seq: room.seq,
    features: byKey(room.features).map((f) => clone(FeatureSchema, f)),
    recentChat: room.recentChat.map((m) => clone(ChatMessageSchema, m)),
    settings: clone(RoomSettingsSchema, room.settings),
    muted: sortedStrings(room.muted),
    removed: sortedStrings(room.removed),
    threads: byKey(room.threads).map((t) => clone(ThreadSchema, t)),
    agenda: room.agenda.map((s) => clone(AgendaStepSchema, s)),
    currentStep: room.currentStep,
    timer: clone(TimerSchema, room.timer),
    follow: clone(FollowStateSchema, room.follow),
    spotlightFeatureId: room.spotlightFeatureId,
    hands: room.hands.map((h) => clone(RaisedHandSchema, h)),
    speaking: clone(RaisedHandSchema, room.speaking),
    votes: byKey(room.votes).map((v) => clone(VoteRoundSchema, v)),
    sessions: room.sessions.map((s) => clone(SessionSchema, s)),
    currentSession: room.currentSession,
    archived: room.archived,
    layers: byKey(room.layers).map((l) => clone(ReferenceLayerSchema, l)),
    breakouts:
      toBinary(BreakoutRoundSchema, room.breakouts).length > 0 ? clone(BreakoutRoundSchema, room.breakouts) : undefined,
    breakoutOf:
      toBinary(BreakoutMembershipSchema, room.breakoutOf).length > 0
        ? clone(BreakoutMembershipSchema, room.breakoutOf)
        : undefined,
    itinerary: room.itinerary.map((s) => clone(ItineraryStopSchema, s)),
    attachments: byKey(room.attachments).map((a) => clone(AttachmentSchema, a)),
  });
}
