// Reference layers: the port of apply_layer_event (protocol/model/rules/layers.cpp).
import { clone } from "@bufbuild/protobuf";

import { ReferenceLayerSchema, type Event } from "../proto.js";
import type { RoomData } from "./room_data.js";

export function applyLayerEvent(room: RoomData, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "layerAdded": {
      const layer = body.value.layer;
      // An id already there keeps its first layer.
      if (layer && !room.layers.has(layer.id)) room.layers.set(layer.id, clone(ReferenceLayerSchema, layer));
      return;
    }
    default:
      return;
  }
}
