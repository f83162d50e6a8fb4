// The client's protocol, scripted without a server: the Join, commands
// waiting for the Welcome, acks and refusals, a gap in seqs, resume with
// (epoch, seq), resend with original request ids, final close codes, view
// requests and mentions, following a Redirect and a 4001 "room moved".
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { MaptableClient } from "../src/client.js";
import { ErrorCode, Role } from "../src/proto.js";
import { MaptableError } from "../src/results.js";
import { FakeNetwork, type FakeSocket } from "./fake_socket.js";

const me = { id: "u-ben", name: "Ben", role: Role.PARTICIPANT };

function setup() {
  const net = new FakeNetwork();
  const client = new MaptableClient({
    url: "ws://example.invalid/v1/ws",
    roomId: "harbour",
    token: "a.b.c",
    clientId: "c-test",
    webSocket: net.factory,
    reconnectInitialDelayMs: 1,
    reconnectMaxDelayMs: 4,
    random: () => 0,
  });
  return { net, client };
}

function welcome(socket: FakeSocket, options: { seq?: bigint; recovered?: boolean; epoch?: string } = {}) {
  const requestId = socket.join().requestId;
  socket.deliver({
    body: {
      case: "welcome",
      value: {
        requestId,
        state: options.recovered ? undefined : { info: { id: "harbour", title: "Harbour" }, seq: options.seq ?? 0n },
        you: me,
        online: [me],
        protocolVersion: 1,
        epoch: options.epoch ?? "e1",
        recovered: options.recovered ?? false,
        serverTimeMs: BigInt(Date.now()),
        ballotId: "ballot-ben",
      },
    },
  });
}

function chatEvent(seq: bigint, text: string, author = "u-ana", mentions: string[] = []) {
  return {
    body: {
      case: "event" as const,
      value: { seq, actorId: author, body: { case: "chatPosted" as const, value: { message: { seq, authorId: author, text, mentions } } } },
    },
  };
}

async function joined() {
  const { net, client } = setup();
  const connected = client.connect();
  const socket = await net.socket(0);
  socket.open();
  welcome(socket);
  await connected;
  return { net, client, socket };
}

describe("joining", () => {
  test("sends a Join with protocol version 1, its client id and no resume; connect() resolves with the Welcome", async () => {
    const { net, client } = setup();
    const connected = client.connect();
    const socket = await net.socket(0);
    assert.equal(socket.binaryType, "arraybuffer");
    assert.equal(client.state, "connecting");
    socket.open();
    const join = socket.join();
    assert.ok(join.body.case === "join");
    assert.deepEqual(
      [join.body.value.roomId, join.body.value.token, join.body.value.clientId, join.body.value.protocolVersion, join.body.value.resume],
      ["harbour", "a.b.c", "c-test", 1, undefined],
    );
    welcome(socket, { seq: 7n });
    const w = await connected;
    assert.equal(w.epoch, "e1");
    assert.equal(client.state, "connected");
    assert.equal(client.seq, 7n);
    assert.equal(client.replica.state.info.title, "Harbour");
    assert.equal(client.ballotId, "ballot-ben");
    assert.equal(client.me?.id, "u-ben");
  });

  test("a command issued before the Welcome waits for it, then goes after the Join", async () => {
    const { net, client } = setup();
    const connected = client.connect();
    const socket = await net.socket(0);
    const said = client.sendChat("early");
    assert.equal(client.pendingCount, 1);
    socket.open();
    assert.equal(socket.commands().length, 0, "nothing but the Join before the Welcome");
    welcome(socket);
    await connected;
    const [command] = socket.commands();
    assert.ok(command.body.case === "sendChat" && command.body.value.text === "early");
    socket.deliver(chatEvent(1n, "early", "u-ben"), { body: { case: "ack", value: { requestId: command.requestId, seq: 1n } } });
    assert.deepEqual(await said, { ok: true, seq: 1n });
    assert.equal(client.pendingCount, 0);
    assert.equal(client.replica.findChat(1n)?.text, "early");
  });

  test("a refused join rejects connect() with the server's code and closes for good", async () => {
    const { net, client } = setup();
    const connected = client.connect();
    const socket = await net.socket(0);
    socket.open();
    socket.deliver({ body: { case: "error", value: { requestId: socket.join().requestId, code: ErrorCode.TOKEN_EXPIRED, message: "the token expired" } } });
    await assert.rejects(connected, (e: unknown) => e instanceof MaptableError && e.code === ErrorCode.TOKEN_EXPIRED);
    assert.equal(client.state, "closed");
    assert.equal(net.sockets.length, 1);
  });

  test("a first connection that cannot be made rejects connect()", async () => {
    const { net, client } = setup();
    const connected = client.connect();
    (await net.socket(0)).serverClose(1006);
    await assert.rejects(connected, (e: unknown) => e instanceof MaptableError && e.code === ErrorCode.UNSPECIFIED);
    assert.equal(client.state, "closed");
  });

  test("connect() refuses a url that is not ws:// or wss://, a second call, and a platform without WebSocket", async () => {
    const bad = new MaptableClient({ url: "http://example.invalid/", roomId: "r", token: "t", webSocket: new FakeNetwork().factory });
    await assert.rejects(bad.connect(), /ws:\/\/host:port/);
    const { client } = setup();
    void client.connect().catch(() => {});
    await assert.rejects(client.connect(), (e: unknown) => e instanceof MaptableError && e.code === ErrorCode.ALREADY_JOINED);
    client.disconnect();
    if (!("WebSocket" in globalThis)) {
      const bare = new MaptableClient({ url: "ws://example.invalid/v1/ws", roomId: "r", token: "t" });
      await assert.rejects(bare.connect(), /pass options.webSocket/);
    }
  });

  test("commands before connect() fail at once and are not queued", async () => {
    const { client } = setup();
    const result = await client.addFeature({ id: "f" });
    assert.equal(!result.ok && result.code, ErrorCode.UNSPECIFIED);
    assert.equal(client.pendingCount, 0);
  });
});

