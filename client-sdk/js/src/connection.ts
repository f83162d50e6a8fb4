// The connection to one room: join with a token, keep the replica by the
// shared apply rules, answer commands from acks and errors, reconnect with
// backoff and jitter and resume from (epoch, seq), resending every
// unanswered command with its original request id; follow a Redirect to the
// node that owns the room, and rejoin at once after a 4001 "room moved". The
// decisions are ConnectionMachine's (link.ts); this class performs them on
// the socket and the timer. The semantics of the C++ SDK
// (client-sdk/src/client.cpp), in one event loop instead of an I/O thread.
// With a SessionStore and restore() before connect(), the client id, the
// unanswered commands and the replica outlive the page: see session_store.ts.
// MaptableClient (client.ts) adds a typed method per command.
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";

import { Emitter } from "./emitter.js";
import { ConnectionMachine, type LinkAction, type LinkEvent } from "./link.js";
import {
  DEFAULT_MAX_PENDING,
  PendingQueue,
  settleFailure,
  settleHistory,
  settleReplay,
  type Outgoing,
} from "./pending.js";
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
import {
  defaultWebSocketFactory,
  messageBytes,
  WEBSOCKET_OPEN,
  type WebSocketFactory,
  type WebSocketLike,
} from "./transport.js";
import { remainingMs, viewportOf } from "./views.js";

