// What outlives a client object: the room in the url it opens, and the
// session store (client id, request ids, unanswered commands, replica) that
// lets a reloaded page resend its offline edits exactly once. Scripted
// sockets, no server.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { fromBinary } from "@bufbuild/protobuf";

import { MaptableClient } from "../src/client.js";
import { urlWithRoom } from "../src/connection.js";
import { ClientMessageSchema, Role } from "../src/proto.js";
import { MemorySessionStore } from "../src/session_store.js";
import { MAX_MESSAGE_BYTES, wsPackageFactory } from "../src/transport.js";
import { FakeNetwork, type FakeSocket } from "./fake_socket.js";

const me = { id: "u-ben", name: "Ben", role: Role.PARTICIPANT };

function client(net: FakeNetwork, store: MemorySessionStore, roomId = "harbour", url = "ws://example.invalid/v1/ws") {
  return new MaptableClient({
    url,
    roomId,
    token: "a.b.c",
    webSocket: net.factory,
    reconnectInitialDelayMs: 1,
    reconnectMaxDelayMs: 4,
    random: () => 0,
    store,
  });
}

function welcome(socket: FakeSocket, options: { seq?: bigint; recovered?: boolean } = {}) {
  socket.deliver({
    body: {
      case: "welcome",
      value: {
        requestId: socket.join().requestId,
        state: options.recovered ? undefined : { info: { id: "harbour", title: "Harbour" }, seq: options.seq ?? 0n },
        you: me,
        online: [me],
        protocolVersion: 1,
        epoch: "e1",
        recovered: options.recovered ?? false,
      },
    },
  });
}

function persisted(c: MaptableClient, count: number): Promise<void> {
  return new Promise((done) => {
    const off = c.on("persisted", (n) => {
      if (n !== count) return;
      off();
      done();
    });
  });
}

describe("the url", () => {
  test("carries the room, url-encoded, so a proxy can route by it", async () => {
    const net = new FakeNetwork();
    void client(net, new MemorySessionStore(), "harbour 2/ä").connect().catch(() => {});
    const socket = await net.socket(0);
    assert.equal(socket.url, "ws://example.invalid/v1/ws?room=harbour%202%2F%C3%A4");
  });

  test("keeps a query it has, and a room it names", () => {
    assert.equal(urlWithRoom("wss://h:1/v1/ws?x=1", "r"), "wss://h:1/v1/ws?x=1&room=r");
    assert.equal(urlWithRoom("wss://h:1/v1/ws?room=other", "r"), "wss://h:1/v1/ws?room=other");
  });

  test("the ws package's WebSocket is made with a 256 MiB message limit", () => {
    const made: Array<{ url: string; maxPayload: number }> = [];
    class Recorder {
      constructor(url: string, options: { maxPayload: number }) {
        made.push({ url, maxPayload: options.maxPayload });
      }
    }
    wsPackageFactory(Recorder)("ws://h/v1/ws?room=r");
    assert.deepEqual(made, [{ url: "ws://h/v1/ws?room=r", maxPayload: 256 * 1024 * 1024 }]);
    assert.equal(MAX_MESSAGE_BYTES, 256 * 1024 * 1024);
  });
});

describe("the session store", () => {
  test("a new client object takes over the unsent commands: same client id, same request ids, resumed from the saved replica", async () => {
    const store = new MemorySessionStore();
    const net = new FakeNetwork();
    const first = client(net, store);
    const connected = first.connect();
    const socket = await net.socket(0);
    socket.open();
    welcome(socket, { seq: 5n });
    await connected;
    // Offline: the commands wait, and are in the store.
    socket.serverClose(1006);
    void first.sendChat("said offline");
    void first.addFeature({ id: "f-offline", title: "Drawn offline" });
    await persisted(first, 2);
    const sentIds = first.pendingCommands.map((m) => m.requestId);
    const clientId = first.clientId;
    first.clearListeners();

    // The page reloads while the server is still down.
    const net2 = new FakeNetwork();
    const second = client(net2, store);
    assert.notEqual(second.clientId, clientId);
    assert.equal(await second.restore(), true);
    assert.equal(second.clientId, clientId);
    assert.deepEqual(second.pendingCommands.map((m) => m.requestId), sentIds);
    assert.equal(second.replica.state.info.title, "Harbour", "the room shows at once");
    assert.equal(second.seq, 5n);
    const joined = second.connect();
    // The first connection fails: with a restored session that is not the end.
    (await net2.socket(0)).serverClose(1006);
    assert.equal(second.state, "reconnecting");
    const back = await net2.socket(1);
    back.open();
    const join = back.join();
    assert.ok(join.body.case === "join");
    assert.equal(join.body.value.clientId, clientId);
    assert.deepEqual([join.body.value.resume?.epoch, join.body.value.resume?.lastSeq], ["e1", 5n]);
    assert.ok(sentIds.every((id) => join.requestId > id), "no request id is used twice under the client id");
    welcome(back, { recovered: true });
    await joined;
    assert.deepEqual(back.commands().map((m) => m.requestId), sentIds);
    assert.deepEqual(back.commands().map((m) => m.body.case), ["sendChat", "addFeature"]);

    // Answered: nothing is left in the store.
    const emptied = persisted(second, 0);
    back.deliver(
      { body: { case: "ack", value: { requestId: sentIds[0], seq: 6n } } },
      { body: { case: "ack", value: { requestId: sentIds[1], seq: 7n } } },
    );
    await emptied;
    assert.equal(second.pendingCount, 0);
    assert.deepEqual((await store.loadCommands("harbour"))?.pending, []);
  });

  test("the saved commands are the encoded messages in the order issued, with the next request id", async () => {
    const store = new MemorySessionStore();
    const net = new FakeNetwork();
    const c = client(net, store);
    const connected = c.connect();
    const socket = await net.socket(0);
    socket.open();
    welcome(socket);
    await connected;
    void c.sendChat("one");
    void c.sendChat("two");
    await persisted(c, 2);
    const saved = await store.loadCommands("harbour");
    assert.ok(saved);
    const messages = saved.pending.map((b) => fromBinary(ClientMessageSchema, b));
    assert.deepEqual(messages.map((m) => (m.body.case === "sendChat" ? m.body.value.text : "")), ["one", "two"]);
    assert.ok(saved.nextRequestId > messages[1].requestId);
    assert.equal(saved.clientId, c.clientId);
  });

  test("nothing saved: restore() is false, and a first connection that fails still rejects connect()", async () => {
    const net = new FakeNetwork();
    const c = client(net, new MemorySessionStore());
    assert.equal(await c.restore(), false);
    const connected = c.connect();
    (await net.socket(0)).serverClose(1006);
    await assert.rejects(connected);
    assert.equal(c.state, "closed");
  });

  test("a store per room: another room's commands are not taken", async () => {
    const store = new MemorySessionStore();
    await store.saveCommands("other", { clientId: "c-x", nextRequestId: 10n, pending: [new Uint8Array([8, 1])] });
    const c = client(new FakeNetwork(), store);
    assert.equal(await c.restore(), false);
    assert.equal(c.pendingCount, 0);
    assert.notEqual(c.clientId, "c-x");
  });
});
