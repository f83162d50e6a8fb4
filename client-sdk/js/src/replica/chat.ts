// Room chat: the port of apply_chat_event and apply_chat_change
// (protocol/model/rules/chat.cpp). The state keeps the newest
// RECENT_CHAT_LIMIT messages; reactions, edits and deletes apply to those.
import { clone, create } from "@bufbuild/protobuf";

import { ChatMessageSchema, ReactionSchema, type ChatMessage, type Event } from "../proto.js";
import { findBySeq } from "./order.js";
import { RECENT_CHAT_LIMIT, type RoomData } from "./room_data.js";

// Applies a chatReacted, chatEdited or chatDeleted event to the message it
// names (also usable on chat older than the state keeps: history pages).
export function applyChatChange(message: ChatMessage, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "chatReacted": {
      const r = body.value;
      const at = message.reactions.findIndex((x) => x.emoji === r.emoji);
      if (r.removed) {
        if (at < 0) return;
        const reaction = message.reactions[at];
        reaction.participantIds = reaction.participantIds.filter((id) => id !== event.actorId);
        if (reaction.participantIds.length === 0) message.reactions.splice(at, 1);
      } else {
        let reaction = message.reactions[at];
        if (at < 0) {
          reaction = create(ReactionSchema, { emoji: r.emoji });
          message.reactions.push(reaction);
        }
        if (!reaction.participantIds.includes(event.actorId)) reaction.participantIds.push(event.actorId);
      }
      return;
    }
    case "chatEdited":
      message.text = body.value.text;
      message.editedSeq = event.seq;
      return;
    case "chatDeleted":
      message.text = "";
      message.mentions = [];
      message.reactions = [];
      message.deleted = true;
      message.deletedBy = event.actorId;
      message.deleteReason = body.value.reason;
      return;
    default:
      return;
  }
}

export function applyChatEvent(room: RoomData, event: Event): void {
  const body = event.body;
  let target: bigint;
  switch (body.case) {
    case "chatPosted":
      room.recentChat.push(clone(ChatMessageSchema, body.value.message ?? create(ChatMessageSchema)));
      while (room.recentChat.length > RECENT_CHAT_LIMIT) room.recentChat.shift();
      return;
    case "chatReacted":
    case "chatEdited":
    case "chatDeleted":
      target = body.value.messageSeq;
      break;
    default:
      return;
  }
  const message = findBySeq(room.recentChat, target);
  if (message) applyChatChange(message, event);
}
