// maptable-server serving the built app: content types, cache headers, the
// Content-Security-Policy, precompressed files by Accept-Encoding, the
// favicon, the emoji font, /config.json, and the requests it must refuse.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { Server, unreachableTiles, webRoot } from "./server.mjs";

let server;
before(async () => {
  server = await Server.start();
});
after(async () => {
  await server?.stop();
});

// The hashed script and style sheet index.html points at.
function assetsOfIndex() {
  const html = readFileSync(join(webRoot, "index.html"), "utf8");
  const script = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
  const style = /href="(\/assets\/app-[A-Z0-9]+\.css)"/.exec(html)?.[1];
  assert.ok(script && style, "index.html names a hashed app-*.js and app-*.css");
  return { script, style };
}

test("/ is index.html, revalidated on every load, with the policy and no referrer", async () => {
  const res = await fetch(server.base + "/");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(res.headers.get("cache-control"), "no-cache");
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("referrer-policy"), "no-referrer");
  assert.equal(await res.text(), readFileSync(join(webRoot, "index.html"), "utf8"));
  const csp = res.headers.get("content-security-policy");
  const host = new URL(server.base).host;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self';/);
  assert.match(csp, /img-src 'self' data: http:\/\/127\.0\.0\.1:9;/, "the tile host may serve images");
  assert.ok(csp.includes(`connect-src 'self' ws://${host} wss://${host};`), csp);
  assert.match(csp, /frame-ancestors 'none'/);
});

test("hashed assets are immutable, with their content types", async () => {
  const { script, style } = assetsOfIndex();
  const js = await fetch(server.base + script);
  assert.equal(js.status, 200);
  assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
  // Bytes, not characters: the bundle keeps its non-ASCII text (emoji) as UTF-8.
  assert.equal((await js.arrayBuffer()).byteLength, readFileSync(join(webRoot, script)).length);
  const css = await fetch(server.base + style);
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(css.headers.get("cache-control"), "public, max-age=31536000, immutable");
  const head = await fetch(server.base + script, { method: "HEAD", headers: { "Accept-Encoding": "identity" } });
  assert.equal(head.status, 200);
  assert.equal(Number(head.headers.get("content-length")), readFileSync(join(webRoot, script)).length);
});

test("the app's emoji font: its style sheet is linked first, names the emoji the app shows, and the font is served as font/ttf", async () => {
  const html = readFileSync(join(webRoot, "index.html"), "utf8");
  const sheet = /href="(\/assets\/emoji-[A-Z0-9]+\.css)"/.exec(html)?.[1];
  assert.ok(sheet, "index.html links the emoji font's style sheet");
  const face = await (await fetch(server.base + sheet)).text();
  assert.match(face, /font-family:"maptable emoji"/);
  // The chat's reactions and the paperclip of attachments, at least.
  for (const codePoint of ["U+1F44D", "U+2764", "U+1F4CE"]) assert.ok(face.includes(codePoint), `${codePoint} in ${face}`);
  const font = /url\((\/assets\/emoji-[A-Z0-9]+\.ttf)\)/.exec(face)?.[1];
  assert.ok(font, face);
  const res = await fetch(server.base + font);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "font/ttf");
  assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(bytes.readUInt32BE(0), 0x00010000, "a TrueType font");
  assert.ok(bytes.length < 100 * 1024, `cut down to the app's emoji (${bytes.length} bytes), not the whole 10 MB font`);
});

test("/config.json tells the page the tile template and the WebSocket path", async () => {
  const res = await fetch(server.base + "/config.json");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(res.headers.get("cache-control"), "no-cache");
  const body = await res.json();
  assert.equal(body.tile_url, unreachableTiles);
  assert.equal(body.ws_path, "/v1/ws");
  assert.match(body.tile_attribution, /OpenStreetMap/);
});

test("paths that try to leave the web root are refused; unknown paths are 404", async () => {
  // Raw targets: fetch() would normalise the dots away before sending.
  const { request } = await import("node:http");
  const raw = (target, method = "GET") =>
    new Promise((resolve, reject) => {
      const url = new URL(server.base);
      const req = request({ host: url.hostname, port: url.port, path: target, method }, (res) => {
        res.resume();
        res.on("end", () => resolve(res));
      });
      req.on("error", reject);
      req.end();
    });
  for (const target of ["/../server.log", "/assets/../../server.log", "/%2e%2e/server.log", "/assets/..%2fx", "/.hidden", "//etc/passwd", "/a\\b"]) {
    const res = await raw(target);
    assert.equal(res.statusCode, 400, `${target} is refused`);
  }
  assert.equal((await raw("/no-such-file.js")).statusCode, 404);
  assert.equal((await raw("/assets/app-NOSUCHHASH.js")).statusCode, 404);
  const post = await raw("/", "POST");
  assert.equal(post.statusCode, 405);
  assert.equal(post.headers.allow, "GET, HEAD");
  // The server's own routes are still there, in front of the app.
  assert.equal((await raw("/healthz")).statusCode, 200);
});

