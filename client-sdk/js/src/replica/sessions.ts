// Dated sessions: the port of apply_session_event (protocol/model/rules/sessions.cpp).
import { clone, create } from "@bufbuild/protobuf";

import { SessionSchema, type Event } from "../proto.js";
import type { RoomData } from "./room_data.js";

export function applySessionEvent(room: RoomData, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "sessionStarted": {
      const session = clone(SessionSchema, body.value.session ?? create(SessionSchema));
      room.sessions.push(session);
      room.currentSession = session.id;
      return;
    }
    case "sessionEnded": {
      const id = body.value.sessionId;
      const session = room.sessions.find((s) => s.id === id);
      if (!session || session.endedSeq !== 0n) return;
      session.endedMs = event.timeMs;
      session.endedSeq = event.seq;
      if (room.currentSession === id) room.currentSession = 0n;
      return;
    }
    default:
      return;
  }
}
