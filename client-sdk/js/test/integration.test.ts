// The SDK against a real maptable-server (MAPTABLE_SERVER_BINARY): joining,
// commands and refusals, replicas that converge, a resume after a dropped
// connection, exactly-once delivery of commands sent offline or whose ack was
// lost, view requests. Skipped when no server binary is given.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { MaptableClient } from "../src/client.js";
import type { ClientOptions } from "../src/connection.js";
import { ErrorCode, FeatureKind, type ClientMessage, type Viewport } from "../src/proto.js";
import { MaptableError, type CommandResult } from "../src/results.js";
import { nextEmit, nextWelcome, waitForSeq, waitForState } from "./helpers.js";
import { plainWebSocket, TestNetwork } from "./network.js";
import { serverBinary, ServerProcess } from "./server_process.js";

const skip = serverBinary ? false : "MAPTABLE_SERVER_BINARY is not set (CTest sets it to the built maptable-server)";

function point(id: string, lon: number, lat: number, title: string) {
  return { id, title, geometry: { kind: FeatureKind.POINT, positions: [{ lon, lat }] } };
}

// A result for an assertion message.
function show(result: CommandResult): string {
  return result.ok ? `ok, seq ${result.seq}` : `${ErrorCode[result.code]}: ${result.message}`;
}

function chatCount(client: MaptableClient, text: string): number {
  return client.replica.state.recentChat.filter((m) => m.text === text).length;
}

