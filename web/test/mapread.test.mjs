// Reading a crowded map: 2,000 features gather into clusters (fewer markers
// in the page than features, every feature counted in a cluster or shown),
// the page stays interactive (a search result flies to its feature and opens
// it), the legend still hides a category inside the clusters, markers carry
// their category's picture, and notes follow the zoom.
import assert from "node:assert/strict";
import { test } from "node:test";

import { accessibilityViolations, feature, joinAs, screenshot, scripted, server, useServerAndBrowser } from "./browser.mjs";
import { categories, clusterCensus, fillRoom } from "./map_server.mjs";

useServerAndBrowser();

const total = 2000;

// Clicks a zoom control ("in" or "out") and waits until the map is there.
async function zoom(page, direction) {
  const was = await page.locator("#map").getAttribute("data-zoom");
  await page.click(`.leaflet-control-zoom-${direction}`);
  await page.waitForFunction((w) => document.getElementById("map").dataset.zoom !== (w ?? undefined), was);
  return Number(await page.locator("#map").getAttribute("data-zoom"));
}

test("2,000 features: clustered, every one counted, and the page answers a search by opening the feature", async () => {
  await server.createRoom("crowd", "Crowded room");
  await fillRoom(scripted, "crowd", total);
  const ben = await joinAs("crowd", "participant", "Ben", "ben");
  try {
    const page = ben.page;
    // Every feature is in a cluster or shown as itself, and far fewer
    // markers are in the page than features.
    await page.waitForFunction((n) => {
      const clusters = [...document.querySelectorAll('#map [data-testid="cluster"]')].map((c) => Number(c.dataset.count));
      const markers = document.querySelectorAll('#map .leaflet-marker-pane [data-testid="feature"]').length;
      return clusters.reduce((a, b) => a + b, 0) + markers === n;
    }, total);
    const census = await clusterCensus(page);
    assert.ok(census.clusters > 0, "there are clusters");
    assert.ok(census.clusters + census.markers < total / 10, `at most a tenth as many icons as features: ${JSON.stringify(census)}`);
    // A cluster's name says what it holds and what a click does.
    assert.match(await page.locator('[data-testid="cluster"] .visually-hidden').first().textContent(), /^\d+ features here: zoom in$/);
    await screenshot(page, "map-2000-clustered");

    // Interactive: a search finds one feature among them and opens it.
    await page.click('[data-testid="tool-search"]');
    await page.fill('[data-testid="map-search"]', "Place 1234");
    const result = page.locator('[data-testid="search-result"][data-feature-id="place-1234"]');
    await result.click();
    const popup = page.locator('[data-testid="feature-popup"]');
    await popup.waitFor();
    assert.equal(await popup.getAttribute("data-feature-id"), "place-1234");
    // The feature itself is out of its cluster and on the map.
    await feature(page, "Place 1234").waitFor();
    await screenshot(page, "map-2000-search-opened");

    // The legend hides a category inside the clusters, and brings it back.
    await page.click(".leaflet-popup-close-button");
    await page.locator(".leaflet-popup").waitFor({ state: "detached" });
    await page.click('[data-testid="tool-search"]');
    await page.click('[data-tab="layers"]');
    const shown = async () => { const c = await clusterCensus(page); return c.inClusters + c.markers; };
    await zoom(page, "out");
    await zoom(page, "out");
    await page.waitForFunction((n) => {
      const clusters = [...document.querySelectorAll('#map [data-testid="cluster"]')].map((c) => Number(c.dataset.count));
      return clusters.reduce((a, b) => a + b, 0) + document.querySelectorAll('#map .leaflet-marker-pane [data-testid="feature"]').length === n;
    }, total);
    await page.locator('[data-testid="layer"][data-category="green"] [data-testid="layer-toggle"]').uncheck();
    const withoutGreen = total - total / categories.length;
    await page.waitForFunction((n) => {
      const clusters = [...document.querySelectorAll('#map [data-testid="cluster"]')].map((c) => Number(c.dataset.count));
      return clusters.reduce((a, b) => a + b, 0) + document.querySelectorAll('#map .leaflet-marker-pane [data-testid="feature"]').length === n;
    }, withoutGreen);
    assert.equal(await shown(), withoutGreen);
    assert.equal(await page.locator('#map [data-testid="feature"][data-category="green"]').count(), 0);
    await page.locator('[data-testid="layer"][data-category="green"] [data-testid="layer-toggle"]').check();
    await page.waitForFunction((n) => {
      const clusters = [...document.querySelectorAll('#map [data-testid="cluster"]')].map((c) => Number(c.dataset.count));
      return clusters.reduce((a, b) => a + b, 0) + document.querySelectorAll('#map .leaflet-marker-pane [data-testid="feature"]').length === n;
    }, total);

    // A cluster is a button with a name: a click on it, or Enter from the
    // keyboard, zooms in. The clusters picked are the largest in view that
    // nothing covers, so the next level still has clusters to pick from.
    const pick = () => page.evaluate(() => {
      document.querySelector("[data-picked]")?.removeAttribute("data-picked");
      const map = document.getElementById("map").getBoundingClientRect();
      const open = [...document.querySelectorAll(".feature-cluster")].filter((c) => {
        const box = c.getBoundingClientRect();
        const x = box.left + box.width / 2;
        const y = box.top + box.height / 2;
        return x > map.left && x < map.right && y > map.top && y < map.bottom && c.contains(document.elementFromPoint(x, y));
      });
      open.sort((a, b) => Number(b.querySelector("[data-count]").dataset.count) - Number(a.querySelector("[data-count]").dataset.count));
      open[0]?.setAttribute("data-picked", "");
      return open.length;
    });
    const zoomBefore = Number(await page.locator("#map").getAttribute("data-zoom"));
    assert.ok(await pick() > 0);
    await page.locator("[data-picked]").click();
    await page.waitForFunction((z) => Number(document.getElementById("map").dataset.zoom) > z, zoomBefore);
    // That cluster may have come apart into markers only: out again until clusters show.
    while ((await pick()) === 0) await zoom(page, "out");
    const zoomAfterClick = Number(await page.locator("#map").getAttribute("data-zoom"));
    const cluster = page.locator("[data-picked]");
    assert.equal(await cluster.getAttribute("role"), "button");
    await cluster.focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction((z) => Number(document.getElementById("map").dataset.zoom) > z, zoomAfterClick);
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(ben.problems, []);
  } finally {
    await ben.context.close();
  }
});

