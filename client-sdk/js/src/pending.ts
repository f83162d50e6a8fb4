// Commands and requests sent (or queued) and not yet answered, by request id,
// in the order they were issued. Kept across reconnects: after each Welcome
// every one is sent again with its original request id (the server acks a
// retry of a command it already applied with its original seq).
import type { ClientMessage } from "./proto.js";
import type { RoomReplica } from "./replica/replica.js";
import type { ChatPage, CommandResult, Failure, StateAtResult } from "./results.js";
import type { ChatMessage } from "./proto.js";

export type Outgoing =
  | { kind: "command"; message: ClientMessage; bytes: Uint8Array; settle: (result: CommandResult) => void }
  | { kind: "history"; message: ClientMessage; bytes: Uint8Array; settle: (result: ChatPage) => void }
  | { kind: "replay"; message: ClientMessage; bytes: Uint8Array; settle: (result: StateAtResult) => void };

export class PendingQueue {
  private readonly entries = new Map<bigint, Outgoing>();

  constructor(private readonly onCountChange: (count: number) => void = () => {}) {}

  get size(): number {
    return this.entries.size;
  }

  add(requestId: bigint, outgoing: Outgoing): void {
    this.entries.set(requestId, outgoing);
    this.onCountChange(this.entries.size);
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
