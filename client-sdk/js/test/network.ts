// A test network between a client and the real server: it can go offline
// (every connection attempt fails, as with no network), and it can lose the
// frame that carries the next Ack together with the connection (the server
// applied the command, the client never heard). It records what the client
// sent, decoded.
import { fromBinary } from "@bufbuild/protobuf";
import WebSocket from "ws";

import { ClientMessageSchema, ServerFrameSchema, type ClientMessage } from "../src/proto.js";
import { MAX_MESSAGE_BYTES, wsPackageFactory, type WebSocketFactory, type WebSocketLike } from "../src/transport.js";

type Handler<T> = ((event: T) => void) | null;

// A connection attempt with no network: it never opens and closes with 1006.
class UnreachableSocket implements WebSocketLike {
  binaryType = "arraybuffer";
  readyState = 0;
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: unknown }> = null;
  onclose: Handler<{ code: number; reason: string }> = null;
  onerror: Handler<unknown> = null;

  constructor() {
    setImmediate(() => {
      this.readyState = 3;
      this.onerror?.({});
      this.onclose?.({ code: 1006, reason: "" });
    });
  }
  send(): void {
    throw new Error("not open");
  }
  close(): void {}
}

// A real connection (the ws package) with a tap on both directions.
class TappedSocket implements WebSocketLike {
  private readonly real: WebSocket;
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: unknown }> = null;
  onclose: Handler<{ code: number; reason: string }> = null;
  onerror: Handler<unknown> = null;

  constructor(url: string, private readonly network: TestNetwork) {
    this.real = new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES });
    this.real.binaryType = "arraybuffer";
    this.real.onopen = (e) => this.onopen?.(e);
    this.real.onerror = (e) => this.onerror?.(e);
    this.real.onclose = (e) => this.onclose?.({ code: e.code, reason: e.reason });
    this.real.onmessage = (e) => {
      if (this.network.loseNextAck && carriesAck(e.data as ArrayBuffer)) {
        this.network.loseNextAck = false;
        this.network.lostAcks++;
        this.real.terminate();   // the frame is lost with the connection
        return;
      }
      this.onmessage?.({ data: e.data });
    };
  }
  get binaryType(): string {
    return this.real.binaryType;
  }
  set binaryType(value: string) {
    this.real.binaryType = value as "arraybuffer";
  }
  get readyState(): number {
    return this.real.readyState;
  }
  send(data: Uint8Array): void {
    this.network.sent.push(fromBinary(ClientMessageSchema, data));
    this.real.send(data);
  }
  close(code?: number, reason?: string): void {
    this.real.close(code, reason);
  }
  terminate(): void {
    this.real.terminate();
  }
}

function carriesAck(data: ArrayBuffer): boolean {
  return fromBinary(ServerFrameSchema, new Uint8Array(data)).messages.some((m) => m.body.case === "ack");
}

export class TestNetwork {
  offline = false;
  loseNextAck = false;
  lostAcks = 0;
  attempts = 0;
  readonly sent: ClientMessage[] = [];
  private waiting: Array<() => void> = [];

  readonly factory: WebSocketFactory = (url) => {
    this.attempts++;
    for (const wake of this.waiting.splice(0)) wake();
    return this.offline ? new UnreachableSocket() : new TappedSocket(url, this);
  };

  // Resolves once the client has tried to connect n times in all.
  async attempted(n: number): Promise<void> {
    while (this.attempts < n) await new Promise<void>((wake) => this.waiting.push(wake));
  }
}

// The plain ws package, for clients that need no faults.
export const plainWebSocket: WebSocketFactory = wsPackageFactory(WebSocket);
