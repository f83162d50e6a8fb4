// Reference layers: the port of apply_layer_event (protocol/model/rules/layers.cpp).
// A layer is added whole, renamed or restyled, removed, and its features are
// copied into the room's own, editable features, authored by whoever copied
// them. Texts are measured in code points, as the C++ model measures them.
import { clone, create } from "@bufbuild/protobuf";

import {
  FeatureSchema,
  GeometrySchema,
  LayerStyleSchema,
  ReferenceLayerSchema,
  type Event,
  type Feature,
  type LayerFeature,
  type ReferenceLayer,
} from "../proto.js";
import type { RoomData } from "./room_data.js";

// model::limits(): max_description_chars and max_short_text_chars.
const MAX_DESCRIPTION_CHARS = 5000;
const MAX_SHORT_TEXT_CHARS = 64;

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

// The first maxChars code points of text.
function firstChars(text: string, maxChars: number): string {
  return Array.from(text).slice(0, maxChars).join("");
}

// The layer feature's description, then its properties as "key: value"
// lines while the next one still fits the model's limit.
function copiedDescription(source: LayerFeature): string {
  let description = source.description;
  let length = codePoints(description);
  for (const property of source.properties) {
    const line = `${property.key}: ${property.value}`;
    const added = codePoints(line) + (description === "" ? 0 : 1);
    if (length + added > MAX_DESCRIPTION_CHARS) break;
    description = description === "" ? line : `${description}\n${line}`;
    length += added;
  }
  return description;
}

function copyOf(layer: ReferenceLayer, source: LayerFeature, id: string, event: Event): Feature {
  return create(FeatureSchema, {
    id,
    geometry: clone(GeometrySchema, source.geometry ?? create(GeometrySchema)),
    title: source.title,
    description: copiedDescription(source),
    colour: layer.style?.colour ?? "",
    layer: firstChars(layer.name, MAX_SHORT_TEXT_CHARS),
    authorId: event.actorId,
    authorName: event.actorName,
    createdSeq: event.seq,
    updatedSeq: event.seq,
  });
}

export function applyLayerEvent(room: RoomData, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "layerAdded": {
      const layer = body.value.layer;
      // An id already there keeps its first layer.
      if (layer && !room.layers.has(layer.id)) room.layers.set(layer.id, clone(ReferenceLayerSchema, layer));
      return;
    }
    case "layerRemoved":
      room.layers.delete(body.value.layerId);
      return;
    case "layerChanged": {
      const layer = room.layers.get(body.value.layerId);
      if (!layer) return;
      if (body.value.name !== undefined) layer.name = body.value.name;
      if (body.value.style !== undefined) layer.style = clone(LayerStyleSchema, body.value.style);
      return;
    }
    case "layerFeaturesCopied": {
      // Total: a missing layer, an index out of range or an id in use copy
      // nothing of that pair.
      const layer = room.layers.get(body.value.layerId);
      if (!layer) return;
      const pairs = Math.min(body.value.indexes.length, body.value.featureIds.length);
      for (let i = 0; i < pairs; i++) {
        const index = body.value.indexes[i]!;
        const id = body.value.featureIds[i]!;
        const source = layer.features[index];
        if (!source || room.features.has(id)) continue;
        room.features.set(id, copyOf(layer, source, id, event));
      }
      return;
    }
    default:
      return;
  }
}
