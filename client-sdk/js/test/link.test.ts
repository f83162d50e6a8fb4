// The connection's decisions without a socket: events fed to
// ConnectionMachine and the actions it returns, rule by rule (the same
// cases as the C++ SDK's tests/unit/sdk/connection_state_test.cpp).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { CLOSE_ROOM_MOVED, ConnectionMachine, type LinkAction } from "../src/link.js";
import { PendingQueue, verdictFor, type Outgoing } from "../src/pending.js";
import { ErrorCode, type ClientMessage } from "../src/proto.js";

const configured = "ws://proxy.example:8080/v1/ws?room=harbour";
const owner = "ws://node-b.example:8080/v1/ws?room=harbour";

function machine(options: { reconnect?: boolean; maxRedirects?: number } = {}) {
  return new ConnectionMachine({
    url: configured,
    reconnect: options.reconnect ?? true,
    initialDelayMs: 200,
    maxDelayMs: 10_000,
    maxRedirects: options.maxRedirects ?? 4,
    random: () => 1,
  });
}

function joined(options: { reconnect?: boolean } = {}) {
  const m = machine(options);
  assert.equal(m.on({ kind: "start" }).kind, "connect");
  assert.equal(m.on({ kind: "opened" }).kind, "sendJoin");
  assert.equal(m.on({ kind: "welcome" }).kind, "none");
  return m;
}

function delay(action: LinkAction): number {
  assert.equal(action.kind, "schedule");
  return action.kind === "schedule" ? action.delayMs : -1;
}

