// The room and its moderation: the port of apply_moderation_event
// (protocol/model/rules/moderation.cpp): room info (with its base map, time zone,
// network, kind and city), lock settings, mute,
// remove (which also takes the participant out of the hand queue, the floor
// and the lead), archive.
import { clone, create } from "@bufbuild/protobuf";

import {
  BoundsSchema,
  FollowStateSchema,
  LonLatSchema,
  RaisedHandSchema,
  type Event,
  type RoomInfo,
  type RoomInfoChanged,
  type RoomSettings,
  type RoomSettingsChange,
} from "../proto.js";
import type { RoomData } from "./room_data.js";

function mergeInfo(info: RoomInfo, change: RoomInfoChanged): void {
  if (change.title !== undefined) info.title = change.title;
  if (change.description !== undefined) info.description = change.description;
  if (change.center !== undefined) info.center = clone(LonLatSchema, change.center);
  if (change.zoom !== undefined) info.zoom = change.zoom;
  if (change.city !== undefined) info.city = change.city;
  if (change.bounds !== undefined) info.bounds = clone(BoundsSchema, change.bounds);
  if (change.clearBounds) info.bounds = undefined;
  if (change.baseMap !== undefined) info.baseMap = change.baseMap;
  if (change.timeZone !== undefined) info.timeZone = change.timeZone;
  if (change.networkId !== undefined) info.networkId = change.networkId;
  if (change.kind !== undefined) info.kind = change.kind;
  if (change.cityId !== undefined) info.cityId = change.cityId;
}

function mergeSettings(settings: RoomSettings, change: RoomSettingsChange): void {
  if (change.annotate !== undefined) settings.annotate = change.annotate;
  if (change.chat !== undefined) settings.chat = change.chat;
  if (change.comment !== undefined) settings.comment = change.comment;
  if (change.mapLocked !== undefined) settings.mapLocked = change.mapLocked;
  if (change.hideCursors !== undefined) settings.hideCursors = change.hideCursors;
}

export function applyModerationEvent(room: RoomData, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "roomInfoChanged":
      mergeInfo(room.info, body.value);
      return;
    case "settingsChanged":
      if (body.value.change) mergeSettings(room.settings, body.value.change);
      return;
    case "participantMuted":
      if (body.value.muted) room.muted.add(body.value.participantId);
      else room.muted.delete(body.value.participantId);
      return;
    case "participantRemoved": {
      const id = body.value.participantId;
      room.removed.add(id);
      room.hands = room.hands.filter((h) => h.participantId !== id);
      if (room.follow.leaderId === id) room.follow = create(FollowStateSchema);
      if (room.speaking.participantId === id) room.speaking = create(RaisedHandSchema);
      return;
    }
    case "roomArchived":
      room.archived = body.value.archived;
      return;
    default:
      return;
  }
}
