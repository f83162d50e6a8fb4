// Workshop tools: the port of apply_workshop_event
// (protocol/model/rules/workshop.cpp): agenda, timer, follow, spotlight and
// the raised-hand queue. A shared view is a moment, not state.
import { clone, create } from "@bufbuild/protobuf";

import { AgendaStepSchema, FollowStateSchema, RaisedHandSchema, TimerSchema, type Event } from "../proto.js";
import type { RoomData } from "./room_data.js";

function openStep(room: RoomData, event: Event, id: string): void {
  if (id === "") {
    room.currentStep = ""; // the timer goes on: closing a step does not stop the clock
    return;
  }
  const step = room.agenda.find((s) => s.id === id);
  if (!step) return;
  room.currentStep = id;
  if (step.timerSeconds > 0) {
    const duration = BigInt(step.timerSeconds) * 1000n;
    room.timer.durationMs = duration;
    room.timer.running = true;
    room.timer.startedAtMs = event.timeMs;
    room.timer.remainingMs = duration;
  }
}

function raiseHand(room: RoomData, event: Event, raised: boolean): void {
  const id = event.actorId;
  if (!raised) {
    room.hands = room.hands.filter((h) => h.participantId !== id);
    return;
  }
  if (room.hands.some((h) => h.participantId === id)) return;
  room.hands.push(create(RaisedHandSchema, { participantId: id, name: event.actorName, raisedSeq: event.seq }));
}

function callHand(room: RoomData, id: string): void {
  const at = room.hands.findIndex((h) => h.participantId === id);
  if (at < 0) return;
  room.speaking = clone(RaisedHandSchema, room.hands[at]);
  room.hands.splice(at, 1);
}

export function applyWorkshopEvent(room: RoomData, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "agendaSet":
      room.agenda = body.value.steps.map((s) => clone(AgendaStepSchema, s));
      if (room.currentStep !== "" && !room.agenda.some((s) => s.id === room.currentStep)) room.currentStep = "";
      return;
    case "agendaStepOpened":
      openStep(room, event, body.value.stepId);
      return;
    case "timerChanged":
      room.timer = clone(TimerSchema, body.value.timer ?? create(TimerSchema));
      return;
    case "viewShared":
      return; // clients move their map when they see it
    case "followChanged":
      if (body.value.on) {
        room.follow.leaderId = event.actorId;
        room.follow.leaderName = event.actorName;
      } else {
        room.follow = create(FollowStateSchema);
      }
      return;
    case "spotlightChanged": {
      const id = body.value.featureId;
      if (id === "" || room.features.has(id)) room.spotlightFeatureId = id;
      return;
    }
    case "handRaised":
      raiseHand(room, event, body.value.raised);
      return;
    case "handCalled":
      callHand(room, body.value.participantId);
      return;
    case "handsCleared":
      room.hands = [];
      room.speaking = create(RaisedHandSchema);
      return;
    default:
      return;
  }
}