describe("the SDK against a real maptable-server", { skip }, () => {
  let server: ServerProcess;
  const clients: MaptableClient[] = [];

  before(async () => {
    server = await ServerProcess.start();
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
  });

  function client(room: string, name: string, role: "facilitator" | "participant" | "observer", options: Partial<ClientOptions> = {}) {
    const c = new MaptableClient({ url: server.url, roomId: room, token: server.token(room, name, role), webSocket: plainWebSocket, ...options });
    clients.push(c);
    return c;
  }

  test("two clients join; one adds a feature and chats; the other's replica has both, and the replicas are equal", async () => {
    const ana = client("js-collab", "Ana", "facilitator");
    const ben = client("js-collab", "Ben", "participant");
    const welcome = await ana.connect();
    assert.equal(welcome.recovered, false);
    assert.equal(ana.state, "connected");
    await ben.connect();
    assert.equal(ben.me?.name, "Ben");

    const added = await ben.addFeature(point("f-bench", 18.4231, -33.9249, "Bench ☀"));
    assert.ok(added.ok, show(added));
    // The ack comes after the event: the sender's replica has it already.
    assert.equal(ben.replica.findFeature("f-bench")?.title, "Bench ☀");
    const said = await ben.sendChat("Look at the bench — ünïcödé", { featureId: "f-bench" });
    assert.ok(said.ok);
    assert.equal(said.seq, added.seq + 1n);
    assert.equal(ben.pendingCount, 0);

    await waitForSeq(ana, said.seq);
    const feature = ana.replica.findFeature("f-bench");
    assert.equal(feature?.authorName, "Ben");
    assert.deepEqual(feature?.geometry?.positions.map((p) => [p.lon, p.lat]), [[18.4231, -33.9249]]);
    const message = ana.replica.findChat(said.seq);
    assert.equal(message?.text, "Look at the bench — ünïcödé");
    assert.equal(message?.featureId, "f-bench");
    assert.equal(await ana.replica.canonicalHash(), await ben.replica.canonicalHash());
    assert.ok(ana.online.some((p) => p.name === "Ben"));
  });

  test("a refused command resolves with the server's code and leaves nothing pending", async () => {
    const dan = client("js-refusals", "Dan", "observer");
    const ben = client("js-refusals", "Ben", "participant");
    await dan.connect();
    await ben.connect();
    const denied = await dan.addFeature(point("f-1", 1, 1, "mine"));
    assert.equal(denied.ok, false);
    assert.equal(!denied.ok && denied.code, ErrorCode.PERMISSION_DENIED);
    const badId = await ben.addFeature(point("not an id!", 1, 1, "x"));
    assert.equal(!badId.ok && badId.code, ErrorCode.INVALID_ID);
    const badLat = await ben.addFeature(point("f-2", 1, 91, "x"));
    assert.equal(!badLat.ok && badLat.code, ErrorCode.INVALID_COORDINATE);
    assert.ok(!badLat.ok && badLat.message.includes("lat"), "the message says what was wrong");
    assert.equal(ben.pendingCount, 0);
    assert.equal(ben.seq, 0n);
  });

  test("a refused join rejects connect() with the server's code and closes for good", async () => {
    const c = new MaptableClient({ url: server.url, roomId: "js-other-room", token: server.token("js-a-room", "Eve", "participant"), webSocket: plainWebSocket });
    clients.push(c);
    await assert.rejects(c.connect(), (e: unknown) => e instanceof MaptableError && e.code === ErrorCode.TOKEN_WRONG_ROOM);
    assert.equal(c.state, "closed");
    const after = await c.sendChat("anyone?");
    assert.equal(!after.ok && after.code, ErrorCode.UNSPECIFIED);
  });

  test("offline: a command sent while the network is down arrives exactly once, and the missed events come with the resume", async () => {
    const net = new TestNetwork();
    const ana = client("js-offline", "Ana", "facilitator");
    const ben = client("js-offline", "Ben", "participant", { webSocket: net.factory, reconnectInitialDelayMs: 10, reconnectMaxDelayMs: 40 });
    await ana.connect();
    await ben.connect();
    const pendingCounts: number[] = [];
    ben.on("pendingCount", (n) => pendingCounts.push(n));

    net.offline = true;
    ben.dropConnection();
    assert.equal(ben.state, "reconnecting");
    const offline = ben.sendChat("sent while offline");
    assert.equal(ben.pendingCount, 1);
    const missed = await ana.sendChat("said while Ben was offline");
    assert.ok(missed.ok);

    await net.attempted(net.attempts + 2);   // it keeps trying while offline
    const welcomed = nextWelcome(ben);
    net.offline = false;
    const sent = await offline;
    assert.ok(sent.ok, show(sent));
    assert.equal(await welcomed, true, "the resume kept the replica (recovered)");
    assert.deepEqual(pendingCounts, [1, 0]);

    await waitForSeq(ben, missed.seq > sent.seq ? missed.seq : sent.seq);
    await waitForSeq(ana, sent.seq);
    for (const c of [ana, ben]) {
      assert.equal(chatCount(c, "sent while offline"), 1);
      assert.equal(chatCount(c, "said while Ben was offline"), 1);
    }
    assert.equal(await ana.replica.canonicalHash(), await ben.replica.canonicalHash());
  });

  test("a command whose ack was lost with the connection is resent with its original request id and applied once", async () => {
    const net = new TestNetwork();
    const ana = client("js-lost-ack", "Ana", "facilitator");
    const ben = client("js-lost-ack", "Ben", "participant", { webSocket: net.factory, reconnectInitialDelayMs: 10, reconnectMaxDelayMs: 40 });
    await ana.connect();
    await ben.connect();

    net.loseNextAck = true;
    const result = await ben.sendChat("my ack was lost");
    assert.ok(result.ok, show(result));
    assert.equal(net.lostAcks, 1);
    const sends = net.sent.filter((m: ClientMessage) => m.body.case === "sendChat" && m.body.value.text === "my ack was lost");
    assert.equal(sends.length, 2, "sent, then resent after the resume");
    assert.equal(sends[0].requestId, sends[1].requestId);
    const joins = net.sent.filter((m) => m.body.case === "join");
    assert.equal(joins.length, 2);
    assert.ok(joins[1].body.case === "join" && joins[1].body.value.resume?.epoch === ben.epoch);

    await waitForSeq(ana, result.seq);
    for (const c of [ana, ben]) {
      assert.equal(chatCount(c, "my ack was lost"), 1);
      assert.equal(c.replica.findChat(result.seq)?.text, "my ack was lost");
    }
    assert.equal(ana.seq, result.seq, "no second event");
  });

  test("an agenda step with a view and a shared view ask the others' maps to move", async () => {
    const ana = client("js-views", "Ana", "facilitator");
    const ben = client("js-views", "Ben", "participant");
    await ana.connect();
    await ben.connect();
    const anasViews: Viewport[] = [];
    ana.onViewRequest((v) => anasViews.push(v));

    const set = await ana.setAgenda([{ id: "s-1", title: "Intro", view: { center: { lon: 18.42, lat: -33.92 }, zoom: 14 }, timerSeconds: 60 }]);
    assert.ok(set.ok);
    const stepView = nextEmit<Viewport>((l) => ben.onViewRequest(l), "the step's view");
    assert.ok((await ana.openAgendaStep("s-1")).ok);
    const v = await stepView;
    assert.deepEqual([v.southWest?.lon, v.southWest?.lat, v.northEast?.lon, v.northEast?.lat, v.zoom], [18.42, -33.92, 18.42, -33.92, 14]);
    assert.equal(ben.replica.state.currentStep, "s-1");
    assert.ok(ben.timerRemainingMs() > 0 && ben.timerRemainingMs() <= 60_000);

    const shared = nextEmit<Viewport>((l) => ben.onViewRequest(l), "the shared view");
    const share = await ana.shareView({ southWest: { lon: 1, lat: 2 }, northEast: { lon: 3, lat: 4 }, zoom: 9 });
    assert.ok(share.ok);
    assert.equal((await shared).zoom, 9);
    await waitForSeq(ana, share.seq);
    assert.equal(anasViews.filter((x) => x.zoom === 9).length, 0, "not for one's own share");
  });

  test("chat history and the state at a seq come from the server's log", async () => {
    const ben = client("js-history", "Ben", "participant");
    await ben.connect();
    const first = await ben.sendChat("one");
    const second = await ben.sendChat("two");
    assert.ok(first.ok && second.ok);
    const page = await ben.chatHistory(0n, 10);
    assert.ok(page.ok);
    assert.deepEqual(page.ok && page.messages.map((m) => m.text), ["one", "two"]);
    const then = await ben.stateAtSeq(first.seq);
    assert.ok(then.ok);
    assert.equal(then.ok && then.state.seq, first.seq);
    assert.equal(then.ok && then.state.state.recentChat.length, 1);
    const future = await ben.stateAtSeq(999n);
    assert.equal(!future.ok && future.code, ErrorCode.SEQ_OUT_OF_RANGE);
  });

  test("disconnect() closes for good: later commands fail at once", async () => {
    const ben = client("js-bye", "Ben", "participant");
    await ben.connect();
    ben.disconnect();
    await waitForState(ben, "closed");
    const late = await ben.sendChat("too late");
    assert.equal(!late.ok && late.code, ErrorCode.UNSPECIFIED);
    assert.equal(ben.closed?.code, 1000);
  });
});
