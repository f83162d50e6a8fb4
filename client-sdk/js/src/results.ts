// What commands and requests resolve with. Commands never reject: a refusal
// is a value with the server's code (PERMISSION_DENIED, LOCKED, MUTED, ...)
// and a message for people. ErrorCode.UNSPECIFIED marks failures without a
// server code (not connected, the connection closed for good).
import type { ChatMessage } from "./proto.js";
import { ErrorCode } from "./proto.js";
import type { RoomReplica } from "./replica/replica.js";

export interface Failure {
  ok: false;
  code: ErrorCode;
  message: string;
}

export type CommandResult = { ok: true; seq: bigint } | Failure;
export type ChatPage = { ok: true; messages: ChatMessage[]; hasMore: boolean } | Failure;
export type StateAtResult = { ok: true; state: RoomReplica } | Failure;

export function failure(code: ErrorCode, message: string): Failure {
  return { ok: false, code, message };
}

// connect() rejects with this when the join is refused or no connection can be made.
export class MaptableError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "MaptableError";
  }
}

export interface CloseInfo {
  code: number; // WebSocket close code; 0 when the connection just dropped
  reason: string;
}
