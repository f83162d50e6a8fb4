// The map as people read it: when the tile server fails, a polite notice
// says the background is unavailable and the work safe (once per outage,
// gone when tiles load again), without covering a control or failing axe;
// markers carry their titles from street level on; the legend shows and
// hides a category's features and filters by author.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { accessibilityViolations, drawMarker, feature, join, launch, offScreenOrCovered, screenshot } from "./browser.mjs";
import { Server } from "./server.mjs";

// The smallest valid PNG (1×1, transparent): what a tile server that is up sends.
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

// A tile server on a loopback port that answers 503 while down and PNGs while up.
async function tileServer() {
  const tiles = { up: false, requests: 0 };
  tiles.http = createServer((req, res) => {
    tiles.requests += 1;
    if (!tiles.up) {
      res.writeHead(503, { "content-type": "text/plain" }).end("down");
      return;
    }
    res.writeHead(200, { "content-type": "image/png", "cache-control": "no-store" }).end(png);
  });
  await new Promise((resolve) => tiles.http.listen(0, "127.0.0.1", resolve));
  tiles.url = `http://127.0.0.1:${tiles.http.address().port}/{z}/{x}/{y}.png`;
  return tiles;
}

let tiles;
let server;
let browser;
before(async () => {
  tiles = await tileServer();
  server = await Server.start({ tiles: tiles.url });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => tiles?.http.close(resolve));
});

// Zooms in with the map's control, then waits until the map is at the new
// level and each of that level's tiles has loaded or failed: the new zoom.
// Leaflet marks only loaded tiles, so failures are caught on their way to it
// (an error event does not bubble, but the capture phase sees it first).
async function zoomInAndSettle(page) {
  await page.evaluate(() => {
    if (window.__failedTiles) return;
    window.__failedTiles = new Set();
    document.addEventListener("error", (e) => e.target instanceof HTMLImageElement && window.__failedTiles.add(e.target.src), true);
  });
  const was = await page.locator("#map").getAttribute("data-zoom");
  await page.click(".leaflet-control-zoom-in");
  await page.waitForFunction((w) => document.getElementById("map").dataset.zoom !== (w ?? undefined), was);
  const zoom = await page.locator("#map").getAttribute("data-zoom");
  await page.waitForFunction((z) => {
    const level = [...document.querySelectorAll("#map img.leaflet-tile")].filter((img) => new URL(img.src).pathname.startsWith(`/${z}/`));
    return level.length > 0 && level.every((img) => img.classList.contains("leaflet-tile-loaded") || window.__failedTiles.has(img.src));
  }, zoom);
  return Number(zoom);
}

test("unreachable tiles: a polite notice says so once per outage, covers nothing, and goes when tiles load", async () => {
  await server.createRoom("tiles", "Tiles");
  const ana = await join(browser, await server.invite("tiles", "facilitator", "Ana", "ana"));
  try {
    const page = ana.page;
    const notice = page.locator('[data-testid="tile-notice"]');
    await page.locator('[data-testid="tile-notice"][data-state="shown"]').waitFor();
    assert.equal(await notice.getAttribute("role"), "status");
    assert.equal(await notice.getAttribute("aria-live"), "polite");
    assert.equal(await notice.textContent(), "Map background unavailable — your work is safe.");
    assert.equal(await notice.isVisible(), true);
    assert.deepEqual(await offScreenOrCovered(page), []);
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, "map-tiles-unavailable");

    // More failing tiles in the same outage: the notice is not said again.
    await page.evaluate(() => {
      window.__noticeChanges = 0;
      new MutationObserver((changes) => (window.__noticeChanges += changes.length))
        .observe(document.querySelector('[data-testid="tile-notice"]'), { childList: true, characterData: true, subtree: true });
    });
    const before = tiles.requests;
    await zoomInAndSettle(page);
    assert.ok(tiles.requests > before, "the new zoom level asked for tiles");
    assert.equal(await page.evaluate(() => window.__noticeChanges), 0);
    assert.equal(await notice.getAttribute("data-state"), "shown");

    // The tile server is back: the next tiles load and the notice goes.
    tiles.up = true;
    await page.click(".leaflet-control-zoom-in");
    await page.locator('[data-testid="tile-notice"][data-state="hidden"]').waitFor({ state: "attached" });
    assert.equal(await notice.textContent(), "");
    assert.equal(await page.locator("#map.tiles-failing").count(), 0);
    assert.deepEqual(await accessibilityViolations(page), []);

    // A second outage is a new one: said again.
    tiles.up = false;
    await page.click(".leaflet-control-zoom-in");
    await page.locator('[data-testid="tile-notice"][data-state="shown"]').waitFor();
    assert.deepEqual(ana.problems, []);
  } finally {
    await ana.context.close();
  }
});

