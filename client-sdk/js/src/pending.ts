// Commands and requests sent (or queued) and not yet answered, by request id,
// in the order they were issued. Kept across reconnects: after each Welcome
// every one is sent again with its original request id (the server acks a
// retry of a command it already applied with its original seq). Bounded:
// past its capacity a new request is refused instead of growing the queue
// without bound while offline. The C++ SDK's pending_requests.hpp.
import { ErrorCode, type ClientMessage } from "./proto.js";
import type { RoomReplica } from "./replica/replica.js";
import type { ChatPage, CommandResult, Failure, StateAtResult } from "./results.js";
import type { ChatMessage } from "./proto.js";

export type Outgoing =
  | { kind: "command"; message: ClientMessage; bytes: Uint8Array; settle: (result: CommandResult) => void }
  | { kind: "history"; message: ClientMessage; bytes: Uint8Array; settle: (result: ChatPage) => void }
  | { kind: "replay"; message: ClientMessage; bytes: Uint8Array; settle: (result: StateAtResult) => void };

// Far above what a person produces between two Welcomes.
export const DEFAULT_MAX_PENDING = 65_536;

// What became of a request the server answered with an Error.
export type ErrorVerdict =
  | "unknown" // not one of ours (or answered already): the error is for the application
  | "keep" // nothing was applied and the connection will come back: resend after the resume
  | "failed"; // refused: settled with the server's code and text

// ROOM_UNAVAILABLE means the room is closing (server shutdown, the node lost
// the room) or reloading: nothing was applied, so a client that will resume
// keeps the request.
export function verdictFor(code: ErrorCode, willResume: boolean): "keep" | "failed" {
  return code === ErrorCode.ROOM_UNAVAILABLE && willResume ? "keep" : "failed";
}

export class PendingQueue {
  private readonly entries = new Map<bigint, Outgoing>();

  constructor(
    private readonly onCountChange: (count: number) => void = () => {},
    readonly capacity: number = DEFAULT_MAX_PENDING,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  // False (nothing kept) when capacity requests are unanswered already.
  add(requestId: bigint, outgoing: Outgoing): boolean {
    if (this.entries.size >= this.capacity) return false;
    this.entries.set(requestId, outgoing);
    this.onCountChange(this.entries.size);
    return true;
  }

  // An Error carrying requestId: keep the request for the resume, settle it
  // with the error, or leave the error to the application.
  onError(requestId: bigint, code: ErrorCode, willResume: boolean, message = ""): ErrorVerdict {
    if (requestId === 0n || !this.entries.has(requestId)) return "unknown";
    const verdict = verdictFor(code, willResume);
    if (verdict === "failed") settleFailure(this.take(requestId)!, { ok: false, code, message });
    return verdict;
  }

  has(requestId: bigint): boolean {
    return this.entries.has(requestId);
  }

  // Off the books before the caller sees the result, so the count never
  // includes an answered command.
  take(requestId: bigint): Outgoing | undefined {
    const outgoing = this.entries.get(requestId);
    if (outgoing) {
      this.entries.delete(requestId);
      this.onCountChange(this.entries.size);
    }
    return outgoing;
  }

  // In the order they were issued (Map keeps insertion order).
  all(): Outgoing[] {
    return [...this.entries.values()];
  }

  failAll(why: Failure): void {
    const all = this.all();
    this.entries.clear();
    if (all.length > 0) this.onCountChange(0);
    for (const outgoing of all) settleFailure(outgoing, why);
  }
}

export function settleFailure(outgoing: Outgoing, why: Failure): void {
  switch (outgoing.kind) {
    case "command":
      return outgoing.settle(why);
    case "history":
      return outgoing.settle(why);
    case "replay":
      return outgoing.settle(why);
  }
}

export function settleHistory(outgoing: Outgoing, messages: ChatMessage[], hasMore: boolean): boolean {
  if (outgoing.kind !== "history") return false;
  outgoing.settle({ ok: true, messages, hasMore });
  return true;
}

export function settleReplay(outgoing: Outgoing, state: RoomReplica): boolean {
  if (outgoing.kind !== "replay") return false;
  outgoing.settle({ ok: true, state });
  return true;
}
