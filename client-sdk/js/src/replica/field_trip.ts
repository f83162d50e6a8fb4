// A study trip's itinerary and the room's attachments: the port of
// apply_field_event and release_unnamed (protocol/model/rules/field_trip.cpp).
import { clone } from "@bufbuild/protobuf";

import { AttachmentSchema, ItineraryStopSchema, type Event } from "../proto.js";
import type { RoomData } from "./room_data.js";

export function applyFieldEvent(room: RoomData, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "attachmentAdded": {
      const attachment = body.value.attachment;
      // An id already there keeps its first record.
      if (attachment && !room.attachments.has(attachment.id))
        room.attachments.set(attachment.id, clone(AttachmentSchema, attachment));
      return;
    }
    case "itinerarySet":
      room.itinerary = body.value.stops.map((s) => clone(ItineraryStopSchema, s));
      return;
    default:
      return;
  }
}

function namedByFeature(room: RoomData, id: string): boolean {
  for (const feature of room.features.values()) if (feature.attachmentIds.includes(id)) return true;
  return false;
}

function namedByComment(room: RoomData, id: string): boolean {
  for (const thread of room.threads.values())
    for (const comment of thread.comments) if (!comment.deleted && comment.attachmentIds.includes(id)) return true;
  return false;
}

// After an event at seq deleted a feature or comment, or replaced a
// feature's list: each of ids no live feature or comment names any more is
// released (it answers 410 Gone from then on).
export function releaseUnnamed(room: RoomData, ids: readonly string[], seq: bigint): void {
  for (const id of ids) {
    const attachment = room.attachments.get(id);
    if (!attachment || attachment.releasedSeq !== 0n) continue;
    if (!namedByFeature(room, id) && !namedByComment(room, id)) attachment.releasedSeq = seq;
  }
}