// Clicks a zoom control ("in" or "out") and waits until the map is there.
async function zoom(page, direction) {
  const was = await page.locator("#map").getAttribute("data-zoom");
  await page.click(`.leaflet-control-zoom-${direction}`);
  await page.waitForFunction((w) => document.getElementById("map").dataset.zoom !== (w ?? undefined), was);
  return Number(await page.locator("#map").getAttribute("data-zoom"));
}

test("a marker's title shows under it from street level (zoom 13) on, and not further out", async () => {
  await server.createRoom("labels", "Labels");   // opens at zoom 14
  const ana = await join(browser, await server.invite("labels", "facilitator", "Ana", "ana"));
  const ben = await join(browser, await server.invite("labels", "participant", "Ben", "ben"));
  try {
    await drawMarker(ana.page, "Community garden", 400, 300);
    const label = feature(ben.page, "Community garden").locator('[data-testid="feature-label"]');
    await label.waitFor();
    assert.equal(await label.textContent(), "Community garden");
    assert.equal(await label.getAttribute("aria-hidden"), "true");
    await screenshot(ben.page, "map-labels");

    assert.equal(await zoom(ben.page, "out"), 13);
    assert.equal(await label.isVisible(), true);
    assert.equal(await zoom(ben.page, "out"), 12);
    await label.waitFor({ state: "hidden" });
    assert.equal(await feature(ben.page, "Community garden").isVisible(), true, "the marker stays");
    assert.equal(await zoom(ben.page, "in"), 13);
    await label.waitFor({ state: "visible" });
    assert.deepEqual(await accessibilityViolations(ben.page), []);
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("the legend hides a category's features and shows them again, and filters by author", async () => {
  await server.createRoom("legend", "Legend");
  const ana = await join(browser, await server.invite("legend", "facilitator", "Ana", "ana"));
  const ben = await join(browser, await server.invite("legend", "participant", "Ben", "ben"));
  try {
    await ana.page.fill("#draw-category", "green");
    await drawMarker(ana.page, "Park", 300, 300);
    await ana.page.fill("#draw-category", "traffic");
    await drawMarker(ana.page, "Crossing", 500, 400);
    await ben.page.fill("#draw-category", "green");
    await drawMarker(ben.page, "Garden", 400, 200);
    const page = ben.page;
    for (const title of ["Park", "Crossing", "Garden"]) await feature(page, title).waitFor();

    await page.click('[data-tab="layers"]');
    const green = page.locator('[data-testid="layer"][data-category="green"]');
    await green.locator(".count", { hasText: "(2)" }).waitFor();
    await green.locator('[data-testid="layer-toggle"]').uncheck();
    await feature(page, "Park").waitFor({ state: "detached" });
    await feature(page, "Garden").waitFor({ state: "detached" });
    // Ben's own marker was open after he placed it: its popup goes too.
    await page.locator('[data-testid="feature-popup"]').waitFor({ state: "detached" });
    assert.equal(await feature(page, "Crossing").isVisible(), true);
    await screenshot(page, "map-legend");
    assert.deepEqual(await accessibilityViolations(page), []);

    await green.locator('[data-testid="layer-toggle"]').check();
    await feature(page, "Park").waitFor();
    await feature(page, "Garden").waitFor();

    // Ana's features only, then everyone's again.
    await page.selectOption('[data-testid="author-filter"]', { label: "Ana" });
    await feature(page, "Garden").waitFor({ state: "detached" });
    assert.equal(await feature(page, "Park").isVisible(), true);
    assert.equal(await feature(page, "Crossing").isVisible(), true);
    await page.selectOption('[data-testid="author-filter"]', "");
    await feature(page, "Garden").waitFor();
    // Only this page's view changed: Ana still sees everything.
    assert.equal(await feature(ana.page, "Garden").isVisible(), true);
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});