describe("events and answers", () => {
  test("a refusal settles only its command, with the server's code and text", async () => {
    const { client, socket } = await joined();
    const first = client.addFeature({ id: "f-1" });
    const second = client.sendChat("hello");
    const [a, b] = socket.commands();
    socket.deliver({ body: { case: "error", value: { requestId: a.requestId, code: ErrorCode.LOCKED, message: "the map is locked" } } });
    assert.deepEqual(await first, { ok: false, code: ErrorCode.LOCKED, message: "the map is locked" });
    assert.equal(client.pendingCount, 1);
    socket.deliver(chatEvent(1n, "hello", "u-ben"), { body: { case: "ack", value: { requestId: b.requestId, seq: 1n } } });
    assert.ok((await second).ok);
  });

  test("an event with an old seq is ignored; one that skips a seq drops the connection and resumes from (epoch, seq)", async () => {
    const { net, client, socket } = await joined();
    const events: bigint[] = [];
    client.onEvent((e) => events.push(e.seq));
    socket.deliver(chatEvent(1n, "one"));
    socket.deliver(chatEvent(1n, "one again"));
    assert.equal(client.replica.findChat(1n)?.text, "one");
    socket.deliver(chatEvent(3n, "three"));   // seq 2 is missing
    assert.ok(socket.terminated, "never splice: the connection is dropped");
    assert.equal(client.state, "reconnecting");
    assert.equal(client.seq, 1n);

    const again = await net.socket(1);
    again.open();
    const join = again.join();
    assert.ok(join.body.case === "join");
    assert.deepEqual([join.body.value.resume?.epoch, join.body.value.resume?.lastSeq], ["e1", 1n]);
    welcome(again, { recovered: true });
    assert.equal(client.state, "connected");
    assert.equal(client.seq, 1n, "recovered: the replica is kept");
    again.deliver(chatEvent(2n, "two"), chatEvent(3n, "three"));
    assert.deepEqual(events, [1n, 2n, 3n]);
  });

  test("a Welcome that is not recovered replaces the replica", async () => {
    const { net, client, socket } = await joined();
    socket.deliver(chatEvent(1n, "one"));
    socket.serverClose(1001, "the server is shutting down; reconnect shortly");
    const again = await net.socket(1);
    again.open();
    welcome(again, { seq: 40n, epoch: "e2" });
    assert.equal(client.seq, 40n);
    assert.equal(client.replica.findChat(1n), undefined);
    assert.equal(client.epoch, "e2");
  });

  test("unanswered commands are resent after the Welcome with their original request ids, in order", async () => {
    const { net, client, socket } = await joined();
    const a = client.sendChat("a");
    const b = client.addFeature({ id: "f-b" });
    const firstIds = socket.commands().map((m) => m.requestId);
    assert.equal(firstIds.length, 2);
    socket.serverClose(1013, "reading too slowly; reconnect and resume");
    assert.equal(client.pendingCount, 2);
    const again = await net.socket(1);
    again.open();
    assert.equal(again.commands().length, 0, "not before the Welcome");
    welcome(again, { recovered: true });
    assert.deepEqual(again.commands().map((m) => m.requestId), firstIds);
    again.deliver(
      chatEvent(1n, "a", "u-ben"),
      { body: { case: "ack", value: { requestId: firstIds[0], seq: 1n } } },
      { body: { case: "ack", value: { requestId: firstIds[1], seq: 1n } } },
    );
    assert.ok((await a).ok && (await b).ok);
  });

  test("ROOM_UNAVAILABLE keeps the command for after the resume", async () => {
    const { net, client, socket } = await joined();
    const said = client.sendChat("during shutdown");
    const [command] = socket.commands();
    socket.deliver({ body: { case: "error", value: { requestId: command.requestId, code: ErrorCode.ROOM_UNAVAILABLE, message: "resend after reconnecting" } } });
    assert.equal(client.pendingCount, 1);
    socket.serverClose(1001);
    const again = await net.socket(1);
    again.open();
    welcome(again, { recovered: true });
    assert.equal(again.commands()[0]?.requestId, command.requestId);
    again.deliver(chatEvent(1n, "during shutdown", "u-ben"), { body: { case: "ack", value: { requestId: command.requestId, seq: 1n } } });
    assert.deepEqual(await said, { ok: true, seq: 1n });
  });

  for (const code of [1003, 1008, 1009]) {
    test(`close ${code} is final: no reconnect, pending commands fail`, async () => {
      const { client, socket } = await joined();
      const said = client.sendChat("lost");
      const states: string[] = [];
      client.onConnectionState((s) => states.push(s));
      socket.serverClose(code, "join token expired");
      assert.deepEqual(states, ["closed"]);
      assert.equal(client.closed?.code, code);
      const result = await said;
      assert.equal(!result.ok && result.code, ErrorCode.UNSPECIFIED);
      assert.ok(!result.ok && result.message.includes("join token expired"));
    });
  }

  test("with reconnect off, a dropped connection is final", async () => {
    const net = new FakeNetwork();
    const client = new MaptableClient({ url: "ws://x.invalid/v1/ws", roomId: "harbour", token: "t", webSocket: net.factory, reconnect: false });
    const connected = client.connect();
    const socket = await net.socket(0);
    socket.open();
    welcome(socket);
    await connected;
    socket.serverClose(1001);
    assert.equal(client.state, "closed");
  });

  test("participants, mentions of me (not by me), and errors without a request", async () => {
    const { client, socket } = await joined();
    const joinedNames: string[] = [];
    const mentions: string[] = [];
    const errors: number[] = [];
    client.on("participantJoined", (p) => joinedNames.push(p.name));
    client.on("mention", (m) => mentions.push(m.text));
    client.on("error", (e) => errors.push(e.code));
    socket.deliver({ body: { case: "participantJoined", value: { participant: { id: "u-ana", name: "Ana", role: Role.FACILITATOR } } } });
    assert.deepEqual(client.online.map((p) => p.id).sort(), ["u-ana", "u-ben"]);
    socket.deliver(chatEvent(1n, "@Ben look", "u-ana", ["u-ben"]), chatEvent(2n, "@me", "u-ben", ["u-ben"]), chatEvent(3n, "@Cleo", "u-ana", ["u-cleo"]));
    socket.deliver({ body: { case: "participantLeft", value: { participantId: "u-ana" } } });
    socket.deliver({ body: { case: "error", value: { requestId: 0n, code: ErrorCode.MALFORMED_MESSAGE, message: "?" } } });
    assert.deepEqual(joinedNames, ["Ana"]);
    assert.deepEqual(mentions, ["@Ben look"]);
    assert.deepEqual(client.online.map((p) => p.id), ["u-ben"]);
    assert.deepEqual(errors, [ErrorCode.MALFORMED_MESSAGE]);
  });

  test("while someone else leads, the leader's viewport in a presence update is a view request; not while I lead", async () => {
    const { client, socket } = await joined();
    const zooms: number[] = [];
    client.onViewRequest((v) => zooms.push(v.zoom));
    const presence = (zoom: number) => ({
      body: {
        case: "presence" as const,
        value: { presence: [{ participantId: "u-ana", viewport: { southWest: { lon: 1, lat: 1 }, northEast: { lon: 2, lat: 2 }, zoom } }] },
      },
    });
    socket.deliver(presence(3));   // nobody leads
    socket.deliver({ body: { case: "event", value: { seq: 1n, actorId: "u-ana", actorName: "Ana", body: { case: "followChanged", value: { on: true } } } } });
    socket.deliver(presence(5));
    socket.deliver({ body: { case: "event", value: { seq: 2n, actorId: "u-ben", actorName: "Ben", body: { case: "followChanged", value: { on: true } } } } });
    socket.deliver(presence(7));   // I lead now
    assert.deepEqual(zooms, [5]);
  });

  test("disconnect() fails what is pending and stops reconnecting", async () => {
    const { net, client, socket } = await joined();
    const said = client.sendChat("bye");
    client.disconnect();
    assert.equal(socket.closedByClient, 1000);
    assert.equal(client.state, "closed");
    assert.equal(!(await said).ok, true);
    assert.equal(net.sockets.length, 1);
  });
});