test("a marker shows its category's picture, in the legend too; an unknown category its first letter", async () => {
  await server.createRoom("icons", "Icons");
  const cai = await scripted("icons", "participant", "Cai", "cai");
  const at = (dx, dy) => ({ kind: 1, positions: [{ lon: 18.42 + dx, lat: -33.92 + dy }] });
  for (const [id, title, category, geometry] of [
    ["park", "Park", "Green spaces", at(-0.01, 0)],
    ["crossing", "Crossing", "traffic", at(0.01, 0)],
    ["zoo", "Zoo", "zebra", at(0, 0.006)],
    ["plain", "Plain", "", at(0, -0.006)],
  ]) assert.equal((await cai.addFeature({ id, title, category, colour: "#1971c2", geometry })).ok, true);
  const ben = await joinAs("icons", "participant", "Ben", "ben");
  try {
    const page = ben.page;
    await feature(page, "Plain").waitFor();
    assert.equal(await feature(page, "Park").locator("svg.category-icon").count(), 1);
    assert.equal(await feature(page, "Crossing").locator("svg.category-icon").count(), 1);
    assert.notEqual(await feature(page, "Park").locator("svg path").getAttribute("d"), await feature(page, "Crossing").locator("svg path").getAttribute("d"));
    assert.equal(await feature(page, "Zoo").locator(".category-icon.letter").textContent(), "Z");
    assert.equal(await feature(page, "Plain").locator(".category-icon").count(), 0);
    // The pictures are for the eye: the marker's name is its title.
    assert.equal(await feature(page, "Park").locator("svg").getAttribute("aria-hidden"), "true");
    await page.click('[data-tab="layers"]');
    assert.equal(await page.locator('[data-testid="layer"][data-category="Green spaces"] svg.category-icon').count(), 1);
    await screenshot(page, "map-category-icons");
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(ben.problems, []);
  } finally {
    cai.disconnect();
    await ben.context.close();
  }
});

test("notes follow the zoom: larger close in, smaller far out, where only their title shows", async () => {
  await server.createRoom("notes", "Notes");
  const cai = await scripted("notes", "participant", "Cai", "cai");
  assert.equal((await cai.addFeature({ id: "n1", title: "Shade", description: "More trees along the promenade", category: "", colour: "#1971c2", geometry: { kind: 4, positions: [{ lon: 18.42, lat: -33.92 }] } })).ok, true);
  const ben = await joinAs("notes", "participant", "Ben", "ben");
  try {
    const page = ben.page;
    const note = feature(page, "Shade");
    await note.waitFor();
    const width = async () => (await note.locator(".note-body").boundingBox()).width;
    const description = note.locator(".note-body > span").first();
    const at14 = await width();
    assert.equal(await description.isVisible(), true);
    assert.equal(await zoom(page, "in"), 15);
    assert.equal(await zoom(page, "in"), 16);
    const at16 = await width();
    assert.ok(at16 > at14 * 1.2, `larger close in: ${at14} -> ${at16}`);
    await screenshot(page, "map-note-zoom-16");
    for (const z of [15, 14, 13, 12]) assert.equal(await zoom(page, "out"), z);
    const at12 = await width();
    assert.ok(at12 < at14 * 0.95, `smaller far out: ${at14} -> ${at12}`);
    await description.waitFor({ state: "hidden" });
    assert.equal(await note.locator("strong").isVisible(), true, "the title stays");
    await screenshot(page, "map-note-zoom-12");
    assert.deepEqual(ben.problems, []);
  } finally {
    cai.disconnect();
    await ben.context.close();
  }
});
