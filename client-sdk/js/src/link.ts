// The connection's decisions, as one pure state machine: when to connect and
// where, when to send the Join, how long to back off, when to follow a
// Redirect and when to stop for good. It does no I/O and reads no clock:
// MaptableConnection (connection.ts) feeds it what happened on the socket
// and the timer and performs the action it returns, so every rule is tested
// by feeding events (test/link.test.ts). The C++ SDK's
// client-sdk/src/connection_state.hpp is the same machine.
import { reconnectDelayMs } from "./backoff.js";
import { ErrorCode } from "./proto.js";

// Where the connection is; exactly one at a time.
export type LinkState =
  | "idle" // connect() not called yet
  | "connecting" // opening a WebSocket to the configured url
  | "redirected" // opening a WebSocket to the url a Redirect named
  | "joining" // the WebSocket is up and the Join sent; no Welcome yet
  | "joined" // the Welcome of this connection arrived
  | "backingOff" // the connection dropped; waiting for the reconnect timer
  | "closed"; // for good: nothing reconnects, requests fail at once

// The public connection state (ConnectionState in connection.ts).
export type PublicState = "connecting" | "connected" | "reconnecting" | "closed";

// A node that lost the room closes with this: rejoin at once.
export const CLOSE_ROOM_MOVED = 4001;

// Close codes after which reconnecting would only be refused again: a text
// frame (1003), policy (1008: refused, expired, flooding), too big (1009).
export function isFinalClose(code: number): boolean {
  return code === 1003 || code === 1008 || code === 1009;
}

function isSecureUrl(url: string): boolean {
  return url.slice(0, 6).toLowerCase() === "wss://";
}

export interface LinkPolicy {
  url: string; // the configured url
  reconnect: boolean;
  initialDelayMs: number;
  maxDelayMs: number;
  // Redirects and "room moved" closes in a row, without a Welcome or a
  // backoff between them. Two nodes that each think the other owns the room
  // would otherwise bounce the client between them for ever, with no pause;
  // a handover needs one or two hops.
  maxRedirects: number;
  random: () => number; // the jitter's source, in [0, 1]
}

export type LinkEvent =
  | { kind: "start" } // connect() was called
  | { kind: "opened" } // the WebSocket is open
  | { kind: "openFailed"; reason: string } // it could not be opened
  | { kind: "welcome" } // the Welcome to our Join
  | { kind: "joinRefused"; code: ErrorCode; message: string } // an Error answering our Join
  | { kind: "redirect"; url: string } // a Redirect answering our Join
  | { kind: "closed"; code: number; reason: string } // the open connection ended (0: dropped)
  | { kind: "timer" } // the reconnect timer fired
  | { kind: "userClose" }; // disconnect()

export type LinkAction =
  | { kind: "none" }
  | { kind: "connect"; url: string } // drop the current socket, if any, and open one to url
  | { kind: "sendJoin" } // the Join, with Resume once a Welcome was seen
  | { kind: "schedule"; delayMs: number } // start the reconnect timer
  // Closed for good: report {code, reason}, close a live socket, and fail
  // the join and every pending request with (error, message).
  | { kind: "giveUp"; code: number; reason: string; message: string; error: ErrorCode };

const none: LinkAction = { kind: "none" };

export class ConnectionMachine {
  private stateValue: LinkState = "idle";
  private publicValue: PublicState = "connecting";
  private endpointValue: string;
  private everJoinedValue = false;
  private attemptValue = 0; // reconnect attempts since the last Welcome
  private hopsValue = 0; // redirects and "room moved" closes since the last Welcome or backoff
  private restoredValue = false;

  constructor(private readonly policy: LinkPolicy) {
    this.endpointValue = policy.url;
  }

  get state(): LinkState {
    return this.stateValue;
  }
  get publicState(): PublicState {
    return this.publicValue;
  }
  // The url of the current (or last) connection: the configured one, or the
  // one the last Redirect named while following it.
  get endpoint(): string {
    return this.endpointValue;
  }
  get everJoined(): boolean {
    return this.everJoinedValue;
  }
  get attempt(): number {
    return this.attemptValue;
  }
  get hops(): number {
    return this.hopsValue;
  }
  // Requests are accepted (queued until joined) from connect() until the end.
  get acceptsRequests(): boolean {
    return this.stateValue !== "idle" && this.stateValue !== "closed";
  }
  // The connection may come back: a request the server could not take now
  // (the room is closing) is worth keeping for after the resume.
  get willResume(): boolean {
    return this.policy.reconnect && this.acceptsRequests;
  }

  // A session restored from a store (restore() in connection.ts) has
  // something to resume: a first connection that fails is retried, as a
  // dropped one is, instead of ending the client.
  markRestored(): void {
    this.restoredValue = true;
  }