test("without a built app at --web-root, / says how to build it", async () => {
  const bare = await Server.start({ root: "/nonexistent-maptable-web-root" });
  try {
    const res = await fetch(bare.base + "/");
    assert.equal(res.status, 404);
    assert.match(await res.text(), /npm run build/);
  } finally {
    await bare.stop();
  }
});

test("no tiles configured: the policy names no tile host and the page gets an empty template", async () => {
  const plain = await Server.start({ tiles: "" });
  try {
    const res = await fetch(plain.base + "/config.json");
    assert.equal((await res.json()).tile_url, "");
    assert.match(res.headers.get("content-security-policy"), /img-src 'self' data:;/);
  } finally {
    await plain.stop();
  }
});

// A raw GET or HEAD (node's fetch would ask for and undo the compression itself).
async function rawGet(target, headers = {}, method = "GET") {
  const { request } = await import("node:http");
  const url = new URL(server.base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: target, method, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("text files go out precompressed as the browser accepts (brotli, else gzip), with Vary: Accept-Encoding", async () => {
  const { brotliDecompressSync, gunzipSync } = await import("node:zlib");
  const { script, style } = assetsOfIndex();
  const original = readFileSync(join(webRoot, script));

  const br = await rawGet(script, { "Accept-Encoding": "gzip, deflate, br" });
  assert.equal(br.status, 200);
  assert.equal(br.headers["content-encoding"], "br");
  assert.equal(br.headers.vary, "Accept-Encoding");
  assert.equal(br.headers["content-type"], "text/javascript; charset=utf-8");
  assert.equal(br.headers["cache-control"], "public, max-age=31536000, immutable");
  assert.ok(br.body.length < original.length / 3, `${br.body.length} bytes of ${original.length}`);
  assert.deepEqual(brotliDecompressSync(br.body), original);

  const gz = await rawGet(script, { "Accept-Encoding": "gzip" });
  assert.equal(gz.headers["content-encoding"], "gzip");
  assert.deepEqual(gunzipSync(gz.body), original);
  // Brotli refused by weight: gzip.
  assert.equal((await rawGet(script, { "Accept-Encoding": "br;q=0, gzip;q=0.5" })).headers["content-encoding"], "gzip");
  assert.equal((await rawGet(script, { "Accept-Encoding": "*" })).headers["content-encoding"], "br");

  // No Accept-Encoding, or only codings there is no file for: the file as it is.
  for (const headers of [{}, { "Accept-Encoding": "identity" }, { "Accept-Encoding": "deflate" }]) {
    const plain = await rawGet(script, headers);
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.headers.vary, "Accept-Encoding");
    assert.deepEqual(plain.body, original);
  }

  // HEAD says the length of what GET would send.
  const head = await rawGet(script, { "Accept-Encoding": "br" }, "HEAD");
  assert.equal(Number(head.headers["content-length"]), readFileSync(join(webRoot, script + ".br")).length);
  assert.equal(head.headers["content-encoding"], "br");

  const css = await rawGet(style, { "Accept-Encoding": "gzip" });
  assert.equal(css.headers["content-encoding"], "gzip");
  const page = await rawGet("/", { "Accept-Encoding": "br" });
  assert.equal(page.headers["content-encoding"], "br");
  assert.equal(page.headers["cache-control"], "no-cache");
  assert.equal(brotliDecompressSync(page.body).toString(), readFileSync(join(webRoot, "index.html"), "utf8"));
  // Images are not compressed again: as they are.
  const ico = await rawGet("/favicon.ico", { "Accept-Encoding": "br" });
  assert.equal(ico.headers["content-encoding"], undefined);
});

test("the favicon is there, in both forms the page names", async () => {
  const ico = await rawGet("/favicon.ico");
  assert.equal(ico.status, 200);
  assert.equal(ico.headers["content-type"], "image/x-icon");
  assert.deepEqual(ico.body.subarray(0, 4), Buffer.from([0, 0, 1, 0]));
  const svg = await rawGet("/favicon.svg");
  assert.equal(svg.status, 200);
  assert.equal(svg.headers["content-type"], "image/svg+xml");
  assert.match(readFileSync(join(webRoot, "index.html"), "utf8"), /<link rel="icon" href="\/favicon\.ico"/);
});
