// Reference layers in the app, in real Chromium against the real server: a
// participant imports a GeoJSON file through the dialog; the layer shows in
// everyone's legend and on the map, under the room's own features; hiding it
// is this page's choice only; a facilitator copies one feature into the
// room's own and renames the layer; a broken file gets the server's reason
// in the page's language; German labels; axe finds nothing.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  accessibilityViolations,
  feature,
  joinAs,
  popupsShown,
  roomWithAnaAndBen,
  screenshot,
  server,
  useServerAndBrowser,
} from "./browser.mjs";

useServerAndBrowser();

// Two parks and a cycle route around the rooms' centre (18.42, -33.92); a
// description with markup that must stay text.
const parks = JSON.stringify({
  type: "FeatureCollection",
  name: "Parks 2026",
  features: [
    {
      type: "Feature",
      properties: { name: "Company's Garden", description: "<b>not bold</b>", ward: "115" },
      geometry: { type: "Point", coordinates: [18.418, -33.926] },
    },
    {
      type: "Feature",
      properties: { name: "Green Point Park" },
      geometry: {
        type: "Polygon",
        coordinates: [[[18.40, -33.90], [18.41, -33.90], [18.41, -33.91], [18.40, -33.90]]],
      },
    },
    {
      type: "Feature",
      properties: { name: "Sea Point cycle lane" },
      geometry: { type: "LineString", coordinates: [[18.39, -33.91], [18.40, -33.915], [18.41, -33.92]] },
    },
  ],
});

async function importFile(page, name, content) {
  await page.click('[data-tab="layers"]');
  await page.click('[data-testid="import-layer"]');
  const dialog = page.locator('[data-testid="import-dialog"]');
  await dialog.waitFor();
  await dialog.locator('[data-testid="import-file"]').setInputFiles({ name, mimeType: "application/octet-stream", buffer: Buffer.from(content) });
  await dialog.locator('[data-testid="import-submit"]').click();
  return dialog;
}

