// A study trip's itinerary: the port of apply_field_event (protocol/model/rules/field_trip.cpp).
import type { Event } from "../proto.js";
import type { RoomData } from "./room_data.js";

export function applyFieldEvent(room: RoomData, event: Event): void {
  void room;
  void event;
}
