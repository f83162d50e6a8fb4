// Finding and measuring on the map: search over the room's features (title,
// text, category; results fly to the feature and open it), go to typed or
// pasted coordinates (bad input refused in words, the map left where it
// was), measuring distance and area (nothing sent to the room), and "mark
// where I stand" with the browser's location granted and denied. The new
// controls pass axe, and on a phone (390×844) are all on screen.
import assert from "node:assert/strict";
import { test } from "node:test";

import { accessibilityViolations, feature, joinAs, offScreenOrCovered, popupsShown, screenshot, scripted, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

async function roomWithFeatures(room) {
  await server.createRoom(room, room);
  const cai = await scripted(room, "participant", "Cai", "cai");
  const add = (id, title, description, category, dx, dy, kind = 1) =>
    cai.addFeature({ id, title, description, category, colour: "#1971c2", geometry: { kind, positions: [{ lon: 18.42 + dx, lat: -33.92 + dy }] } });
  for (const result of await Promise.all([
    add("cafe", "Café Verde", "Coffee under the trees", "green", -0.012, 0.004),
    add("ferry", "Ferry stop", "Where the new ferry should stop", "water", 0.012, -0.004),
    add("bench", "Bench", "A bench in the shade, near the café", "", 0.004, 0.008),
    add("crossing", "Safe crossing", "", "traffic", -0.004, -0.008),
  ])) assert.equal(result.ok, true);
  return cai;
}

const centre = async (page) => (await page.locator("#map").getAttribute("data-center")).split(",").map(Number);

test("search finds features by title, text and category, without regard to accents; a result flies there and opens it", async () => {
  const cai = await roomWithFeatures("search");
  const ben = await joinAs("search", "participant", "Ben", "ben");
  try {
    const page = ben.page;
    await feature(page, "Café Verde").waitFor();
    const search = page.locator('[data-testid="tool-search"]');
    assert.equal(await search.getAttribute("aria-expanded"), "false");
    await search.click();
    assert.equal(await search.getAttribute("aria-expanded"), "true");
    const box = page.locator('[data-testid="map-search"]');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "map-search", "the field has the focus");
    const results = () => page.locator('[data-testid="search-result"]').evaluateAll((nodes) => nodes.map((n) => n.dataset.featureId));

    await box.fill("cafe");                      // the title (Café) and a description (café)
    await page.locator('[data-testid="search-status"]', { hasText: "2 features found" }).waitFor();
    assert.deepEqual(await results(), ["cafe", "bench"], "a title that starts with the word first");
    await box.fill("ferry stop");                // every word
    assert.deepEqual(await results(), ["ferry"]);
    await box.fill("traffic");                   // the category
    assert.deepEqual(await results(), ["crossing"]);
    await box.fill("nowhere to be found");
    await page.locator('[data-testid="search-status"]', { hasText: "Nothing on the map matches “nowhere to be found”." }).waitFor();
    assert.deepEqual(await results(), []);
    assert.deepEqual(await accessibilityViolations(page), []);

    // Far away, then a result: the map comes to the feature and opens it.
    await page.click('[data-testid="tool-goto"]');
    await page.fill('[data-testid="goto-input"]', "51.5, -0.12");
    await page.click('[data-testid="goto-submit"]');
    await page.click('[data-testid="tool-search"]');
    await box.fill("ferry");
    await page.keyboard.press("Enter");          // the first result
    const popup = page.locator('[data-testid="feature-popup"][data-feature-id="ferry"]');
    await popup.waitFor();
    await popupsShown(page);
    const [lat, lon] = await centre(page);
    assert.ok(Math.abs(lat + 33.924) < 0.02 && Math.abs(lon - 18.432) < 0.02, `the map is at the ferry stop: ${lat},${lon}`);
    assert.deepEqual(await offScreenOrCovered(page), [], "the popup and the panel cover no control");
    await screenshot(page, "map-search");

    // A feature hidden in Layers is counted, not listed.
    await page.click('[data-tab="layers"]');
    await page.locator('[data-testid="layer"][data-category="water"] [data-testid="layer-toggle"]').uncheck();
    await box.fill("ferry");
    await page.locator('[data-testid="search-status"]', { hasText: "1 more is hidden in Layers" }).waitFor();
    assert.deepEqual(await results(), []);
    assert.deepEqual(ben.problems, []);
  } finally {
    cai.disconnect();
    await ben.context.close();
  }
});

