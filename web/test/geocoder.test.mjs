// Places from the server's geocoder (--geocoder-url) in the search box: a
// small HTTP server here plays a Nominatim-compatible search; the browser
// asks it directly (the page's policy lets it), once typing has paused, and
// lists its places under the room's features with a line naming the
// source; a place moves the map there. A geocoder that fails is said
// politely and the room's features are still found.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, test } from "node:test";

import { accessibilityViolations, feature, joinAs, scripted, server, useServerAndBrowser } from "./browser.mjs";

// The questions the geocoder was asked, in order (the q parameter).
const asked = [];
let failing = false;
const geocoder = createServer((req, res) => {
  const url = new URL(req.url, "http://geocoder.test");
  const q = url.searchParams.get("q") ?? "";
  asked.push(q);
  const headers = { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*" };
  if (url.pathname !== "/search" || url.searchParams.get("format") !== "jsonv2") {
    res.writeHead(404, headers).end("[]");
  } else if (failing) {
    res.writeHead(503, headers).end(JSON.stringify({ error: "overloaded" }));
  } else if (q.toLowerCase().includes("alfama")) {
    res.writeHead(200, headers).end(
      JSON.stringify([
        {
          place_id: 1,
          licence: "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
          lat: "38.7117",
          lon: "-9.1300",
          display_name: "Alfama, Santa Maria Maior, Lisboa, Portugal",
          boundingbox: ["38.7080", "38.7150", "-9.1350", "-9.1250"],
        },
        { place_id: 2, lat: "not a number", lon: "-9.1", display_name: "A broken entry, left out" },
        { place_id: 3, lat: "38.72", lon: "-9.14", display_name: "Rua da Alfama, Lisboa" },
      ]),
    );
  } else {
    res.writeHead(200, headers).end("[]");
  }
});
await new Promise((resolve) => geocoder.listen(0, "127.0.0.1", resolve));
const geocoderBase = `http://127.0.0.1:${geocoder.address().port}`;
// The server reads MAPTABLE_<FLAG> from its environment (web/test/server.mjs passes it on).
process.env.MAPTABLE_GEOCODER_URL = `${geocoderBase}/search?format=jsonv2&q={query}`;
after(() => geocoder.close());

useServerAndBrowser();

const centre = async (page) => (await page.locator("#map").getAttribute("data-center")).split(",").map(Number);

test("the search box offers places from the server's geocoder; a place moves the map there; a failing geocoder is said politely", async () => {
  await server.createRoom("places", "Places");
  const cai = await scripted("places", "participant", "Cai", "cai");
  const ana = await joinAs("places", "participant", "Ana", "ana");
  try {
    assert.ok((await cai.addFeature({ id: "alf", title: "Alfama stairs", geometry: { kind: 1, positions: [{ lon: 18.42, lat: -33.92 }] } })).ok);
    const page = ana.page;
    await feature(page, "Alfama stairs").waitFor();
    await page.click('[data-testid="tool-search"]');
    const box = page.locator('[data-testid="map-search"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="map-search"]').placeholder === "a feature, or a place to go to");

    // Two letters ask nobody; typing "alfama" asks once, after the pause, for the whole word.
    await box.pressSequentially("al");
    await box.pressSequentially("fama", { delay: 40 });
    await page.locator('[data-testid="place-status"]', { hasText: "2 places found" }).waitFor();
    assert.deepEqual(asked, ["alfama"], "one question, once typing paused");
    // The room's own feature first, then the places; the broken entry is left out.
    assert.deepEqual(await page.locator('[data-testid="search-result"]').evaluateAll((n) => n.map((b) => b.dataset.featureId)), ["alf"]);
    assert.deepEqual(await page.locator('[data-testid="place-result"]').allTextContents(), [
      "Alfama, Santa Maria Maior, Lisboa, Portugal",
      "Rua da Alfama, Lisboa",
    ]);
    const attribution = await page.locator('[data-testid="place-attribution"]').textContent();
    assert.match(attribution, new RegExp(`^Places from 127\\.0\\.0\\.1:${geocoder.address().port}, a search service this server names`));
    assert.match(attribution, /Data © OpenStreetMap contributors/);
    assert.deepEqual(await accessibilityViolations(page), [], "the search with places");

    // A place: the map goes there (the middle of its extent) and marks it.
    await page.locator('[data-testid="place-result"]').first().click();
    await page.waitForFunction(() => {
      const [lat, lon] = document.querySelector("#map").dataset.center.split(",").map(Number);
      return Math.abs(lat - 38.7115) < 0.01 && Math.abs(lon + 9.13) < 0.01;
    });
    const [lat, lon] = await centre(page);
    assert.ok(Math.abs(lat - 38.7115) < 0.01 && Math.abs(lon + 9.13) < 0.01, `centre ${lat},${lon}`);
    assert.equal(await page.locator(".goto-mark").count(), 1);
    await page.locator('[data-testid="place-status"]', { hasText: "Showing Alfama, Santa Maria Maior" }).waitFor();

    // The geocoder fails: a polite note, and the room's features are still found.
    failing = true;
    await box.fill("alfama stairs");
    await page.locator('[data-testid="place-status"][data-state="failed"]').waitFor();
    assert.equal(
      await page.locator('[data-testid="place-status"]').textContent(),
      "The place search is not answering just now; the room's features are still found.",
    );
    assert.equal(await page.locator('[data-testid="place-result"]').count(), 0);
    assert.deepEqual(await page.locator('[data-testid="search-result"]').evaluateAll((n) => n.map((b) => b.dataset.featureId)), ["alf"]);
    assert.ok(asked.includes("alfama stairs"));
    // Nothing went through the server, and the page's policy let the fetch through.
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(ana.problems, []);
  } finally {
    failing = false;
    cai.disconnect();
    await ana.context.close();
  }
});

test("/config.json names the server's geocoder for the page", async () => {
  const config = await (await fetch(`${server.base}/config.json`)).json();
  assert.equal(config.geocoder_url, `${geocoderBase}/search?format=jsonv2&q={query}`);
});