describe("the room on another node", () => {
  const configured = "ws://example.invalid/v1/ws?room=harbour";
  const owner = "ws://owner.invalid:9000/v1/ws?room=harbour";

  function redirect(socket: FakeSocket, url = owner) {
    socket.deliver({
      body: { case: "redirect", value: { requestId: socket.join().requestId, url, roomId: "harbour", reason: "owned by node b" } },
    });
  }

  test("a Redirect answering the Join: the same Join goes to its url, the old socket is closed, and connect() resolves on the owner", async () => {
    const { net, client } = setup();
    const connected = client.connect();
    const first = await net.socket(0);
    const early = client.sendChat("before the move");
    first.open();
    redirect(first);
    assert.equal(first.closedByClient, 1000);
    assert.equal(net.sockets.length, 2, "at once, without a backoff timer");
    const second = net.sockets[1];
    assert.equal(second.url, owner);
    assert.equal(client.state, "connecting");
    assert.equal(client.endpoint, owner);
    second.open();
    const [a, b] = [first.join(), second.join()];
    assert.ok(a.body.case === "join" && b.body.case === "join");
    assert.deepEqual(
      [b.body.value.roomId, b.body.value.token, b.body.value.clientId, b.body.value.resume],
      [a.body.value.roomId, a.body.value.token, a.body.value.clientId, undefined],
    );
    welcome(second);
    await connected;
    assert.equal(client.state, "connected");
    const [command] = second.commands();
    assert.ok(command.body.case === "sendChat" && command.body.value.text === "before the move");
    assert.equal(first.commands().length, 0);
    second.deliver(chatEvent(1n, "before the move", "u-ben"), { body: { case: "ack", value: { requestId: command.requestId, seq: 1n } } });
    assert.deepEqual(await early, { ok: true, seq: 1n });
  });

  test("4001 room moved: a new connection to the configured url at once, resuming, with the unanswered commands resent", async () => {
    const { net, client, socket } = await joined();
    socket.deliver(chatEvent(1n, "one"));
    const said = client.sendChat("in flight");
    const [sent] = socket.commands();
    socket.serverClose(4001, "room moved");
    assert.equal(net.sockets.length, 2, "at once, without a backoff timer");
    const again = net.sockets[1];
    assert.equal(again.url, configured);
    assert.equal(client.state, "reconnecting");
    again.open();
    // The configured url may lead to the new owner by a Redirect.
    redirect(again);
    const onOwner = net.sockets[2];
    assert.equal(onOwner.url, owner);
    onOwner.open();
    const join = onOwner.join();
    assert.ok(join.body.case === "join");
    assert.deepEqual([join.body.value.resume?.epoch, join.body.value.resume?.lastSeq], ["e1", 1n]);
    welcome(onOwner, { recovered: true });
    assert.equal(client.state, "connected");
    assert.deepEqual(onOwner.commands().map((m) => m.requestId), [sent.requestId]);
    onOwner.deliver(chatEvent(2n, "in flight", "u-ben"), { body: { case: "ack", value: { requestId: sent.requestId, seq: 2n } } });
    assert.deepEqual(await said, { ok: true, seq: 2n });
  });

  test("nodes that keep redirecting: connect() rejects after maxRedirects, without looping", async () => {
    const net = new FakeNetwork();
    const client = new MaptableClient({ url: "ws://example.invalid/v1/ws", roomId: "harbour", token: "t", webSocket: net.factory, maxRedirects: 2 });
    const connected = client.connect();
    for (let n = 0; n < 3; n++) {
      const socket = await net.socket(n);
      socket.open();
      redirect(socket, n % 2 ? configured : owner);
    }
    await assert.rejects(connected, (e: unknown) => e instanceof MaptableError && /redirects in a row/.test(e.message));
    assert.equal(client.state, "closed");
    assert.equal(net.sockets.length, 3);
    assert.equal(net.sockets[2].closedByClient, 1000);
  });

  test("a Redirect once joined is ignored", async () => {
    const { net, client, socket } = await joined();
    socket.deliver({ body: { case: "redirect", value: { requestId: 0n, url: owner } } });
    assert.equal(net.sockets.length, 1);
    assert.equal(client.state, "connected");
  });
});