  // Feeds one event; returns what to do. An event that does not belong to
  // the current state (a late timer, a second Welcome) returns none.
  on(event: LinkEvent): LinkAction {
    switch (event.kind) {
      case "start":
        if (this.stateValue !== "idle") return none;
        this.set("connecting");
        this.endpointValue = this.policy.url;
        return { kind: "connect", url: this.endpointValue };
      case "opened":
        if (this.stateValue !== "connecting" && this.stateValue !== "redirected") return none;
        this.set("joining");
        return { kind: "sendJoin" };
      case "openFailed":
        if (this.stateValue !== "connecting" && this.stateValue !== "redirected") return none;
        return this.lost(0, event.reason, event.reason);
      case "welcome":
        if (this.stateValue !== "joining") return none;
        this.everJoinedValue = true;
        this.attemptValue = 0;
        this.hopsValue = 0;
        this.set("joined");
        return none;
      case "joinRefused":
        // The token or the version will not change by asking again.
        if (this.stateValue !== "joining") return none;
        return this.giveUp(1008, event.message, event.message, event.code);
      case "redirect":
        // Only an answer to our Join: a Redirect once joined means nothing.
        if (this.stateValue !== "joining") return none;
        if (event.url === "") return this.giveUp(0, "the server sent a Redirect without a url");
        // The Join carries the token: it never leaves TLS for plain text
        // because a server said so.
        if (isSecureUrl(this.policy.url) && !isSecureUrl(event.url))
          return this.giveUp(0, `refused a Redirect from wss:// to ${event.url}: the token would travel unencrypted`);
        return this.hop(event.url, "redirected", `to ${event.url}`);
      case "closed": {
        const message = "connection closed" + (event.reason ? `: ${event.reason}` : "");
        if (this.stateValue === "idle" || this.stateValue === "backingOff" || this.stateValue === "closed") return none;
        return this.lost(event.code, event.reason, message);
      }
      case "timer":
        if (this.stateValue !== "backingOff") return none;
        // Back to the configured url: the owner may have changed again, and
        // the configured url (a proxy, or a node that redirects) knows.
        this.set("connecting");
        this.endpointValue = this.policy.url;
        return { kind: "connect", url: this.endpointValue };
      case "userClose":
        if (this.stateValue === "closed") return none;
        if (this.stateValue === "idle") {
          this.set("closed"); // nothing was started, so nothing to report
          return none;
        }
        return this.giveUp(1000, "closed by the client");
    }
  }

  private set(next: LinkState): void {
    this.stateValue = next;
    switch (next) {
      case "connecting":
      case "redirected":
      case "joining":
        // Before the first Welcome the client is still connecting; after it,
        // any new connection is a reconnect.
        this.publicValue = this.everJoinedValue || this.publicValue === "reconnecting" ? "reconnecting" : "connecting";
        return;
      case "joined":
        this.publicValue = "connected";
        return;
      case "backingOff":
        this.publicValue = "reconnecting";
        return;
      case "closed":
        this.publicValue = "closed";
        return;
      case "idle":
        return;
    }
  }

  private giveUp(code: number, reason: string, message = reason, error = ErrorCode.UNSPECIFIED): LinkAction {
    this.set("closed");
    return { kind: "giveUp", code, reason, message, error };
  }

  // Another connection at once, without backoff: a Redirect names where the
  // room is, and a "room moved" close means it has a new owner already.
  // Counted, so that nodes that disagree about the owner cannot keep the
  // client bouncing between them.
  private hop(url: string, next: LinkState, why: string): LinkAction {
    if (++this.hopsValue > this.policy.maxRedirects) {
      const whyNot = `gave up after ${this.policy.maxRedirects} redirects in a row without joining (the last: ${why})`;
      return this.giveUp(0, whyNot);
    }
    this.set(next);
    this.endpointValue = url;
    return { kind: "connect", url };
  }

  // The connection ended or could not be made: back off, or stop for good.
  private lost(code: number, reason: string, message: string): LinkAction {
    if (isFinalClose(code) || !this.policy.reconnect) return this.giveUp(code, reason, message);
    if (code === CLOSE_ROOM_MOVED) return this.hop(this.policy.url, "connecting", message);
    // Never joined: the url, the token or the network is wrong, and connect()
    // reports it instead of retrying behind the caller's back.
    if (!this.everJoinedValue && !this.restoredValue) return this.giveUp(code, reason, message);
    // The backoff paces whatever follows, so the hops start counting again:
    // during a takeover the other node keeps sending the client to the dead
    // owner until its lease expires, and that is worth retrying for as long
    // as any dropped connection. The count stops only hops without a pause.
    this.hopsValue = 0;
    this.set("backingOff");
    const delayMs = reconnectDelayMs(
      this.attemptValue,
      this.policy.initialDelayMs,
      this.policy.maxDelayMs,
      this.policy.random,
    );
    this.attemptValue++;
    return { kind: "schedule", delayMs };
  }
}
