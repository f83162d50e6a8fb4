// The connection to one room: join with a token, keep the replica by the
// shared apply rules, answer commands from acks and errors, reconnect with
// backoff and jitter and resume from (epoch, seq), resending every
// unanswered command with its original request id. The semantics of the C++
// SDK (client-sdk/src/client.cpp), in one event loop instead of an I/O thread.
// With a SessionStore and restore() before connect(), the client id, the
// unanswered commands and the replica outlive the page: see session_store.ts.
// MaptableClient (client.ts) adds a typed method per command.
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";

import { reconnectDelayMs } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { PendingQueue, settleFailure, settleHistory, settleReplay, type Outgoing } from "./pending.js";
import {
  ClientMessageSchema,
  ErrorCode,
  RoomStateSchema,
  ServerFrameSchema,
  type ChatMessage,
  type ClientMessage,
  type Error as ServerError,
  type Event,
  type Participant,
  type PresenceUpdate,
  type ServerMessage,
  type Viewport,
  type Welcome,
} from "./proto.js";
import { RoomReplica } from "./replica/replica.js";
import { RequestIds } from "./request_ids.js";
import { MemorySessionStore, type SessionStore } from "./session_store.js";
import {
  failure,
  MaptableError,
  type ChatPage,
  type CloseInfo,
  type CommandResult,
  type Failure,
  type StateAtResult,
} from "./results.js";
import { defaultWebSocketFactory, messageBytes, WEBSOCKET_OPEN, type WebSocketFactory, type WebSocketLike } from "./transport.js";
import { remainingMs, viewportOf } from "./views.js";

export interface ClientOptions {
  // ws://host:port/v1/ws, or wss://. The client adds ?room=<roomId> when
  // the url names no room, so that a proxy in front of several servers can
  // route by room; the server ignores the query.
  url: string;
  roomId: string;
  token: string;             // a join token for roomId
  clientId?: string;         // stable per install; default: a random one for this client object
  // Reconnect after the connection drops, with exponential backoff and
  // jitter, resuming from the replica's (epoch, seq) and resending every
  // unanswered command with its original request id. A refused join (bad
  // token, wrong version) is not retried.
  reconnect?: boolean;                 // default true
  reconnectInitialDelayMs?: number;    // default 200
  reconnectMaxDelayMs?: number;        // default 10000
  // Makes the WebSocket. Default: the platform's (browsers; Node 22+). On
  // Node 20 pass the `ws` package's through wsPackageFactory(WebSocket),
  // which raises its 100 MiB message limit to the 256 MiB a Welcome may need.
  webSocket?: WebSocketFactory;
  random?: () => number;               // the jitter's source; default Math.random
  // Where the client id, the unanswered commands and the replica are kept
  // for restore(). Default: in memory, for this client object only.
  store?: SessionStore;
}

// The url the client opens: the given one, with the room added when it has none.
export function urlWithRoom(url: string, roomId: string): string {
  let hasRoom = false;
  try {
    hasRoom = new URL(url).searchParams.has("room");
  } catch {
    // not a url; connect() says so
  }
  if (hasRoom) return url;
  return `${url}${url.includes("?") ? "&" : "?"}room=${encodeURIComponent(roomId)}`;
}

export type ConnectionState =
  | "connecting"     // first connection under way
  | "connected"      // joined (the Welcome arrived)
  | "reconnecting"   // the connection dropped; waiting to retry or retrying
  | "closed";        // disconnect(), a refused join, or reconnect off: final

export interface ClientEvents {
  event: (event: Event) => void;                      // applied to the replica already
  presence: (update: PresenceUpdate) => void;
  participantJoined: (participant: Participant) => void;
  participantLeft: (participantId: string) => void;
  error: (error: ServerError) => void;                // an Error not tied to a pending request
  closed: (info: CloseInfo) => void;
  state: (state: ConnectionState) => void;
  // After each (re)join: true when the replica was kept and the missed events
  // follow, false when the Welcome's state replaced it.
  welcome: (recovered: boolean) => void;
  // The view this client's map should move to: an agenda step with a view
  // opened, a facilitator shared a view (not for one's own share), or, while
  // someone else leads, each viewport of the leader's presence.
  viewRequest: (viewport: Viewport) => void;
  mention: (message: ChatMessage) => void;            // someone else's chat message mentions me
  pendingCount: (count: number) => void;              // "offline with N pending changes"
  // The unanswered commands (count of them) are in the store now.
  persisted: (pendingCount: number) => void;
}