test("go to coordinates: decimal degrees and pasted forms centre the map; bad input is refused in words and the map stays", async () => {
  await server.createRoom("goto", "Go to");
  const ben = await joinAs("goto", "participant", "Ben", "ben");
  try {
    const page = ben.page;
    await page.click('[data-testid="tool-goto"]');
    const input = page.locator('[data-testid="goto-input"]');
    const message = page.locator('[data-testid="goto-message"]');
    const go = async (text) => {
      await input.fill(text);
      await input.press("Enter");
    };
    for (const [text, lat, lon] of [
      ["-33.95, 18.47", -33.95, 18.47],
      ["-33.96 18.48", -33.96, 18.48],
      ["33°57'36\"S 18°28'12\"E", -33.96, 18.47],
      ["33.94° S, 18.45° E", -33.94, 18.45],
      ["geo:-33.93,18.44", -33.93, 18.44],
      ["-33,97; 18,49", -33.97, 18.49],
    ]) {
      await go(text);
      await page.waitForFunction(([a, o]) => {
        const [la, lo] = document.getElementById("map").dataset.center.split(",").map(Number);
        return Math.abs(la - a) < 1e-4 && Math.abs(lo - o) < 1e-4;
      }, [lat, lon]);
      assert.match(await message.textContent(), /^The map is centred on -33\.\d+, 18\.\d+\.$/, text);
      assert.equal(await input.getAttribute("aria-invalid"), "false");
    }
    assert.ok(Number(await page.locator("#map").getAttribute("data-zoom")) >= 16, "close enough to see the streets");
    assert.equal(await page.locator("#map path.goto-mark").count(), 1, "the spot is marked, once");
    await screenshot(page, "map-goto");

    const stays = await page.locator("#map").getAttribute("data-center");
    for (const [text, said] of [
      ["", "Type a place as latitude, longitude, for example -33.92, 18.42."],
      ["harbour", "“harbour” is not a position: type latitude, longitude in degrees, for example -33.92, 18.42."],
      ["120, 18.42", "The latitude comes first and must be between -90 and 90, not 120. Did you mean 18.42, 120?"],
      ["95, 200", "The latitude must be between -90 and 90, not 95."],
      ["-33.9, 190", "The longitude must be between -180 and 180, not 190."],
    ]) {
      await go(text);
      await page.locator('[data-testid="goto-message"][data-state="refused"]', { hasText: said }).waitFor();
      assert.equal(await input.getAttribute("aria-invalid"), "true");
      assert.equal(await page.locator("#map").getAttribute("data-center"), stays, `${text}: the map stays`);
    }
    assert.equal(await message.getAttribute("role"), "status");
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, "map-goto-refused");
    assert.deepEqual(ben.problems, []);
  } finally {
    await ben.context.close();
  }
});

// Metres per pixel of the map at the test rooms' zoom (14) and latitude
// (-33.92): Web Mercator's 156,543 m per pixel at zoom 0 on the equator,
// halved per level, times cos(latitude).
const metresPerPixel = (156543.03392 / 2 ** 14) * Math.cos((33.92 * Math.PI) / 180);
const near = (actual, expected, what) =>
  assert.ok(Math.abs(actual - expected) / expected < 0.01, `${what}: ${actual}, expected ${expected} within 1%`);

test("measuring: a path's length and an area's size, in m/km and m²/ha, and nothing is sent to the room", async () => {
  await server.createRoom("measure", "Measure");
  const ben = await joinAs("measure", "participant", "Ben", "ben");
  try {
    const page = ben.page;
    const seq = (await server.state("measure")).seq;
    await page.click('[data-testid="tool-measure"]');
    await page.locator("#map.measuring").waitFor();
    const distance = page.locator('[data-testid="measure-distance"]');
    const area = page.locator('[data-testid="measure-area"]');
    assert.equal(await distance.textContent(), "Distance: 0 m");
    assert.equal(await area.textContent(), "Area: add a third point");
    // By clicking the map: one short leg (in metres), then two legs of 300
    // pixels at a right angle (in km, and a triangle's area).
    const map = page.locator("#map");
    await map.click({ position: { x: 500, y: 300 } });
    await page.locator('[data-testid="measure-status"]', { hasText: "1 point" }).waitFor();
    await map.click({ position: { x: 500, y: 400 } });
    await page.locator('[data-testid="measure-status"]', { hasText: "2 points" }).waitFor();
    near(Number(await distance.getAttribute("data-metres")), 100 * metresPerPixel, "a 100-pixel leg");
    assert.match(await distance.textContent(), /^Distance: \d{3,4} m$/, "under a kilometre in metres");
    await page.locator('[data-testid="measure-undo"]').click();
    await map.click({ position: { x: 500, y: 600 } });
    await map.click({ position: { x: 800, y: 600 } });
    await page.locator('[data-testid="measure-status"]', { hasText: "3 points" }).waitFor();
    const leg = 300 * metresPerPixel;
    near(Number(await distance.getAttribute("data-metres")), 2 * leg, "two legs");
    assert.match(await distance.textContent(), /^Distance: \d\.\d\d km$/, "over a kilometre in km");
    near(Number(await area.getAttribute("data-square-metres")), (leg * leg) / 2, "the right triangle");
    assert.match(await area.textContent(), /^Area: \d\.\d\d km²$/);
    await screenshot(page, "map-measure");

    // From the keyboard: the map's centre is a point.
    await page.click('[data-testid="measure-clear"]');
    assert.equal(await distance.textContent(), "Distance: 0 m");
    await page.locator('[data-testid="measure-add-centre"]').press("Enter");
    await page.locator('[data-testid="measure-status"]', { hasText: "1 point" }).waitFor();
    await page.click('[data-testid="measure-undo"]');
    await page.locator('[data-testid="measure-status"]', { hasText: "0 points" }).waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);

    // Closing stops measuring: a click on the map then measures nothing.
    await page.click('[data-testid="tool-measure"]');
    await page.locator("#map.measuring").waitFor({ state: "detached" });
    await map.click({ position: { x: 400, y: 400 } });
    assert.equal((await server.state("measure")).seq, seq, "the room has no new event");
    assert.deepEqual(ben.problems, []);
  } finally {
    await ben.context.close();
  }
});

