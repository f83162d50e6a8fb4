// The base map of a room: the server lists its tile sources in /config.json
// (a bad or repeated --tile-source stops it at start, saying what to write) and
// lets the page load tiles from each of their hosts; the facilitator picks
// one and every map in the room follows it (the tiles come from that
// source), participants read which one is on, and the notice of failing
// tiles works for whichever source is shown.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { accessibilityViolations, cspViolations, join, launch, offScreenOrCovered, screenshot } from "./browser.mjs";
import { startServerWith, tileServer } from "./map_server.mjs";

let standard;
let topo;
let server;
let browser;
before(async () => {
  standard = await tileServer(true);
  topo = await tileServer(true);
  server = await startServerWith([
    "--tile-source", `topo|Topographic|${topo.url}|&copy; Topo makers`,
  ], { tiles: standard.url });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await standard?.close();
  await topo?.close();
});

// The tiles this page shows now come from `origin` (every tile image of the
// map) and have loaded: a src alone is set before its request reaches the tile
// server, so counting requests then would race the browser.
async function tilesFrom(page, origin) {
  await page.waitForFunction((o) => {
    const tiles = [...document.querySelectorAll("#map img.leaflet-tile")];
    return tiles.length > 0 &&
      tiles.every((img) => img.src.startsWith(o + "/") && img.classList.contains("leaflet-tile-loaded"));
  }, origin);
}

test("/config.json lists the default and each --tile-source; the policy allows each host; a bad source stops the server at start", async () => {
  const res = await fetch(server.base + "/config.json");
  const body = await res.json();
  assert.deepEqual(body.tile_sources.map((s) => s.id), ["default", "topo"]);
  assert.deepEqual(body.tile_sources[1], { id: "topo", label: "Topographic", url: topo.url, attribution: "&copy; Topo makers" });
  assert.equal(body.tile_sources[0].url, standard.url);
  const policy = res.headers.get("content-security-policy");
  assert.match(policy, new RegExp(`img-src 'self' data: ${standard.origin} ${topo.origin};`));
  const good = ["--tile-source", `topo|Topographic|${topo.url}|&copy; Topo makers`];
  const refused = async (source, words) =>
    assert.rejects(startServerWith([...good, "--tile-source", source], { tiles: standard.url }),
                   (e) => /exited with 2/.test(e.message) && words.test(e.message), `${source} was not refused at start`);
  await refused("Bad Id|Broken|https://tiles.example.org/{z}/{x}/{y}.png|", /--tile-source: 'Bad Id\|Broken\|[^']*': the id must be 1-32 of a-z, 0-9, '_' and '-'/);
  await refused(`topo|Again|${standard.origin}/again/{z}/{x}/{y}.png|`, /--tile-source: 'topo\|Again\|[^']*': the id 'topo' is taken/);
  await refused("nourl|No template|https://tiles.example.org/tiles.png|", /--tile-source: 'nourl\|[^']*': '[^']*' is not a tile URL template/);
});

test("the facilitator picks the base map; a participant's map follows (its tiles from that source) and says which is on", async () => {
  await server.createRoom("basemap", "Base map");
  const ana = await join(browser, await server.invite("basemap", "facilitator", "Ana", "ana"));
  const ben = await join(browser, await server.invite("basemap", "participant", "Ben", "ben"));
  try {
    await tilesFrom(ben.page, standard.origin);
    const name = ben.page.locator('[data-testid="base-map-name"]');
    assert.equal(await name.textContent(), "Base map: Standard map");
    assert.equal(await ben.page.locator('[data-testid="base-map-picker"]').count(), 0, "only the facilitator picks");
    const picker = ana.page.locator('[data-testid="base-map-picker"]');
    assert.deepEqual(await picker.locator("option").allTextContents(), ["Standard map", "Topographic"]);

    const before = topo.requests;
    await picker.selectOption("topo");
    await ben.page.locator('#map[data-base-map="topo"]').waitFor();
    await tilesFrom(ben.page, topo.origin);
    assert.ok(topo.requests > before, "the participant's browser asked the chosen source for tiles");
    assert.ok(topo.paths.every((p) => /^\/\d+\/\d+\/\d+\.png$/.test(p)), topo.paths.join(" "));
    await name.filter({ hasText: "Base map: Topographic" }).waitFor();
    assert.match(await ben.page.locator(".leaflet-control-attribution").textContent(), /© Topo makers/);
    assert.equal((await server.state("basemap")).info.base_map, "topo");
    // Someone who joins later opens on it at once.
    const cai = await join(browser, await server.invite("basemap", "participant", "Cai", "cai"));
    await tilesFrom(cai.page, topo.origin);
    await cai.context.close();
    await screenshot(ben.page, "map-base-map-participant");
    await screenshot(ana.page, "map-base-map-facilitator");
    assert.deepEqual(await accessibilityViolations(ana.page), []);
    assert.deepEqual(await accessibilityViolations(ben.page), []);
    assert.deepEqual(await offScreenOrCovered(ana.page), []);

    // The chosen source goes down: the notice says so; back to the default, which is up: it goes.
    topo.up = false;
    await ana.page.click(".leaflet-control-zoom-in");
    await ana.page.locator('[data-testid="tile-notice"][data-state="shown"]').waitFor();
    assert.equal(await ana.page.locator('[data-testid="tile-notice"]').textContent(), "Map background unavailable — your work is safe.");
    await picker.selectOption("default");
    await ana.page.locator('[data-testid="tile-notice"][data-state="hidden"]').waitFor({ state: "attached" });
    await tilesFrom(ben.page, standard.origin);
    await name.filter({ hasText: "Base map: Standard map" }).waitFor();
    assert.equal((await server.state("basemap")).info.base_map ?? "", "");
    assert.deepEqual([...await cspViolations(ana.page), ...await cspViolations(ben.page)], []);
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    topo.up = true;
    await ana.context.close();
    await ben.context.close();
  }
});
