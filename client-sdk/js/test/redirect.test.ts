// The SDK when the room lives on another node, against a real
// maptable-server (MAPTABLE_SERVER_BINARY) as the owner: a client that
// reaches a node not owning the room is redirected, ends joined on the owner
// and writes there; one whose node loses the room (4001) rejoins at once
// through its configured url and lands on the owner. The node that does not
// own the room is a stand-in here (a WebSocket listener answering as such a
// node does), so the SDK's side is tested whatever the cluster's state.
// Skipped when no server binary is given.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { WebSocketServer, type WebSocket } from "ws";

import { MaptableClient } from "../src/client.js";
import { ClientMessageSchema, FeatureKind, ServerFrameSchema, type ClientMessage, type ServerMessageSchema } from "../src/proto.js";
import { nextWelcome } from "./helpers.js";
import { plainWebSocket } from "./network.js";
import { serverBinary, ServerProcess } from "./server_process.js";

const skip = serverBinary ? false : "MAPTABLE_SERVER_BINARY is not set (CTest sets it to the built maptable-server)";

type Answer = (connection: number, join: ClientMessage) => MessageInitShape<typeof ServerMessageSchema>;

// For each connection: reads the Join, records it, answers with `answer`,
// then closes with 4001 "room moved", as a node does after a Redirect or on
// losing the room.
class StandInNode {
  readonly joins: ClientMessage[] = [];
  private readonly server: WebSocketServer;
  private connections = 0;

  private constructor(server: WebSocketServer, answer: Answer) {
    this.server = server;
    server.on("connection", (socket: WebSocket) => {
      const n = this.connections++;
      socket.once("message", (data: Buffer) => {
        const join = fromBinary(ClientMessageSchema, new Uint8Array(data));
        this.joins.push(join);
        socket.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, { messages: [answer(n, join)] })));
        socket.close(4001, "room moved");
      });
    });
  }

  static async start(answer: Answer): Promise<StandInNode> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    return new StandInNode(server, answer);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/ws`;
  }

  close(): Promise<void> {
    for (const socket of this.server.clients) socket.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function redirectTo(url: string, join: ClientMessage): MessageInitShape<typeof ServerMessageSchema> {
  const roomId = join.body.case === "join" ? join.body.value.roomId : "";
  return { body: { case: "redirect", value: { requestId: join.requestId, url, roomId, reason: "the room is owned by another node" } } };
}

function point(id: string) {
  return { id, geometry: { kind: FeatureKind.POINT, positions: [{ lon: 18.42, lat: -33.92 }] } };
}

describe("the room on another node, against a real maptable-server", { skip }, () => {
  let owner: ServerProcess;
  const clients: MaptableClient[] = [];
  const nodes: StandInNode[] = [];

  before(async () => {
    owner = await ServerProcess.start();
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    for (const n of nodes) await n.close();
    await owner?.stop();
  });

  function client(url: string, room: string, name: string) {
    const c = new MaptableClient({ url, roomId: room, token: owner.token(room, name), webSocket: plainWebSocket });
    clients.push(c);
    return c;
  }

  test("a client that reaches a node not owning the room follows the Redirect, joins the owner and writes there", async () => {
    const ownerUrl = `${owner.url}?room=js-moved`;
    const other = await StandInNode.start((_, join) => redirectTo(ownerUrl, join));
    nodes.push(other);
    const ana = client(other.url, "js-moved", "Ana");
    await ana.connect();
    assert.equal(ana.state, "connected");
    assert.equal(ana.endpoint, ownerUrl);
    assert.equal(other.joins.length, 1);
    const join = other.joins[0];
    assert.ok(join.body.case === "join");
    assert.equal(join.body.value.clientId, ana.clientId);

    const added = await ana.addFeature(point("f-moved"));
    assert.ok(added.ok);
    const ben = client(owner.url, "js-moved", "Ben");
    await ben.connect();
    assert.ok(ben.replica.state.features.has("f-moved"), "the write landed on the owner");
  });

  test("a 4001 room-moved close rejoins at once through the configured url, and its Redirect leads to the owner", async () => {
    const ownerUrl = `${owner.url}?room=js-lost`;
    // Connection 0 owns the room, welcomes, then loses it; after that the room is elsewhere.
    const node = await StandInNode.start((n, join) =>
      n > 0
        ? redirectTo(ownerUrl, join)
        : {
            body: {
              case: "welcome",
              value: { requestId: join.requestId, state: { info: { id: "js-lost" } }, epoch: "e-old-owner", protocolVersion: 1 },
            },
          },
    );
    nodes.push(node);
    const ana = new MaptableClient({
      url: node.url,
      roomId: "js-lost",
      token: owner.token("js-lost", "Ana"),
      webSocket: plainWebSocket,
      // A backoff this long would outlast the test: the rejoin must not wait for it.
      reconnectInitialDelayMs: 3_600_000,
      reconnectMaxDelayMs: 3_600_000,
    });
    clients.push(ana);
    const onOwner = nextWelcome(ana).then(() => nextWelcome(ana));
    await ana.connect();
    await onOwner;
    assert.equal(ana.state, "connected");
    assert.equal(ana.endpoint, ownerUrl);
    assert.notEqual(ana.epoch, "e-old-owner");
    assert.equal(node.joins.length, 2);
    const rejoin = node.joins[1];
    assert.ok(rejoin.body.case === "join");
    assert.equal(rejoin.body.value.resume?.epoch, "e-old-owner", "the rejoin resumes from what the client had");

    const added = await ana.addFeature(point("f-after-move"));
    assert.ok(added.ok);
  });
});