export interface ClientOptions {
  // ws://host:port/v1/ws, or wss://. The client adds ?room=<roomId> when
  // the url names no room, so that a proxy in front of several servers can
  // route by room; the server ignores the query.
  url: string;
  roomId: string;
  token: string; // a join token for roomId
  clientId?: string; // stable per install; default: a random one for this client object
  // Reconnect after the connection drops, with exponential backoff and
  // jitter, resuming from the replica's (epoch, seq) and resending every
  // unanswered command with its original request id. A refused join (bad
  // token, wrong version) is not retried.
  reconnect?: boolean; // default true
  reconnectInitialDelayMs?: number; // default 200
  reconnectMaxDelayMs?: number; // default 10000
  // A node that does not own the room answers the Join with a Redirect to
  // the owner, and a node that loses the room closes with 4001 "room
  // moved"; both are followed at once, without backoff, with the same Join
  // (room, token, client id, Resume). This many in a row, without a Welcome
  // or a reconnect backoff between them, and the client stops with an error
  // instead of bouncing between nodes that disagree about the owner.
  maxRedirects?: number; // default 4
  // Requests sent or queued and not yet answered, at most; past it a new one
  // fails at once instead of growing the queue without bound while offline.
  maxPending?: number; // default 65536
  // Makes the WebSocket. Default: the platform's (browsers; Node 22+). On
  // Node 20 pass the `ws` package's through wsPackageFactory(WebSocket),
  // which raises its 100 MiB message limit to the 256 MiB a Welcome may need.
  webSocket?: WebSocketFactory;
  random?: () => number; // the jitter's source; default Math.random
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
  | "connecting" // first connection under way (also following a Redirect to the owner)
  | "connected" // joined (the Welcome arrived)
  | "reconnecting" // the connection dropped or the room moved; waiting to retry or retrying
  | "closed"; // disconnect(), a refused join, reconnect off, or too many redirects: final

export interface ClientEvents {
  event: (event: Event) => void; // applied to the replica already
  presence: (update: PresenceUpdate) => void;
  participantJoined: (participant: Participant) => void;
  participantLeft: (participantId: string) => void;
  error: (error: ServerError) => void; // an Error not tied to a pending request
  closed: (info: CloseInfo) => void;
  state: (state: ConnectionState) => void;
  // After each (re)join: true when the replica was kept and the missed events
  // follow, false when the Welcome's state replaced it.
  welcome: (recovered: boolean) => void;
  // The view this client's map should move to: an agenda step with a view
  // opened, a facilitator shared a view (not for one's own share), or, while
  // someone else leads, each viewport of the leader's presence.
  viewRequest: (viewport: Viewport) => void;
  mention: (message: ChatMessage) => void; // someone else's chat message mentions me
  pendingCount: (count: number) => void; // "offline with N pending changes"
  // The unanswered commands (count of them) are in the store now.
  persisted: (pendingCount: number) => void;
}

export type CommandBody = NonNullable<MessageInitShape<typeof ClientMessageSchema>["body"]>;

function randomClientId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return "c-" + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class MaptableConnection {
  private clientIdValue: string;
  protected readonly options: Required<Omit<ClientOptions, "clientId" | "webSocket" | "store" | "maxPending">> & {
    webSocket?: WebSocketFactory;
  };
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly ids = new RequestIds();
  private readonly pending: PendingQueue;
  private readonly store: SessionStore;
  private persistScheduled = false;
  private saving: Promise<void> = Promise.resolve();

  private readonly machine: ConnectionMachine;
  private socket: WebSocketLike | undefined;
  private generation = 0; // which socket a handler belongs to
  private open = false; // the WebSocket is up
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private joinRequest = 0n;
  private joinWaiter: { resolve: (w: Welcome) => void; reject: (e: MaptableError) => void } | undefined;

  private replicaState: RoomReplica;
  private readonly onlineById = new Map<string, Participant>();
  private meValue: Participant | undefined;
  private epochValue = "";
  private ballotIdValue = "";
  private clockOffset = 0; // server time - local time at the last Welcome
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
      maxRedirects: options.maxRedirects ?? 4,
      random: options.random ?? Math.random,
      webSocket: options.webSocket,
    };
    this.pending = new PendingQueue((count) => {
      this.schedulePersist();
      this.emitter.emit("pendingCount", count);
    }, options.maxPending ?? DEFAULT_MAX_PENDING);
    this.machine = new ConnectionMachine({
      url: urlWithRoom(this.options.url, this.options.roomId),
      reconnect: this.options.reconnect,
      initialDelayMs: this.options.reconnectInitialDelayMs,
      maxDelayMs: this.options.reconnectMaxDelayMs,
      maxRedirects: this.options.maxRedirects,
      random: this.options.random,
    });
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
  // The url of the current (or last) connection: the configured one (with
  // ?room=), or the owner's a Redirect named. A reconnect after a drop
  // starts from the configured url again, since the owner may have changed.
  get endpoint(): string {
    return this.machine.endpoint;
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
    if (this.machine.state !== "idle")
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
    // Something to resume: the first connection may fail (offline) and the client keeps retrying.
    if (restored) this.machine.markRestored();
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
      const snapshot = {
        clientId: this.clientIdValue,
        nextRequestId: this.ids.peek(),
        pending: pending.map((o) => o.bytes),
      };
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
      if (this.machine.state === "closed") {
        reject(
          new MaptableError(ErrorCode.UNSPECIFIED, "this client was closed for good; make a new one to join again"),
        );
        return;
      }
      if (this.machine.state !== "idle") {
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
      this.feed({ kind: "start" });
    });
  }

  // Closes the connection. Pending commands fail; no reconnect.
  disconnect(): void {
    this.feed({ kind: "userClose" });
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

  // ------------------------------------------------------------ the machine

  // Feeds the machine one event and performs what it decides. The public
  // state changes first, so that whoever a failure reaches already sees it.
  private feed(event: LinkEvent): void {
    const action = this.machine.on(event);
    this.setState(this.machine.publicState);
    this.perform(action);
  }

  private perform(action: LinkAction): void {
    switch (action.kind) {
      case "none":
        return;
      case "connect":
        return this.openConnection(action.url);
      case "sendJoin":
        return this.sendJoin();
      case "schedule":
        this.clearRetry();
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.feed({ kind: "timer" });
        }, action.delayMs);
        return;
      case "giveUp":
        return this.finish({ code: action.code, reason: action.reason }, failure(action.error, action.message));
    }
  }

  // Closes the current socket, if any, politely; whatever it still reports is ignored.
  private retireSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.open = false;
    this.generation++;
    if (!socket) return;
    try {
      socket.close(1000, "closed by the client");
    } catch {
      // already closing
    }
  }

  // Drops the current connection, if any (a Redirect leaves a live one), and opens one to url.
  private openConnection(url: string): void {
    this.retireSocket();
    const gen = this.generation;
    const factory = this.options.webSocket ?? defaultWebSocketFactory()!;
    let socket: WebSocketLike;
    try {
      socket = factory(urlWithRoom(url, this.options.roomId));
    } catch (error) {
      this.feed({ kind: "openFailed", reason: `cannot open ${url}: ${String(error)}` });
      return;
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      if (gen !== this.generation) return;
      this.open = true;
      this.feed({ kind: "opened" });
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
      this.generation++;
      if (!opened) this.feed({ kind: "openFailed", reason: `cannot connect to ${url} (close code ${event.code})` });
      else this.connectionLost(event.code, event.reason);
    };
    socket.onerror = () => {
      // onclose follows with the code
    };
  }

  private sendJoin(): void {
    this.joinRequest = this.ids.take();
    // The epoch is known after a Welcome, or from a restored replica.
    // A Redirect's target gets the same Join: it is the same client resuming.
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

  // The open connection ended: reconnect, rejoin elsewhere, or finish.
  private connectionLost(code: number, reason: string): void {
    this.closeInfo = { code, reason };
    // No event arrives while offline: the replica as it is now is what a
    // reload would show.
    if (this.machine.everJoined) this.saveReplica();
    this.feed({ kind: "closed", code, reason });
  }

  private abort(reason: string): void {
    const socket = this.socket;
    this.socket = undefined;
    this.open = false;
    this.generation++; // whatever the old socket still reports is ignored
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

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  // The end: no reconnect. Fails everything still waiting.
  private finish(info: CloseInfo, why: Failure): void {
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
    this.open = false;
    this.generation++;
    const waiter = this.joinWaiter;
    this.joinWaiter = undefined;
    waiter?.reject(new MaptableError(why.code, why.message));
    this.pending.failAll(why);
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
      return; // not a frame: ignored, as the C++ SDK does
    }
    for (const message of messages) {
      this.dispatch(message);
      if (gen !== this.generation) return; // the message ended this connection
    }
  }

  private dispatch(message: ServerMessage): void {
    const body = message.body;
    switch (body.case) {
      case "welcome":
        return this.onWelcome(body.value);
      case "redirect":
        // Only the answer to this connection's Join is followed.
        if (body.value.requestId !== 0n && body.value.requestId !== this.joinRequest) return;
        return this.feed({ kind: "redirect", url: body.value.url });
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
        return; // a newer server's message this client does not know
    }
  }

  private onEventMessage(event: Event): void {
    const expected = this.replicaState.seq + 1n;
    if (event.seq > expected) {
      // Never splice: drop the connection; the resume fills the gap.
      this.abort(`missed events: got seq ${event.seq}, expected ${expected}`);
      return;
    }
    if (event.seq < expected || !this.replicaState.apply(event)) return; // an old seq is a harmless repeat
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
    if (this.machine.state !== "joining") return; // not an answer to a Join of ours
    // Recovered: the replica stays and the missed events follow.
    if (!welcome.recovered) this.replicaState = RoomReplica.fromProto(welcome.state ?? create(RoomStateSchema));
    this.epochValue = welcome.epoch;
    this.meValue = welcome.you;
    this.ballotIdValue = welcome.ballotId;
    // No server time (an older server): assume the clocks agree.
    this.clockOffset = welcome.serverTimeMs === 0n ? 0 : Number(welcome.serverTimeMs) - Date.now();
    this.onlineById.clear();
    for (const p of welcome.online) this.onlineById.set(p.id, p);
    this.feed({ kind: "welcome" });
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
      // The server closes the connection after refusing a Join.
      this.feed({ kind: "joinRefused", code: error.code, message: error.message });
      return;
    }
    switch (this.pending.onError(id, error.code, this.machine.willResume, error.message)) {
      case "keep":
        return;
      case "unknown":
        this.emitter.emit("error", error);
        return;
      default:
        return; // failed with the server's answer
    }
  }

  // ------------------------------------------------------------ writing

  private write(bytes: Uint8Array): void {
    if (this.socket && this.socket.readyState === WEBSOCKET_OPEN) this.socket.send(bytes);
  }

  // Queues a request: written now when joined, else after the next Welcome.
  private submit(outgoing: Outgoing): void {
    if (!this.machine.acceptsRequests) {
      settleFailure(
        outgoing,
        failure(ErrorCode.UNSPECIFIED, "not connected: call connect() first, or the client was closed"),
      );
      return;
    }
    if (!this.pending.add(outgoing.message.requestId, outgoing)) {
      settleFailure(
        outgoing,
        failure(
          ErrorCode.UNSPECIFIED,
          `too many requests waiting for an answer (${this.pending.capacity}): wait for some to be answered`,
        ),
      );
      return;
    }
    if (this.open && this.machine.state === "joined") this.write(outgoing.bytes);
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
      this.submit({
        kind: "history",
        ...this.message({ case: "getChatHistory", value: { beforeSeq, limit } }),
        settle,
      }),
    );
  }

  // The room as it was at a seq, or at its last event at or before a server
  // time (Unix ms), rebuilt by the server from its log. The replica is not touched.
  stateAtSeq(seq: bigint): Promise<StateAtResult> {
    return new Promise((settle) =>
      this.submit({
        kind: "replay",
        ...this.message({ case: "getStateAt", value: { at: { case: "seq", value: seq } } }),
        settle,
      }),
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
    if (this.open && this.machine.state === "joined") this.write(bytes);
  }
}