describe("the connection machine", () => {
  test("connect() opens the configured url, the open socket sends the Join, the Welcome joins", () => {
    const m = machine();
    assert.equal(m.acceptsRequests, false);
    assert.deepEqual(m.on({ kind: "start" }), { kind: "connect", url: configured });
    assert.equal(m.publicState, "connecting");
    assert.equal(m.acceptsRequests, true);
    assert.deepEqual(m.on({ kind: "opened" }), { kind: "sendJoin" });
    m.on({ kind: "welcome" });
    assert.equal(m.state, "joined");
    assert.equal(m.publicState, "connected");
  });

  test("the first connection failing is final; a refused join is final with the server's code", () => {
    const m = machine();
    m.on({ kind: "start" });
    const a = m.on({ kind: "openFailed", reason: "cannot connect" });
    assert.equal(a.kind, "giveUp");
    assert.equal(m.state, "closed");

    const n = machine();
    n.on({ kind: "start" });
    n.on({ kind: "opened" });
    const refused = n.on({ kind: "joinRefused", code: ErrorCode.TOKEN_EXPIRED, message: "the token expired" });
    assert.deepEqual(refused, { kind: "giveUp", code: 1008, reason: "the token expired", message: "the token expired", error: ErrorCode.TOKEN_EXPIRED });
  });

  test("backoff doubles up to the cap and a Welcome resets it", () => {
    const m = joined();
    const delays = [delay(m.on({ kind: "closed", code: 1001, reason: "" }))];
    for (let i = 0; i < 7; i++) {
      assert.equal(m.on({ kind: "timer" }).kind, "connect");
      delays.push(delay(m.on({ kind: "openFailed", reason: "refused" })));
    }
    assert.deepEqual(delays, [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
    assert.equal(m.publicState, "reconnecting");
    m.on({ kind: "timer" });
    m.on({ kind: "opened" });
    m.on({ kind: "welcome" });
    assert.equal(delay(m.on({ kind: "closed", code: 0, reason: "" })), 200);
  });

  test("1003, 1008, 1009 are final; 1001, 1011, 1013 and a drop back off", () => {
    for (const code of [1003, 1008, 1009]) {
      const m = joined();
      assert.equal(m.on({ kind: "closed", code, reason: "" }).kind, "giveUp", `close ${code}`);
    }
    for (const code of [1001, 1011, 1013, 0]) {
      const m = joined();
      assert.equal(delay(m.on({ kind: "closed", code, reason: "" })), 200, `close ${code}`);
      assert.equal(m.willResume, true);
    }
  });

  test("4001 rejoins at once through the configured url, without a backoff step; with reconnect off it is final", () => {
    const m = joined();
    assert.deepEqual(m.on({ kind: "closed", code: CLOSE_ROOM_MOVED, reason: "room moved" }), { kind: "connect", url: configured });
    assert.equal(m.publicState, "reconnecting");
    assert.equal(m.attempt, 0);
    const off = joined({ reconnect: false });
    assert.equal(off.on({ kind: "closed", code: CLOSE_ROOM_MOVED, reason: "room moved" }).kind, "giveUp");
  });

  test("a Redirect answering the Join connects to its url; once joined a Redirect is ignored", () => {
    const m = machine();
    m.on({ kind: "start" });
    m.on({ kind: "opened" });
    assert.deepEqual(m.on({ kind: "redirect", url: owner }), { kind: "connect", url: owner });
    assert.equal(m.state, "redirected");
    assert.equal(m.endpoint, owner);
    assert.equal(m.on({ kind: "opened" }).kind, "sendJoin");
    m.on({ kind: "welcome" });
    assert.equal(m.on({ kind: "redirect", url: "ws://elsewhere.example/" }).kind, "none");
    assert.equal(m.endpoint, owner);
    // A drop later starts again from the configured url.
    m.on({ kind: "closed", code: 0, reason: "" });
    assert.deepEqual(m.on({ kind: "timer" }), { kind: "connect", url: configured });
  });

  test("a redirect loop stops after maxRedirects with an error; a Welcome resets the count", () => {
    const m = machine({ maxRedirects: 3 });
    m.on({ kind: "start" });
    for (let hop = 0; hop < 3; hop++) {
      m.on({ kind: "opened" });
      assert.equal(m.on({ kind: "redirect", url: owner }).kind, "connect");
    }
    m.on({ kind: "opened" });
    const a = m.on({ kind: "redirect", url: owner });
    assert.equal(a.kind, "giveUp");
    assert.match(a.kind === "giveUp" ? a.message : "", /redirects in a row/);

    const n = machine({ maxRedirects: 3 });
    n.on({ kind: "start" });
    for (let round = 0; round < 3; round++) {
      for (let hop = 0; hop < 2; hop++) {
        n.on({ kind: "opened" });
        assert.equal(n.on({ kind: "redirect", url: owner }).kind, "connect");
      }
      n.on({ kind: "opened" });
      n.on({ kind: "welcome" });
      assert.equal(n.on({ kind: "closed", code: CLOSE_ROOM_MOVED, reason: "" }).kind, "connect");
    }
  });

  test("during a takeover, redirects to an owner that is down back off and are followed again after each backoff", () => {
    const m = joined();
    delay(m.on({ kind: "closed", code: 0, reason: "the owner died" }));
    for (let round = 0; round < 10; round++) {
      assert.equal(m.on({ kind: "timer" }).kind, "connect");
      m.on({ kind: "opened" });
      assert.equal(m.on({ kind: "redirect", url: owner }).kind, "connect", `round ${round}`);
      assert.equal(m.on({ kind: "openFailed", reason: "cannot connect" }).kind, "schedule");
    }
    m.on({ kind: "timer" });
    m.on({ kind: "opened" });
    m.on({ kind: "welcome" });
    assert.equal(m.state, "joined");
  });

  test("a client configured with wss:// refuses a Redirect to ws://: the Join carries the token", () => {
    const m = new ConnectionMachine({ url: "wss://proxy.example/v1/ws?room=harbour", reconnect: true, initialDelayMs: 200, maxDelayMs: 10_000, maxRedirects: 4, random: () => 1 });
    m.on({ kind: "start" });
    m.on({ kind: "opened" });
    const a = m.on({ kind: "redirect", url: owner });
    assert.equal(a.kind, "giveUp");
    assert.match(a.kind === "giveUp" ? a.message : "", /unencrypted/);
  });

  test("disconnect ends the client at once; before connect() it reports nothing; stray timers change nothing", () => {
    const m = joined();
    assert.equal(m.on({ kind: "userClose" }).kind, "giveUp");
    assert.equal(m.on({ kind: "timer" }).kind, "none");
    assert.equal(m.on({ kind: "closed", code: 1000, reason: "" }).kind, "none");
    const idle = machine();
    assert.equal(idle.on({ kind: "userClose" }).kind, "none");
    assert.equal(idle.state, "closed");
  });

  test("a restored session retries a first connection that fails instead of ending", () => {
    const m = machine();
    m.markRestored();
    m.on({ kind: "start" });
    assert.equal(delay(m.on({ kind: "openFailed", reason: "offline" })), 200);
    assert.equal(m.publicState, "reconnecting");
  });
});

describe("pending requests", () => {
  function command(id: bigint, settled: string[]): Outgoing {
    return {
      kind: "command",
      message: { requestId: id } as ClientMessage,
      bytes: new Uint8Array([Number(id)]),
      settle: (r) => settled.push(`${id}:${r.ok ? "ok" : r.code}`),
    };
  }

  test("an error fails its request unless the room was unavailable and the client will resume", () => {
    const settled: string[] = [];
    const q = new PendingQueue();
    q.add(1n, command(1n, settled));
    q.add(2n, command(2n, settled));
    assert.equal(q.onError(1n, ErrorCode.LOCKED, true), "failed");
    assert.equal(q.onError(2n, ErrorCode.ROOM_UNAVAILABLE, true), "keep");
    assert.equal(q.onError(0n, ErrorCode.MALFORMED_MESSAGE, true), "unknown");
    assert.equal(q.onError(9n, ErrorCode.LOCKED, true), "unknown");
    assert.deepEqual(settled, [`1:${ErrorCode.LOCKED}`]);
    assert.deepEqual(q.all().map((o) => o.message.requestId), [2n]);
    assert.equal(verdictFor(ErrorCode.ROOM_UNAVAILABLE, false), "failed");
  });

  test("past its capacity a request is refused and not kept", () => {
    const settled: string[] = [];
    const q = new PendingQueue(() => {}, 2);
    assert.ok(q.add(1n, command(1n, settled)));
    assert.ok(q.add(2n, command(2n, settled)));
    assert.equal(q.add(3n, command(3n, settled)), false);
    assert.equal(q.size, 2);
    q.take(1n);
    assert.ok(q.add(3n, command(3n, settled)));
    assert.deepEqual(q.all().map((o) => o.message.requestId), [2n, 3n]);
  });
});
