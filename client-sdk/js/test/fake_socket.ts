// A scripted WebSocket for protocol tests without a server: the test opens
// it, delivers server frames and closes it, and reads what the client sent.
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";

import { ClientMessageSchema, ServerFrameSchema, type ClientMessage, type ServerMessageSchema } from "../src/proto.js";
import type { WebSocketFactory, WebSocketLike } from "../src/transport.js";

type Handler<T> = ((event: T) => void) | null;

export class FakeSocket implements WebSocketLike {
  binaryType = "blob";
  readyState = 0;
  readonly sent: ClientMessage[] = [];
  terminated = false;
  closedByClient: number | undefined;
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: unknown }> = null;
  onclose: Handler<{ code: number; reason: string }> = null;
  onerror: Handler<unknown> = null;

  constructor(readonly url: string) {}

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  // One frame holding these server messages.
  deliver(...messages: MessageInitShape<typeof ServerMessageSchema>[]): void {
    const bytes = toBinary(ServerFrameSchema, create(ServerFrameSchema, { messages }));
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
  serverClose(code: number, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  send(data: Uint8Array): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(fromBinary(ClientMessageSchema, data));
  }
  close(code?: number): void {
    this.closedByClient = code;
    this.readyState = 3;
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
  // The commands sent, without the Join.
  commands(): ClientMessage[] {
    return this.sent.filter((m) => m.body.case !== "join");
  }
  join(): ClientMessage {
    const join = this.sent.find((m) => m.body.case === "join");
    if (!join) throw new Error("no Join was sent");
    return join;
  }
}

export class FakeNetwork {
  readonly sockets: FakeSocket[] = [];
  private waiting: Array<() => void> = [];

  readonly factory: WebSocketFactory = (url) => {
    const socket = new FakeSocket(url);
    this.sockets.push(socket);
    for (const wake of this.waiting.splice(0)) wake();
    return socket;
  };

  get last(): FakeSocket {
    return this.sockets[this.sockets.length - 1];
  }

  // Resolves with socket number n (0-based) once the client has made it.
  async socket(n: number): Promise<FakeSocket> {
    while (this.sockets.length <= n) await new Promise<void>((wake) => this.waiting.push(wake));
    return this.sockets[n];
  }
}
