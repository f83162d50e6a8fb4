// Map features: the port of apply_feature_event (protocol/model/rules/features.cpp).
// A patch changes only the properties it sets; deleting a feature detaches
// its threads and clears the spotlight on it.
import { clone, create } from "@bufbuild/protobuf";

import { FeatureSchema, GeometrySchema, type Event, type Feature, type FeaturePatch } from "../proto.js";
import { detachThreads } from "./comments.js";
import { releaseUnnamed } from "./field_trip.js";
import type { RoomData } from "./room_data.js";

function merge(feature: Feature, patch: FeaturePatch): void {
  if (patch.geometry !== undefined) feature.geometry = clone(GeometrySchema, patch.geometry);
  if (patch.title !== undefined) feature.title = patch.title;
  if (patch.description !== undefined) feature.description = patch.description;
  if (patch.colour !== undefined) feature.colour = patch.colour;
  if (patch.category !== undefined) feature.category = patch.category;
  if (patch.layer !== undefined) feature.layer = patch.layer;
  if (patch.attachments !== undefined) feature.attachmentIds = [...patch.attachments.ids];
}

export function applyFeatureEvent(room: RoomData, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "featureAdded": {
      const feature = clone(FeatureSchema, body.value.feature ?? create(FeatureSchema));
      room.features.set(feature.id, feature);
      return;
    }
    case "featureUpdated": {
      const feature = room.features.get(body.value.id);
      if (feature) {
        // The list before the patch: what it drops may be shown nowhere else now.
        const before = [...feature.attachmentIds];
        if (body.value.patch) merge(feature, body.value.patch);
        feature.updatedSeq = event.seq;
        if (body.value.patch?.attachments !== undefined) releaseUnnamed(room, before, event.seq);
      }
      return;
    }
    case "featureDeleted": {
      const id = body.value.id;
      const feature = room.features.get(id);
      if (!feature) return;
      detachThreads(room, feature);
      if (room.spotlightFeatureId === id) room.spotlightFeatureId = "";
      room.features.delete(id);
      releaseUnnamed(room, feature.attachmentIds, event.seq);
      return;
    }
    default:
      return;
  }
}
