// The small pieces: the reconnect schedule, request ids, the timer and view helpers, the orderings.
import assert from "node:assert/strict";
import { test } from "node:test";

import { create } from "@bufbuild/protobuf";

import { reconnectDelayMs } from "../src/backoff.js";
import { EventSchema, MapViewSchema, TimerSchema } from "../src/proto.js";
import { compareUtf8, partitionPoint } from "../src/replica/order.js";
import { RoomReplica } from "../src/replica/replica.js";
import { RequestIds } from "../src/request_ids.js";
import { remainingMs, viewportOf } from "../src/views.js";

test("the reconnect delay doubles from the initial delay, is capped, and jitters within [delay/2, delay]", () => {
  assert.equal(reconnectDelayMs(0, 200, 10_000, () => 0), 100);
  assert.equal(reconnectDelayMs(0, 200, 10_000, () => 1), 200);
  assert.equal(reconnectDelayMs(3, 200, 10_000, () => 1), 1600);
  assert.equal(reconnectDelayMs(10, 200, 10_000, () => 1), 10_000);
  assert.equal(reconnectDelayMs(10, 200, 10_000, () => 0), 5_000);
  assert.equal(reconnectDelayMs(1_000, 200, 10_000, () => 0.5), 7_500, "no overflow for many attempts");
});

test("request ids start from the clock (ms x 1024) and never repeat", () => {
  const ids = new RequestIds(1_700_000_000_000);
  const first = ids.take();
  assert.equal(first, 1_700_000_000_000n * 1024n);
  assert.equal(ids.take(), first + 1n);
  assert.ok(new RequestIds().take() > first, "a later client object starts later");
});

test("a timer's remaining time counts down only while it runs, never below 0", () => {
  const running = create(TimerSchema, { durationMs: 60_000n, running: true, startedAtMs: 1_000n, remainingMs: 60_000n });
  assert.equal(remainingMs(running, 11_000), 50_000);
  assert.equal(remainingMs(running, 100_000), 0);
  assert.equal(remainingMs(running, 990), 60_000);   // a clock estimated behind the start: no time passed
  const paused = create(TimerSchema, { durationMs: 60_000n, running: false, startedAtMs: 1_000n, remainingMs: 42_000n });
  assert.equal(remainingMs(paused, 100_000), 42_000);
});

test("an agenda step's view becomes a viewport: its bounds, or both corners at the centre", () => {
  const centred = viewportOf(create(MapViewSchema, { center: { lon: 18.4, lat: -33.9 }, zoom: 14 }));
  assert.deepEqual([centred.southWest?.lon, centred.northEast?.lat, centred.zoom], [18.4, -33.9, 14]);
  const bounded = viewportOf(
    create(MapViewSchema, { center: { lon: 0, lat: 0 }, zoom: 3, bounds: { southWest: { lon: 1, lat: 2 }, northEast: { lon: 3, lat: 4 } } }),
  );
  assert.deepEqual([bounded.southWest?.lon, bounded.southWest?.lat, bounded.northEast?.lon, bounded.northEast?.lat], [1, 2, 3, 4]);
  const noCorner = viewportOf(create(MapViewSchema, { bounds: { northEast: { lon: 3, lat: 4 } } }));
  assert.deepEqual([noCorner.southWest?.lon, noCorner.southWest?.lat], [0, 0], "a missing corner is (0, 0), as in C++");
});

test("strings order as UTF-8 bytes (std::string), not as UTF-16 code units", () => {
  assert.ok(compareUtf8("a", "b") < 0);
  assert.ok(compareUtf8("ab", "a") > 0);
  assert.ok(compareUtf8("B", "a") < 0);
  // U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16.
  assert.ok("\uFFFD" > "😀");
  assert.ok(compareUtf8("\uFFFD", "😀") < 0);
  assert.equal(compareUtf8("é", "é"), 0);
});

test("partitionPoint is std::lower_bound's search", () => {
  const seqs = [1, 3, 5, 7];
  assert.equal(partitionPoint(seqs, (s) => s < 0), 0);
  assert.equal(partitionPoint(seqs, (s) => s < 5), 2);
  assert.equal(partitionPoint(seqs, (s) => s < 6), 3);
  assert.equal(partitionPoint(seqs, (s) => s < 100), 4);
  assert.equal(partitionPoint([], () => true), 0);
});

test("the replica follows the room's base map: set, kept by other info changes, back to the default with \"\"", () => {
  const replica = new RoomReplica("harbour");
  const infoChanged = (seq: bigint, change: Record<string, unknown>) =>
    create(EventSchema, { seq, body: { case: "roomInfoChanged", value: change } });
  assert.equal(replica.apply(infoChanged(1n, { baseMap: "satellite" })), true);
  assert.equal(replica.state.info.baseMap, "satellite");
  assert.equal(replica.apply(infoChanged(2n, { title: "Harbour" })), true);
  assert.equal(replica.state.info.baseMap, "satellite", "a change that does not name the base map keeps it");
  assert.equal(replica.apply(infoChanged(3n, { baseMap: "" })), true);
  assert.equal(replica.state.info.baseMap, "");
  // The default base map encodes to nothing, as before the field existed.
  const titled = new RoomReplica("harbour");
  titled.apply(infoChanged(1n, { title: "Harbour" }));
  titled.apply(infoChanged(2n, { title: "Harbour" }));
  titled.apply(infoChanged(3n, { title: "Harbour" }));
  assert.deepEqual(replica.canonicalBytes(), titled.canonicalBytes());
});
