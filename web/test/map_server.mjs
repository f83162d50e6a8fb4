// What the map tests share beyond browser.mjs: a maptable-server started
// with further flags (the base maps of --tile-source), local tile servers
// that count what they are asked for and can be taken down, and a room
// filled with many features by scripted participants.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { Server, unreachableTiles, webRoot } from "./server.mjs";

const adminKey = "web-test-admin-key-0123456789";

// A Server (server.mjs) whose process also gets `args`.
export async function startServerWith(args, { tiles = unreachableTiles } = {}) {
  const binary = process.env.MAPTABLE_SERVER_BINARY;
  if (!binary) throw new Error("MAPTABLE_SERVER_BINARY is not set (CTest sets it to the build's maptable-server)");
  const dataDir = mkdtempSync(join(tmpdir(), "maptable-web-"));
  const log = openSync(join(dataDir, "server.log"), "w");
  const child = spawn(binary, [
    "--port", "0", "--data-dir", dataDir, "--threads", "1", "--log-level", "debug",
    "--web-root", webRoot, "--tile-url", tiles, ...args,
  ], { stdio: ["ignore", "pipe", log], env: { ...process.env, MAPTABLE_ADMIN_KEY: adminKey } });
  const base = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /^maptable-server listening on (\S+):(\d+)/.exec(line);
      if (match) resolve(`http://${match[1]}:${match[2]}`);
    });
    child.once("exit", (code) => reject(new Error(`maptable-server exited with ${code}: ${readFileSync(join(dataDir, "server.log"), "utf8")}`)));
  });
  const server = new Server(child, dataDir, base);
  server.options = { root: webRoot, tiles };
  return server;
}

// The smallest valid PNG (1×1, transparent): what a tile server that is up sends.
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

// A tile server on a loopback port: PNGs while up, 503 while down; counts
// the requests and keeps their paths.
export async function tileServer(up = true) {
  const tiles = { up, requests: 0, paths: [] };
  tiles.http = createServer((req, res) => {
    tiles.requests += 1;
    tiles.paths.push(req.url);
    if (!tiles.up) {
      res.writeHead(503, { "content-type": "text/plain" }).end("down");
      return;
    }
    res.writeHead(200, { "content-type": "image/png", "cache-control": "no-store" }).end(png);
  });
  await new Promise((resolve) => tiles.http.listen(0, "127.0.0.1", resolve));
  tiles.origin = `http://127.0.0.1:${tiles.http.address().port}`;
  tiles.url = `${tiles.origin}/{z}/{x}/{y}.png`;
  tiles.close = () => new Promise((resolve) => tiles.http.close(resolve));
  return tiles;
}

export const categories = ["green", "traffic", "housing", "water"];

// `count` features around the test rooms' centre (18.42, -33.92), all in
// view at the rooms' zoom 14 on a 1280×800 page, added by as many scripted
// participants as the server's command burst needs (it takes 1,000 from one
// connection at once). Feature i is "Place i", category categories[i % 4];
// every 100th is a note. Returns the ids in order.
export async function fillRoom(scripted, room, count) {
  const perClient = 900;
  const ids = [];
  const work = [];
  for (let start = 0; start < count; start += perClient) {
    const client = await scripted(room, "participant", `Seeder ${start}`, `seeder-${start}`);
    const batch = [];
    for (let i = start; i < Math.min(count, start + perClient); i++) {
      // A deterministic scatter (golden-angle spiral), so runs compare.
      const r = Math.sqrt(i / count);
      const a = i * 2.399963;
      const id = `place-${i}`;
      ids.push(id);
      batch.push(client.addFeature({
        id,
        title: `Place ${i}`,
        description: i % 7 === 0 ? `Bench and shade number ${i}` : "",
        category: categories[i % categories.length],
        colour: ["#2f9e44", "#e8590c", "#1971c2", "#0c8599"][i % 4],
        geometry: { kind: i % 100 === 0 ? 4 : 1, positions: [{ lon: 18.42 + 0.03 * r * Math.cos(a), lat: -33.92 + 0.02 * r * Math.sin(a) }] },
      }));
    }
    work.push(Promise.all(batch).then((results) => {
      const refused = results.filter((r) => !r.ok);
      if (refused.length) throw new Error(`${refused.length} features were refused: ${JSON.stringify(refused[0])}`);
      client.disconnect();
    }));
  }
  await Promise.all(work);
  return ids;
}

// What the map shows now: the clusters (with the features they hold) and
// the markers outside them.
export async function clusterCensus(page) {
  return page.evaluate(() => {
    const clusters = [...document.querySelectorAll('#map [data-testid="cluster"]')].map((c) => Number(c.dataset.count));
    const markers = document.querySelectorAll('#map .leaflet-marker-pane [data-testid="feature"]').length;
    return { clusters: clusters.length, inClusters: clusters.reduce((a, b) => a + b, 0), markers };
  });
}