test("mark where I stand: with the location allowed a marker is placed there and opened; denied, the page says so and adds nothing", async () => {
  await server.createRoom("stand", "Stand");
  const allowed = await joinAs("stand", "participant", "Ben", "ben", { permissions: ["geolocation"], geolocation: { latitude: -33.9249, longitude: 18.4241, accuracy: 12 } });
  try {
    const page = allowed.page;
    await page.click('[data-testid="tool-stand"]');
    const popup = page.locator('[data-testid="feature-popup"]');
    await popup.waitFor();
    await page.locator(".notice", { hasText: "Marked where you stand (to within 12 m)." }).waitFor();
    const state = await server.state("stand");
    const marked = state.features.find((f) => f.title === "Ben is here");
    assert.ok(marked, JSON.stringify(state.features));
    assert.deepEqual(marked.geometry.positions, [{ lon: 18.4241, lat: -33.9249 }]);
    await feature(page, "Ben is here").waitFor();
    const [lat, lon] = await centre(page);
    assert.ok(Math.abs(lat + 33.9249) < 1e-4 && Math.abs(lon - 18.4241) < 1e-4, `the map is where Ben stands: ${lat},${lon}`);
    await screenshot(page, "map-where-i-stand");
  } finally {
    await allowed.context.close();
  }

  const denied = await joinAs("stand", "participant", "Dan", "dan", { geolocation: { latitude: -33.9, longitude: 18.4 } });
  try {
    const page = denied.page;
    const seq = (await server.state("stand")).seq;
    await page.click('[data-testid="tool-stand"]');
    await page.locator('[data-testid="tool-stand"][data-state="denied"]').waitFor();
    const notice = page.locator('.notice[data-code="GEOLOCATION_DENIED"]');
    await notice.waitFor();
    assert.match(await notice.textContent(), /^This page may not know where you are: allow location for this site in the browser's settings, or place the marker by hand\./);
    assert.equal((await server.state("stand")).seq, seq, "nothing was added");
    await screenshot(page, "map-where-i-stand-denied");
    assert.deepEqual(denied.problems, []);
  } finally {
    await denied.context.close();
  }
});

test("the map's tools on a phone (390×844): reachable, on screen, uncovered, and without axe violations", async () => {
  await roomWithFeatures("phone-tools").then((cai) => cai.disconnect());
  const ben = await joinAs("phone-tools", "participant", "Ben", "ben", { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  try {
    const page = ben.page;
    for (const tool of ["tool-search", "tool-goto", "tool-measure", "tool-stand"]) {
      const button = page.locator(`[data-testid="${tool}"]`);
      assert.equal(await button.isVisible(), true, tool);
      const box = await button.boundingBox();
      assert.ok(box.width >= 44 && box.height >= 44, `${tool} is a finger's size: ${box.width}×${box.height}`);
    }
    assert.deepEqual(await offScreenOrCovered(page), []);
    for (const tool of ["search", "goto", "measure"]) {
      await page.locator(`[data-testid="tool-${tool}"]`).tap();
      await page.locator(`[data-testid="${tool}-panel"]`).waitFor();
      assert.deepEqual(await offScreenOrCovered(page), [], `with the ${tool} panel open`);
      assert.deepEqual(await accessibilityViolations(page), [], `with the ${tool} panel open`);
      await screenshot(page, `map-phone-${tool}`);
    }
    // A search result on a phone closes the panel, so the popup has the map.
    await page.locator('[data-testid="tool-search"]').tap();
    await page.fill('[data-testid="map-search"]', "ferry");
    await page.locator('[data-testid="search-result"]').first().tap();
    await page.locator('[data-testid="feature-popup"]').waitFor();
    await popupsShown(page);
    assert.equal(await page.locator('[data-testid="search-panel"]').isVisible(), false);
    assert.deepEqual(await offScreenOrCovered(page), []);
    await screenshot(page, "map-phone-search-result");
    assert.deepEqual(ben.problems, []);
  } finally {
    await ben.context.close();
  }
});