export type CommandBody = NonNullable<MessageInitShape<typeof ClientMessageSchema>["body"]>;

// Close codes after which reconnecting would only be refused again.
function isFinalClose(code: number): boolean {
  return code === 1003 /* text frame */ || code === 1008 /* policy: refused, expired, flood */ || code === 1009 /* too big */;
}

function randomClientId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return "c-" + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class MaptableConnection {
  private clientIdValue: string;
  protected readonly options: Required<Omit<ClientOptions, "clientId" | "webSocket" | "store">> & { webSocket?: WebSocketFactory };
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly ids = new RequestIds();
  private readonly pending = new PendingQueue((count) => {
    this.schedulePersist();
    this.emitter.emit("pendingCount", count);
  });
  private readonly store: SessionStore;
  private persistScheduled = false;
  private saving: Promise<void> = Promise.resolve();
  private restoredSession = false;   // restore() found something: offline start allowed

  private socket: WebSocketLike | undefined;
  private generation = 0;          // which socket a handler belongs to
  private open = false;            // the WebSocket is up (joined or joining)
  private joined = false;          // the Welcome of this connection arrived
  private userClosed = false;
  private everJoined = false;
  private finished = false;        // closed for good: commands fail at once
  private attempt = 0;             // reconnect attempts since the last Welcome
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private joinRequest = 0n;
  private joinWaiter: { resolve: (w: Welcome) => void; reject: (e: MaptableError) => void } | undefined;

  private replicaState: RoomReplica;
  private readonly onlineById = new Map<string, Participant>();
  private meValue: Participant | undefined;
  private epochValue = "";
  private ballotIdValue = "";
  private clockOffset = 0;         // server time - local time at the last Welcome
  private stateValue: ConnectionState = "connecting";
  private closeInfo: CloseInfo | undefined;

  constructor(options: ClientOptions) {
    this.clientIdValue = options.clientId || randomClientId();
    this.store = options.store ?? new MemorySessionStore();
    this.options = {
      url: options.url,
      roomId: options.roomId,
      token: options.token,
      reconnect: options.reconnect ?? true,
      reconnectInitialDelayMs: options.reconnectInitialDelayMs ?? 200,
      reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? 10_000,
      random: options.random ?? Math.random,
      webSocket: options.webSocket,
    };
    this.replicaState = new RoomReplica(options.roomId);
  }

  // ------------------------------------------------------------ reading

  // Stable per install; restore() adopts the saved one when it brings back
  // unanswered commands (the server knows them under it).
  get clientId(): string {
    return this.clientIdValue;
  }
  // The replica: the room at seq(). Read it; only the client changes it.
  // After a Welcome that was not a resume, this is a new object.
  get replica(): RoomReplica {
    return this.replicaState;
  }
  get seq(): bigint {
    return this.replicaState.seq;
  }
  get state(): ConnectionState {
    return this.stateValue;
  }
  // Sent or queued, not yet answered.
  get pendingCount(): number {
    return this.pending.size;
  }
  // The commands not yet answered, oldest first (for showing them as pending).
  get pendingCommands(): ClientMessage[] {
    return this.pending.all().map((o) => o.message);
  }
  get online(): Participant[] {
    return [...this.onlineById.values()];
  }
  get me(): Participant | undefined {
    return this.meValue;
  }
  get epoch(): string {
    return this.epochValue;
  }
  // The pseudonym of this participant's dots in anonymous vote rounds.
  get ballotId(): string {
    return this.ballotIdValue;
  }
  // How the connection ended, once it has.
  get closed(): CloseInfo | undefined {
    return this.closeInfo;
  }
  // Server time minus this machine's time, measured at the last Welcome.
  get serverClockOffsetMs(): number {
    return this.clockOffset;
  }
  // What the replica's shared timer has left now, in server time.
  timerRemainingMs(): number {
    return remainingMs(this.replicaState.state.timer, Date.now() + this.clockOffset);
  }

  // ------------------------------------------------------------ events

  on<K extends keyof ClientEvents>(name: K, listener: ClientEvents[K]): () => void {
    return this.emitter.on(name, listener);
  }
  onEvent(listener: ClientEvents["event"]): () => void {
    return this.on("event", listener);
  }
  onPresence(listener: ClientEvents["presence"]): () => void {
    return this.on("presence", listener);
  }
  onConnectionState(listener: ClientEvents["state"]): () => void {
    return this.on("state", listener);
  }
  onViewRequest(listener: ClientEvents["viewRequest"]): () => void {
    return this.on("viewRequest", listener);
  }
  // Removes every listener.
  clearListeners(): void {
    this.emitter.clear();
  }

  // ------------------------------------------------------------ persisting

  // Before connect(): takes back what an earlier client object (an earlier
  // page) left in the store for this room: its unanswered commands, with
  // their client id and request ids, so the resend is applied exactly once;
  // and the replica with its epoch, so the room shows at once and the join
  // resumes from (epoch, seq). True when anything came back; then the first
  // connection may fail (offline) and the client keeps retrying.
  async restore(): Promise<boolean> {
    if (this.joinWaiter || this.everJoined || this.finished)
      throw new MaptableError(ErrorCode.ALREADY_JOINED, "restore() goes before connect()");
    const [commands, replica] = await Promise.all([
      this.store.loadCommands(this.options.roomId),
      this.store.loadReplica(this.options.roomId),
    ]);
    let restored = false;
    if (replica && replica.epoch !== "") {
      try {
        this.replicaState = RoomReplica.fromProto(fromBinary(RoomStateSchema, replica.state));
        this.epochValue = replica.epoch;
        restored = true;
      } catch {
        // unreadable: the Welcome brings the room
      }
    }
    if (commands && commands.pending.length > 0) {
      this.clientIdValue = commands.clientId;
      this.ids.atLeast(commands.nextRequestId);
      for (const bytes of commands.pending) {
        let message: ClientMessage;
        try {
          message = fromBinary(ClientMessageSchema, bytes);
        } catch {
          continue;
        }
        // Whoever issued it is gone; the replica and pendingCommands show the outcome.
        this.pending.add(message.requestId, { kind: "command", message, bytes, settle: () => {} });
      }
      restored = true;
    }
    this.restoredSession = restored;
    return restored;
  }

  // Saves the unanswered commands and the replica now (say, when the page is hidden).
  saveNow(): Promise<void> {
    this.schedulePersist();
    this.saveReplica();
    return this.saving;
  }

  // The unanswered commands change with every command and answer: one save
  // per turn of the event loop, in order, each with the newest list.
  private schedulePersist(): void {
    if (this.persistScheduled) return;
    this.persistScheduled = true;
    queueMicrotask(() => {
      this.persistScheduled = false;
      const pending = this.pending.all().filter((o) => o.kind === "command");
      const snapshot = { clientId: this.clientIdValue, nextRequestId: this.ids.peek(), pending: pending.map((o) => o.bytes) };
      this.chainSave(async () => {
        await this.store.saveCommands(this.options.roomId, snapshot);
        this.emitter.emit("persisted", snapshot.pending.length);
      });
    });
  }

  private saveReplica(): void {
    if (this.epochValue === "") return;
    const snapshot = { epoch: this.epochValue, state: this.replicaState.canonicalBytes() };
    this.chainSave(() => this.store.saveReplica(this.options.roomId, snapshot));
  }

  // A store that fails costs only what it would have kept.
  private chainSave(save: () => Promise<void>): void {
    this.saving = this.saving.then(save).catch(() => {});
  }

  // ------------------------------------------------------------ connecting

  // Connects and joins. Resolves with the Welcome; rejects with a
  // MaptableError when the join is refused (the server's code) or the first
  // connection cannot be made (ErrorCode.UNSPECIFIED).
  connect(): Promise<Welcome> {
    return new Promise((resolve, reject) => {
      if (this.finished) {
        reject(new MaptableError(ErrorCode.UNSPECIFIED, "this client was closed for good; make a new one to join again"));
        return;
      }
      if (this.joinWaiter || this.open || this.everJoined) {
        reject(new MaptableError(ErrorCode.ALREADY_JOINED, "connect() was already called"));
        return;
      }
      if (!/^wss?:\/\/[^/]+/.test(this.options.url)) {
        reject(new MaptableError(ErrorCode.UNSPECIFIED, "the url must look like ws://host:port/v1/ws or wss://..."));
        return;
      }
      if (!this.options.webSocket && !defaultWebSocketFactory()) {
        reject(
          new MaptableError(
            ErrorCode.UNSPECIFIED,
            "this platform has no WebSocket: pass options.webSocket (on Node 20: wsPackageFactory(WebSocket) with the ws package's WebSocket)",
          ),
        );
        return;
      }
      this.joinWaiter = { resolve, reject };
      this.setState("connecting");
      this.openConnection();
    });
  }

  // Closes the connection. Pending commands fail; no reconnect.
  disconnect(): void {
    this.userClosed = true;
    this.clearRetry();
    const socket = this.socket;
    const wasOpen = this.open;
    this.socket = undefined;
    this.generation++;
    if (socket) {
      try {
        socket.close(1000, "closed by the client");
      } catch {
        // already closing
      }
    }
    if (!this.finished && (this.everJoined || this.joinWaiter || wasOpen))
      this.finish({ code: 1000, reason: "closed by the client" }, failure(ErrorCode.UNSPECIFIED, "closed by the client"));
    else this.finished = true;
  }

  // Drops the connection abruptly, as a network failure would (tests, and
  // apps that know the network changed); reconnects when reconnect is on.
  dropConnection(): void {
    if (this.socket && this.open) this.abort("connection dropped by the client");
  }

  // Uses token from now on: sent as RefreshToken on the live connection (the
  // result is the server's answer) and used for later reconnects.
  refreshToken(token: string): Promise<CommandResult> {
    this.options.token = token;
    return this.command({ case: "refreshToken", value: { token } });
  }

  private openConnection(): void {
    const gen = ++this.generation;
    this.joined = false;
    this.open = false;
    const factory = this.options.webSocket ?? defaultWebSocketFactory()!;
    let socket: WebSocketLike;
    try {
      socket = factory(urlWithRoom(this.options.url, this.options.roomId));
    } catch (error) {
      this.connectionLost(0, `cannot open ${this.options.url}: ${String(error)}`);
      return;
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      if (gen !== this.generation) return;
      this.open = true;
      this.sendJoin();
    };
    socket.onmessage = (message) => {
      if (gen !== this.generation) return;
      const bytes = messageBytes(message.data);
      if (bytes) this.onFrame(bytes, gen);
    };
    socket.onclose = (event) => {
      if (gen !== this.generation) return;
      const opened = this.open;
      this.open = false;
      this.socket = undefined;
      if (!opened) this.connectionLost(0, `cannot connect to ${this.options.url} (close code ${event.code})`);
      else this.connectionLost(event.code, event.reason);
    };
    socket.onerror = () => {
      // onclose follows with the code
    };
  }

  private sendJoin(): void {
    this.joinRequest = this.ids.take();
    // The epoch is known after a Welcome, or from a restored replica.
    const resume = this.epochValue !== "" ? { epoch: this.epochValue, lastSeq: this.replicaState.seq } : undefined;
    const join = create(ClientMessageSchema, {
      requestId: this.joinRequest,
      body: {
        case: "join",
        value: {
          roomId: this.options.roomId,
          token: this.options.token,
          clientId: this.clientId,
          protocolVersion: 1,
          resume,
        },
      },
    });
    this.write(toBinary(ClientMessageSchema, join));
  }

  // The connection ended (or could not be made): reconnect, or finish.
  private connectionLost(code: number, reason: string): void {
    this.open = false;
    this.joined = false;
    const info: CloseInfo = { code, reason };
    this.closeInfo = info;
    const final =
      this.userClosed || (!this.everJoined && !this.restoredSession) || !this.options.reconnect || isFinalClose(code);
    // No event arrives while offline: the replica as it is now is what a
    // reload would show.
    if (this.everJoined) this.saveReplica();
    if (final) {
      this.finish(info, failure(ErrorCode.UNSPECIFIED, "connection closed" + (reason ? `: ${reason}` : "")));
      return;
    }
    this.generation++;
    this.scheduleReconnect();
  }

  private abort(reason: string): void {
    const socket = this.socket;
    this.socket = undefined;
    this.generation++;   // whatever the old socket still reports is ignored
    if (socket) {
      try {
        if (socket.terminate) socket.terminate();
        else socket.close(4000, reason);
      } catch {
        // already gone
      }
    }
    this.connectionLost(0, reason);
  }

  private scheduleReconnect(): void {
    if (this.userClosed || !this.options.reconnect) {
      this.finish({ code: 0, reason: "connection lost" }, failure(ErrorCode.UNSPECIFIED, "connection lost"));
      return;
    }
    this.setState("reconnecting");
    const delay = reconnectDelayMs(
      this.attempt,
      this.options.reconnectInitialDelayMs,
      this.options.reconnectMaxDelayMs,
      this.options.random,
    );
    this.attempt++;
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.userClosed) this.openConnection();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  // The end: no reconnect. Fails everything still waiting.
  private finish(info: CloseInfo, why: Failure): void {
    this.finished = true;
    this.open = false;
    this.joined = false;
    this.generation++;
    this.clearRetry();
    this.closeInfo = info;
    if (this.socket) {
      try {
        this.socket.close(1000);
      } catch {
        // already closing
      }
      this.socket = undefined;
    }
    const waiter = this.joinWaiter;
    this.joinWaiter = undefined;
    waiter?.reject(new MaptableError(why.code, why.message));
    this.pending.failAll(why);
    this.setState("closed");
    this.emitter.emit("closed", info);
  }

  private setState(next: ConnectionState): void {
    if (this.stateValue === next) return;
    this.stateValue = next;
    this.emitter.emit("state", next);
  }

  // ------------------------------------------------------------ reading

  private onFrame(bytes: Uint8Array, gen: number): void {
    let messages: ServerMessage[];
    try {
      messages = fromBinary(ServerFrameSchema, bytes).messages;
    } catch {
      return;   // not a frame: ignored, as the C++ SDK does
    }
    for (const message of messages) {
      this.dispatch(message);
      if (gen !== this.generation) return;   // the message ended this connection
    }
  }

  private dispatch(message: ServerMessage): void {
    const body = message.body;
    switch (body.case) {
      case "welcome":
        return this.onWelcome(body.value);
      case "event":
        return this.onEventMessage(body.value);
      case "ack": {
        const outgoing = this.pending.take(body.value.requestId);
        if (outgoing?.kind === "command") outgoing.settle({ ok: true, seq: body.value.seq });
        return;
      }
      case "error":
        return this.onServerError(body.value);
      case "participantJoined": {
        const p = body.value.participant;
        if (!p) return;
        this.onlineById.set(p.id, p);
        if (this.meValue && p.id === this.meValue.id) this.meValue = p;
        this.emitter.emit("participantJoined", p);
        return;
      }
      case "participantLeft":
        this.onlineById.delete(body.value.participantId);
        this.emitter.emit("participantLeft", body.value.participantId);
        return;
      case "presence": {
        this.emitter.emit("presence", body.value);
        const view = this.leaderViewport(body.value);
        if (view) this.emitter.emit("viewRequest", view);
        return;
      }
      case "chatHistory": {
        const h = body.value;
        const outgoing = this.pending.has(h.requestId) ? this.pending.take(h.requestId) : undefined;
        if (outgoing) settleHistory(outgoing, h.messages, h.hasMore);
        return;
      }
      case "stateAt": {
        const outgoing = this.pending.has(body.value.requestId) ? this.pending.take(body.value.requestId) : undefined;
        if (outgoing) settleReplay(outgoing, RoomReplica.fromProto(body.value.state ?? create(RoomStateSchema)));
        return;
      }
      default:
        return;   // a newer server's message this client does not know
    }
  }

  private onEventMessage(event: Event): void {
    const expected = this.replicaState.seq + 1n;
    if (event.seq > expected) {
      // Never splice: drop the connection; the resume fills the gap.
      this.abort(`missed events: got seq ${event.seq}, expected ${expected}`);
      return;
    }
    if (event.seq < expected || !this.replicaState.apply(event)) return;   // an old seq is a harmless repeat
    this.emitter.emit("event", event);
    const view = this.viewRequestOf(event);
    if (view) this.emitter.emit("viewRequest", view);
    if (event.body.case === "chatPosted" && event.body.value.message) {
      const m = event.body.value.message;
      const myId = this.meValue?.id;
      if (myId && m.authorId !== myId && m.mentions.includes(myId)) this.emitter.emit("mention", m);
    }
  }

  // The view an applied event asks this client's map to move to, if any.
  private viewRequestOf(event: Event): Viewport | undefined {
    const body = event.body;
    if (body.case === "viewShared" && event.actorId !== this.meValue?.id) return body.value.viewport;
    if (body.case === "agendaStepOpened") {
      const step = this.replicaState.state.agenda.find((s) => s.id === body.value.stepId);
      if (step?.view) return viewportOf(step.view);
    }
    return undefined;
  }

  // The leader's newest viewport in a presence update, while someone other than me leads.
  private leaderViewport(update: PresenceUpdate): Viewport | undefined {
    const leader = this.replicaState.state.follow.leaderId;
    if (leader === "" || leader === this.meValue?.id) return undefined;
    let view: Viewport | undefined;
    for (const p of update.presence) if (p.participantId === leader && p.viewport) view = p.viewport;
    return view;
  }

  private onWelcome(welcome: Welcome): void {
    // Recovered: the replica stays and the missed events follow.
    if (!welcome.recovered) this.replicaState = RoomReplica.fromProto(welcome.state ?? create(RoomStateSchema));
    this.epochValue = welcome.epoch;
    this.meValue = welcome.you;
    this.ballotIdValue = welcome.ballotId;
    // No server time (an older server): assume the clocks agree.
    this.clockOffset = welcome.serverTimeMs === 0n ? 0 : Number(welcome.serverTimeMs) - Date.now();
    this.onlineById.clear();
    for (const p of welcome.online) this.onlineById.set(p.id, p);
    this.joined = true;
    this.everJoined = true;
    this.attempt = 0;
    this.setState("connected");
    this.emitter.emit("welcome", welcome.recovered);
    const waiter = this.joinWaiter;
    this.joinWaiter = undefined;
    waiter?.resolve(welcome);
    // Everything unanswered goes (again), in the order it was issued; the
    // server acks a command it already applied with its original seq.
    for (const outgoing of this.pending.all()) this.write(outgoing.bytes);
  }

  private onServerError(error: ServerError): void {
    const id = error.requestId;
    if (id !== 0n && id === this.joinRequest) {
      // A refused (re)join is final: the server closes the connection.
      this.finish({ code: 1008, reason: error.message }, failure(error.code, error.message));
      return;
    }
    if (id !== 0n && this.pending.has(id)) {
      // The room is closing (server shutdown) or reloading: nothing was
      // applied, so keep the command and send it again after the resume.
      if (error.code === ErrorCode.ROOM_UNAVAILABLE && this.options.reconnect && !this.userClosed) return;
      settleFailure(this.pending.take(id)!, failure(error.code, error.message));
      return;
    }
    this.emitter.emit("error", error);
  }

  // ------------------------------------------------------------ writing

  private write(bytes: Uint8Array): void {
    if (this.socket && this.socket.readyState === WEBSOCKET_OPEN) this.socket.send(bytes);
  }

  // Queues a request: written now when joined, else after the next Welcome.
  private submit(outgoing: Outgoing): void {
    if (this.finished || this.userClosed || (!this.everJoined && !this.joinWaiter)) {
      settleFailure(outgoing, failure(ErrorCode.UNSPECIFIED, "not connected: call connect() first, or the client was closed"));
      return;
    }
    this.pending.add(outgoing.message.requestId, outgoing);
    if (this.open && this.joined) this.write(outgoing.bytes);
  }

  private message(body: CommandBody): { message: ClientMessage; bytes: Uint8Array } {
    const message = create(ClientMessageSchema, { requestId: this.ids.take(), body });
    return { message, bytes: toBinary(ClientMessageSchema, message) };
  }

  // Any event command (its request id is set here): resolves with the ack
  // (ok, the event's seq; the event is in the replica already) or the
  // server's refusal. Resent after a reconnect until it is answered.
  command(body: CommandBody): Promise<CommandResult> {
    return new Promise((settle) => this.submit({ kind: "command", ...this.message(body), settle }));
  }

  // Older chat than beforeSeq (0n: the newest), at most limit (0: 50; at most 200).
  chatHistory(beforeSeq: bigint, limit: number): Promise<ChatPage> {
    return new Promise((settle) =>
      this.submit({ kind: "history", ...this.message({ case: "getChatHistory", value: { beforeSeq, limit } }), settle }),
    );
  }

  // The room as it was at a seq, or at its last event at or before a server
  // time (Unix ms), rebuilt by the server from its log. The replica is not touched.
  stateAtSeq(seq: bigint): Promise<StateAtResult> {
    return new Promise((settle) =>
      this.submit({ kind: "replay", ...this.message({ case: "getStateAt", value: { at: { case: "seq", value: seq } } }), settle }),
    );
  }
  stateAtTime(timeMs: bigint): Promise<StateAtResult> {
    return new Promise((settle) =>
      this.submit({
        kind: "replay",
        ...this.message({ case: "getStateAt", value: { at: { case: "timeMs", value: timeMs } } }),
        settle,
      }),
    );
  }

  // Presence: fire and forget (not retried: the next update supersedes it).
  protected sendPresence(body: CommandBody): void {
    const { bytes } = this.message(body);
    if (this.open && this.joined && !this.userClosed) this.write(bytes);
  }
}