test("a participant imports a GeoJSON layer; everyone sees it under the room's features; hide it; a facilitator copies and renames", async () => {
  const { ana, ben } = await roomWithAnaAndBen("lab", "Living lab");
  try {
    // Ben imports through the dialog; the format is found from the extension.
    const dialog = await importFile(ben.page, "parks.geojson", parks);
    assert.equal(await dialog.locator('[data-testid="import-format"]').inputValue(), "geojson");
    await dialog.waitFor({ state: "hidden" });
    await ben.page.locator(".notice", { hasText: "Layer “Parks 2026” imported: 3 features." }).waitFor();

    // In Ana's legend and on her map, in the pane under the overlay pane.
    await ana.page.click('[data-tab="layers"]');
    const entry = ana.page.locator('[data-testid="reference-layer"][data-name="Parks 2026"]');
    await entry.waitFor();
    assert.match(await entry.locator("label").textContent(), /Parks 2026 \(3 features\)/);
    const shapes = ana.page.locator(".leaflet-referenceLayers-pane .reference-feature");
    await ana.page.waitForFunction(() => document.querySelectorAll(".leaflet-referenceLayers-pane .reference-feature").length === 3);
    const zIndex = await ana.page.evaluate(() => {
      const pane = document.querySelector(".leaflet-referenceLayers-pane");
      const overlay = document.querySelector(".leaflet-overlay-pane");
      return [Number(getComputedStyle(pane).zIndex), Number(getComputedStyle(overlay).zIndex)];
    });
    assert.ok(zIndex[0] < zIndex[1], `reference pane ${zIndex[0]} is under the overlay pane ${zIndex[1]}`);

    // Hiding it is Ben's choice only.
    await ben.page.locator('[data-testid="reference-layer"][data-name="Parks 2026"] [data-testid="reference-layer-toggle"]').uncheck();
    await ben.page.waitForFunction(() => document.querySelectorAll(".leaflet-referenceLayers-pane .reference-feature").length === 0);
    assert.equal(await shapes.count(), 3);
    await ben.page.locator('[data-testid="reference-layer"][data-name="Parks 2026"] [data-testid="reference-layer-toggle"]').check();
    await ben.page.waitForFunction(() => document.querySelectorAll(".leaflet-referenceLayers-pane .reference-feature").length === 3);
    // Participants have no changes to make to a layer.
    assert.equal(await ben.page.locator('[data-testid="reference-layer-remove"]').count(), 0);

    // Ana opens the garden's popup: its texts stay text, its attributes listed.
    const layerId = await entry.getAttribute("data-layer");
    await ana.page.evaluate(() => {
      const marker = document.querySelector(".leaflet-referenceLayers-pane path.reference-feature-0");
      marker.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    });
    const popup = ana.page.locator('[data-testid="reference-popup"]');
    await popup.waitFor();
    await popupsShown(ana.page);
    assert.equal(await popup.locator(".description").textContent(), "<b>not bold</b>");
    assert.equal(await popup.locator("b").count(), 0);
    assert.match(await popup.textContent(), /Reference layer: Parks 2026/);
    const title = await popup.locator("h3").textContent();
    assert.equal(title, "Company's Garden");
    assert.match(await popup.locator(".attributes").textContent(), /ward115/);
    await screenshot(ana.page, "layers-popup");

    // Copied into the room's own features: Ben sees a new feature with that title.
    await popup.locator('[data-testid="reference-copy-one"]').click();
    await ana.page.locator(".notice", { hasText: "1 feature copied to the map." }).waitFor();
    await feature(ben.page, title).waitFor();
    const state = await server.state("lab");
    const copied = state.features.find((f) => f.title === title);
    assert.ok(copied, "the copy is in the room's state");
    assert.equal(copied.author_id, "ana");
    assert.equal(copied.layer, "Parks 2026");

    // Renamed by Ana, for everyone.
    const editor = entry.locator("details");
    await editor.locator("summary").click();
    await editor.locator('[data-testid="reference-layer-name"]').fill("Parks und Grünflächen");
    await editor.locator('[data-testid="reference-layer-rename"]').click();
    await ben.page.locator('[data-testid="reference-layer"][data-name="Parks und Grünflächen"]').waitFor();
    assert.equal(layerId, (await server.state("lab")).layers[0].id);
    await screenshot(ana.page, "layers-legend");
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("a broken file is refused with the server's reason in German; the German dialog and legend are axe clean", async () => {
  await server.createRoom("labor", "Reallabor");
  const ana = await joinAs("labor", "facilitator", "Ana", "ana", { locale: "de-DE" });
  try {
    const dialog = await importFile(ana.page, "kaputt.geojson", '{"type":"FeatureCollection","features":[');
    const error = dialog.locator('[data-testid="import-error"]');
    await error.waitFor();
    assert.match(await error.textContent(), /Die Datei wurde nicht importiert\. Die Datei ist beschädigt oder nicht wohlgeformt\./);
    assert.match(await error.textContent(), /Der Server meldet: line 1/);
    assert.equal(await dialog.locator("h2").textContent(), "Ebene importieren");
    assert.deepEqual(await accessibilityViolations(ana.page), []);
    await screenshot(ana.page, "layers-import-error-de");
    assert.equal((await server.state("labor")).layers, undefined);

    // Keyboard: Escape closes the dialog and gives the focus back to its button.
    await ana.page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    assert.equal(await ana.page.evaluate(() => document.activeElement?.dataset.testid), "import-layer");

    // A good file: the German legend, with the facilitator's changes, axe clean.
    const again = await importFile(ana.page, "parks.geojson", parks);
    await again.waitFor({ state: "hidden" });
    const entry = ana.page.locator('[data-testid="reference-layer"][data-name="Parks 2026"]');
    await entry.waitFor();
    assert.match(await entry.locator("label").textContent(), /\(3 Objekte\)/);
    await entry.locator("summary").click();
    assert.equal(await entry.locator('[data-testid="reference-layer-remove"]').textContent(), "Entfernen");
    assert.deepEqual(await accessibilityViolations(ana.page), []);

    // Removed, after the question.
    ana.page.once("dialog", (d) => d.accept());
    await entry.locator('[data-testid="reference-layer-remove"]').click();
    await ana.page.locator('[data-testid="reference-layers"] .empty', { hasText: "Noch keine Referenzebenen." }).waitFor();
    await ana.page.waitForFunction(() => document.querySelectorAll(".leaflet-referenceLayers-pane .reference-feature").length === 0);
  } finally {
    await ana.context.close();
  }
});
