// Comment threads: the port of apply_comment_event and detach_threads
// (protocol/model/rules/comments.cpp). A thread outlives its feature: it
// keeps the feature's last location and feature_deleted.
import { clone, create } from "@bufbuild/protobuf";

import { CommentSchema, LonLatSchema, ThreadSchema, type Event, type Feature } from "../proto.js";
import { releaseUnnamed } from "./field_trip.js";
import { findBySeq } from "./order.js";
import type { RoomData } from "./room_data.js";

export function applyCommentEvent(room: RoomData, event: Event): void {
  const body = event.body;
  switch (body.case) {
    case "threadStarted": {
      const thread = body.value.thread ?? create(ThreadSchema);
      // try_emplace: a second thread with an id in use changes nothing.
      if (!room.threads.has(thread.id)) room.threads.set(thread.id, clone(ThreadSchema, thread));
      return;
    }
    case "commentAdded": {
      const thread = room.threads.get(body.value.threadId);
      if (thread) thread.comments.push(clone(CommentSchema, body.value.comment ?? create(CommentSchema)));
      return;
    }
    case "commentEdited": {
      const thread = room.threads.get(body.value.threadId);
      const comment = thread && findBySeq(thread.comments, body.value.commentSeq);
      if (comment) {
        comment.text = body.value.text;
        comment.editedSeq = event.seq;
      }
      return;
    }
    case "commentDeleted": {
      const thread = room.threads.get(body.value.threadId);
      const comment = thread && findBySeq(thread.comments, body.value.commentSeq);
      if (comment) {
        comment.text = "";
        comment.deleted = true;
        comment.deletedBy = event.actorId;
        comment.deleteReason = body.value.reason;
        // A deleted comment shows nothing: its photos go with its words.
        const attachments = comment.attachmentIds;
        comment.attachmentIds = [];
        releaseUnnamed(room, attachments, event.seq);
      }
      return;
    }
    case "threadResolved": {
      const thread = room.threads.get(body.value.threadId);
      if (thread) {
        thread.resolved = body.value.resolved;
        thread.resolvedBy = thread.resolved ? event.actorId : "";
      }
      return;
    }
    default:
      return;
  }
}

// Called before a feature is erased: its threads keep its last location.
export function detachThreads(room: RoomData, feature: Feature): void {
  for (const thread of room.threads.values()) {
    // A thread already detached belongs to an earlier feature of that id.
    if (thread.featureId !== feature.id || thread.featureDeleted) continue;
    thread.featureDeleted = true;
    const first = feature.geometry?.positions[0];
    if (first) thread.position = clone(LonLatSchema, first);
  }
}
