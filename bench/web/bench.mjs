// The browser app's benchmark: a real maptable-server (the built app, no
// map tiles, so the figures are the app's own) and Debian's Chromium driven
// by playwright-core, as the web tests do. It measures
//   - the page's weight: the bytes of the first load as the server sends
//     them brotli-compressed (each same-origin file the page asked for,
//     fetched again with Accept-Encoding: br), what Chromium itself received
//     (over plain http Chromium does not ask for brotli, only gzip), and the
//     WebSocket bytes of joining a room of 2,000 features;
//   - the time to interactive in that room: from navigation to the map
//     showing every feature in its clusters with the main thread free (the
//     end of the last long task before a quiet second), and how long a click
//     on a map tool then takes to answer;
//   - frame times (requestAnimationFrame intervals; p50/p95/p99) while the
//     map is panned by dragging and zoomed in and out across the clusters.
// Each page load is repeated RUNS times; the medians are printed as JSON.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const webRequire = createRequire(join(root, "web", "package.json"));
const sdkRequire = createRequire(join(root, "client-sdk", "js", "package.json"));
const { chromium } = webRequire("playwright-core");
const { WebSocket } = sdkRequire("ws");
const { MaptableClient } = await import(join(root, "client-sdk", "js", "dist", "src", "index.js"));

const features = Number(process.env.FEATURES ?? 2000);
const runs = Number(process.env.RUNS ?? 5);
const binary = process.env.MAPTABLE_SERVER_BINARY ?? join(root, "build", "server", "maptable-server");
const chromiumPath = process.env.MAPTABLE_CHROMIUM ?? "/usr/bin/chromium";
const adminKey = "bench-web-admin-key-0123456789";

async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), "maptable-bench-web-"));
  const log = openSync(join(dataDir, "server.log"), "w");
  const child = spawn(binary, ["--port", "0", "--data-dir", dataDir, "--threads", "1", "--web-root", join(root, "web", "dist"), "--tile-url", ""],
    { stdio: ["ignore", "pipe", log], env: { ...process.env, MAPTABLE_ADMIN_KEY: adminKey } });
  const base = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /^maptable-server listening on (\S+):(\d+)/.exec(line);
      if (match) resolve(`http://${match[1]}:${match[2]}`);
    });
    child.once("exit", (code) => reject(new Error(`maptable-server exited with ${code}`)));
  });
  const admin = async (method, path, body) => {
    const res = await fetch(base + path, { method, headers: { Authorization: `Bearer ${adminKey}` }, body: body && JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const stop = async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { base, admin, stop };
}

// The room of the web tests' 2,000-feature case (web/test/map_server.mjs):
// a golden-angle spiral around the centre, four categories, a note in 100.
async function fillRoom(server, room) {
  await server.admin("POST", "/v1/admin/rooms", { id: room, title: "Benchmark", center: { lon: 18.42, lat: -33.92 }, zoom: 14 });
  const categories = ["green", "traffic", "housing", "water"];
  const perClient = 900;
  const work = [];
  for (let start = 0; start < features; start += perClient) {
    const minted = await server.admin("POST", `/v1/admin/rooms/${room}/tokens`, { role: "participant", name: `Seeder ${start}`, subject: `seeder-${start}` });
    const token = new URLSearchParams(new URL(minted.invite_url).hash.slice(1)).get("token");
    const client = new MaptableClient({ url: server.base.replace("http", "ws") + "/v1/ws", roomId: room, token, webSocket: (url) => new WebSocket(url) });
    await client.connect();
    const batch = [];
    for (let i = start; i < Math.min(features, start + perClient); i++) {
      const r = Math.sqrt(i / features);
      const a = i * 2.399963;
      batch.push(client.addFeature({
        id: `place-${i}`, title: `Place ${i}`, description: i % 7 === 0 ? `Bench and shade number ${i}` : "",
        category: categories[i % 4], colour: "#1971c2",
        geometry: { kind: i % 100 === 0 ? 4 : 1, positions: [{ lon: 18.42 + 0.03 * r * Math.cos(a), lat: -33.92 + 0.02 * r * Math.sin(a) }] },
      }));
    }
    work.push(Promise.all(batch).then(() => client.disconnect()));
  }
  await Promise.all(work);
  const minted = await server.admin("POST", `/v1/admin/rooms/${room}/tokens`, { role: "participant", name: "Ben", subject: "ben" });
  return minted.invite_url;
}

// The bytes of a same-origin file as the server sends it to a browser that takes brotli.
function brotliBytes(url) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers: { "Accept-Encoding": "br" } }, (res) => {
      let bytes = 0;
      res.on("data", (c) => (bytes += c.length));
      res.on("end", () => resolve({ bytes, encoding: res.headers["content-encoding"] ?? "identity" }));
    });
    req.on("error", reject);
    req.end();
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

// Installed before the page's own scripts: long tasks and the moment every
// feature is on the map (in a cluster or as itself).
function instrument() {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push([entry.startTime, entry.startTime + entry.duration]);
  }).observe({ type: "longtask", buffered: true });
}

