// Breakout groups: the port of apply_breakout_event (protocol/model/rules/breakouts.cpp).
import type { Event } from "../proto.js";
import type { RoomData } from "./room_data.js";

export function applyBreakoutEvent(room: RoomData, event: Event): void {
  void room;
  void event;
}
