// Reference layers: the port of apply_layer_event (protocol/model/rules/layers.cpp).
import type { Event } from "../proto.js";
import type { RoomData } from "./room_data.js";

export function applyLayerEvent(room: RoomData, event: Event): void {
  void room;
  void event;
}