async function loadOnce(browser, invite) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const page = await context.newPage();
  const origin = new URL(invite).origin;
  const files = [];
  let received = 0;
  let wsBytes = 0;
  page.on("requestfinished", async (req) => {
    const sizes = await req.sizes().catch(() => undefined);
    if (sizes) received += sizes.responseBodySize + sizes.responseHeadersSize;
    if (req.url().startsWith(origin)) files.push(req.url());
  });
  page.on("websocket", (ws) => ws.on("framereceived", (frame) => (wsBytes += typeof frame.payload === "string" ? Buffer.byteLength(frame.payload) : frame.payload.length)));
  await page.addInitScript(instrument);
  await page.goto(invite);
  const ready = await page.waitForFunction((n) => {
    const counts = [...document.querySelectorAll('#map [data-testid="cluster"]')].map((c) => Number(c.dataset.count));
    const markers = document.querySelectorAll('#map .leaflet-marker-pane [data-testid="feature"]').length;
    return counts.reduce((a, b) => a + b, 0) + markers === n ? performance.now() : false;
  }, features, { polling: "raf", timeout: 120_000 }).then((h) => h.jsonValue());
  // Interactive: the last long task before a second without one.
  const interactive = await page.evaluate(async (readyAt) => {
    for (;;) {
      const last = Math.max(readyAt, ...window.__longTasks.map(([, end]) => end));
      if (performance.now() - last >= 1000) return last;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, ready);
  // A click on a map tool, answered when its panel shows.
  const inputMs = await page.evaluate(() => new Promise((resolve) => {
    const button = document.querySelector('[data-testid="tool-search"]');
    const panel = document.querySelector('[data-testid="search-panel"]');
    const start = performance.now();
    button.click();
    const check = () => (panel.hidden ? requestAnimationFrame(check) : requestAnimationFrame(() => resolve(performance.now() - start)));
    check();
  }));
  await page.click('[data-testid="tool-search"]');
  return { context, page, files: [...new Set(files)], received, wsBytes, readyMs: ready, ttiMs: interactive, inputMs };
}

// Frame intervals while the map is dragged across the clusters and zoomed
// in and out over them.
async function frames(page) {
  // PROFILE=1: where the main thread's time goes while panning and zooming
  // (self time per function of a CPU profile), on stderr.
  const cdp = process.env.PROFILE ? await page.context().newCDPSession(page) : undefined;
  if (cdp) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.start");
  }
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (!window.__stopFrames) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const box = await page.locator("#map").boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  for (const [dx, dy] of [[300, 0], [0, 200], [-300, 0], [0, -200], [250, 150], [-250, -150]]) {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + dx, cy + dy, { steps: 30 });
    await page.mouse.up();
  }
  for (const direction of ["in", "in", "out", "out", "out", "in"]) {
    const was = await page.locator("#map").getAttribute("data-zoom");
    await page.click(`.leaflet-control-zoom-${direction}`);
    await page.waitForFunction((w) => document.getElementById("map").dataset.zoom !== w, was);
    await page.waitForTimeout(400);   // the zoom animation and the reclustering after it: frames to record, not a synchronisation
  }
  await page.mouse.move(cx, cy);
  await page.mouse.wheel(0, -300);
  await page.waitForTimeout(600);
  await page.mouse.wheel(0, 300);
  await page.waitForTimeout(600);
  const intervals = await page.evaluate(() => {
    window.__stopFrames = true;
    return window.__frames.slice(1);
  });
  if (cdp) {
    const { profile } = await cdp.send("Profiler.stop");
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    profile.samples.forEach((id, i) => {
      const f = nodes.get(id).callFrame;
      const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.error(`profile: ${Math.round(us / 1000)} ms ${key}`);
  }
  return intervals;
}

const server = await startServer();
const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
try {
  const seeded = performance.now();
  const invite = await fillRoom(server, "bench");
  console.error(`bench/web: ${features} features in the room in ${Math.round(performance.now() - seeded)} ms`);
  const loads = [];
  let frameIntervals = [];
  for (let i = 0; i < runs; i++) {
    const load = await loadOnce(browser, invite);
    if (i === 0) {
      const weights = await Promise.all(load.files.map(async (url) => ({ url: new URL(url).pathname, ...(await brotliBytes(url)) })));
      load.weights = weights;
    }
    frameIntervals = frameIntervals.concat(await frames(load.page));
    await load.context.close();
    loads.push(load);
    console.error(`bench/web: run ${i + 1}: ready ${Math.round(load.readyMs)} ms, interactive ${Math.round(load.ttiMs)} ms, a click answered in ${Math.round(load.inputMs)} ms`);
  }
  const weights = loads[0].weights;
  const result = {
    features,
    runs,
    page_weight_brotli_bytes: weights.reduce((n, w) => n + w.bytes, 0),
    page_files: weights,
    chromium_received_bytes_median: median(loads.map((l) => l.received)),
    websocket_join_bytes_median: median(loads.map((l) => l.wsBytes)),
    ready_ms_median: Math.round(median(loads.map((l) => l.readyMs))),
    tti_ms_median: Math.round(median(loads.map((l) => l.ttiMs))),
    tti_ms_all: loads.map((l) => Math.round(l.ttiMs)),
    click_answer_ms_median: Math.round(median(loads.map((l) => l.inputMs))),
    frames: frameIntervals.length,
    frame_ms_p50: +percentile(frameIntervals, 50).toFixed(1),
    frame_ms_p95: +percentile(frameIntervals, 95).toFixed(1),
    frame_ms_p99: +percentile(frameIntervals, 99).toFixed(1),
    frame_ms_max: +Math.max(...frameIntervals).toFixed(1),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await server.stop();
}
