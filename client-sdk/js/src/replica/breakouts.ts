// Breakout groups: the port of apply_breakout_event (protocol/model/rules/breakouts.cpp).
// The plenary keeps the round (breakouts); a group's room its membership
// (breakoutOf). A broadcast is a notice and changes no state.
import { clone, create } from "@bufbuild/protobuf";

import { BreakoutMembershipSchema, BreakoutRoundSchema, LonLatSchema, ViewportSchema, type Event } from "../proto.js";
import type { RoomData } from "./room_data.js";

export function applyBreakoutEvent(room: RoomData, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "breakoutsStarted":
      room.breakouts = clone(BreakoutRoundSchema, body.value.round ?? create(BreakoutRoundSchema));
      return;
    case "breakoutsEnded": {
      const id = body.value.roundId;
      if (id !== "" && room.breakouts.id === id) room.breakouts.open = false;
      if (id !== "" && room.breakoutOf.roundId === id) room.breakoutOf.ended = true;
      return;
    }
    case "breakoutGroupOpened": {
      const opened = body.value;
      room.breakoutOf = clone(BreakoutMembershipSchema, opened.membership ?? create(BreakoutMembershipSchema));
      room.breakoutOf.ended = false;
      room.breakoutOf.viewport = opened.viewport ? clone(ViewportSchema, opened.viewport) : undefined;
      room.breakoutOf.stepTitle = opened.stepTitle;
      // The group's map opens where the plenary was: the room's own view.
      if (opened.viewport) {
        const v = opened.viewport;
        const sw = v.southWest ?? create(LonLatSchema);
        const ne = v.northEast ?? create(LonLatSchema);
        if (!room.info.center) room.info.center = create(LonLatSchema);
        room.info.center.lon = (sw.lon + ne.lon) / 2;
        room.info.center.lat = (sw.lat + ne.lat) / 2;
        room.info.zoom = v.zoom;
      }
      return;
    }
    default:
      return;
  }
}
