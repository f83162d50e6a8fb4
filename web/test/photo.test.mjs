// Photo notes on a study trip, in a real browser against a real server: a
// geotagged photo (a JPEG drawn by the browser, with an EXIF GPS block
// written here) is uploaded, the app asks whether to place it where it was
// taken, and the note lands at that spot with the photo's thumbnail in its
// popup and the full picture in a dialog. A photo taken while the server is
// down waits in IndexedDB through a reload and becomes exactly one stored
// attachment and one note once the server is back.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { feature, joinAs, screenshot, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

const limit = { timeout: 120_000 };

// A small JPEG drawn by the page's own canvas encoder, in its own colour:
// the store keeps equal bytes once, so each test's photo differs.
async function jpegFrom(page, colour) {
  const bytes = await page.evaluate(async (colour) => {
    const canvas = document.createElement("canvas");
    canvas.width = 96;
    canvas.height = 64;
    const g = canvas.getContext("2d");
    g.fillStyle = "#3a7d44";
    g.fillRect(0, 0, 96, 64);
    g.fillStyle = colour;
    g.fillRect(20, 10, 40, 30);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
    return [...new Uint8Array(await blob.arrayBuffer())];
  }, colour);
  return Buffer.from(bytes);
}

// An APP1 EXIF segment (little-endian TIFF) holding only a GPS position,
// in degrees, minutes and seconds as cameras write it.
function gpsSegment(lat, lon) {
  const tiff = Buffer.alloc(128);
  tiff.write("II", 0, "latin1");
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4); // IFD0
  tiff.writeUInt16LE(1, 8); // one entry: the GPS IFD's offset
  tiff.writeUInt16LE(0x8825, 10);
  tiff.writeUInt16LE(4, 12); // LONG
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt32LE(26, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  tiff.writeUInt16LE(4, 26); // the GPS IFD: four entries
  const entry = (at, tag, type, count, value) => {
    tiff.writeUInt16LE(tag, at);
    tiff.writeUInt16LE(type, at + 2);
    tiff.writeUInt32LE(count, at + 4);
    if (typeof value === "string") tiff.write(value, at + 8, "latin1");
    else tiff.writeUInt32LE(value, at + 8);
  };
  entry(28, 0x0001, 2, 2, lat < 0 ? "S\0" : "N\0");
  entry(40, 0x0002, 5, 3, 80);
  entry(52, 0x0003, 2, 2, lon < 0 ? "W\0" : "E\0");
  entry(64, 0x0004, 5, 3, 104);
  tiff.writeUInt32LE(0, 76);
  const rationals = (at, value) => {
    const v = Math.abs(value);
    const deg = Math.floor(v);
    const min = Math.floor((v - deg) * 60);
    const sec = Math.round(((v - deg) * 60 - min) * 60 * 1000);
    for (const [i, [n, d]] of [
      [deg, 1],
      [min, 1],
      [sec, 1000],
    ].entries()) {
      tiff.writeUInt32LE(n, at + i * 8);
      tiff.writeUInt32LE(d, at + i * 8 + 4);
    }
  };
  rationals(80, lat);
  rationals(104, lon);
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xffe1, 0);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

// The JPEG with the GPS segment right after its SOI marker.
function geotagged(jpeg, lat, lon) {
  assert.equal(jpeg.readUInt16BE(0), 0xffd8);
  return Buffer.concat([jpeg.subarray(0, 2), gpsSegment(lat, lon), jpeg.subarray(2)]);
}

// The files of stored bytes in the server's attachment store (not thumbnails, not the index).
function storedFiles() {
  const root = join(server.dataDir, "attachments");
  let count = 0;
  for (const dir of readdirSync(root, { withFileTypes: true }))
    if (dir.isDirectory())
      count += readdirSync(join(root, dir.name)).filter((f) => !f.endsWith(".thumb") && !f.includes(".tmp")).length;
  return count;
}

test("a geotagged photo becomes a note where it was taken, with its thumbnail and the full picture", limit, async () => {
  await server.createRoom("walk", "Study trip Cape Town");
  const ben = await joinAs("walk", "participant", "Ben", "ben");
  try {
    const photo = geotagged(await jpegFrom(ben.page, "#f2c14e"), -33.921, 18.428);
    await ben.page.setInputFiles('[data-testid="photo-input"]', { name: "bench.jpg", mimeType: "image/jpeg", buffer: photo });

    // Asked where it goes, with the photo's own spot offered.
    const place = ben.page.locator('[data-testid="photo-place"]');
    await place.locator('.question[data-gps="true"]').waitFor();
    assert.match(await place.textContent(), /Place it where it was taken\?/);
    await ben.page.locator('[data-testid="photo-marker"]').waitFor();
    await ben.page.fill('[data-testid="photo-title"]', "Bench by the fountain");
    await screenshot(ben.page, "photo-place-at-gps");
    await ben.page.click('[data-testid="photo-place-here"]');
    await feature(ben.page, "Bench by the fountain").waitFor();
    assert.equal(await place.isHidden(), true);

    // On the server: one note at the photo's position, naming the one attachment.
    const state = await server.state("walk");
    const notes = state.features.filter((f) => f.title === "Bench by the fountain");
    assert.equal(notes.length, 1);
    const [note] = notes;
    assert.equal(note.geometry.kind, "FEATURE_KIND_NOTE");
    assert.ok(Math.abs(note.geometry.positions[0].lat - -33.921) < 1e-4, JSON.stringify(note.geometry));
    assert.ok(Math.abs(note.geometry.positions[0].lon - 18.428) < 1e-4, JSON.stringify(note.geometry));
    assert.equal(note.attachment_ids.length, 1);
    assert.deepEqual(
      state.attachments.map((a) => a.id),
      note.attachment_ids,
    );
    assert.equal(state.attachments[0].uploader_id, "ben");

    // Its popup shows the thumbnail; a click opens the full picture, titled.
    await feature(ben.page, "Bench by the fountain").click();
    const thumb = ben.page.locator('[data-testid="feature-popup"] [data-testid="attachment-thumbnail"]');
    await thumb.waitFor();
    await ben.page.waitForFunction(
      () => {
        const img = document.querySelector('[data-testid="feature-popup"] [data-testid="attachment-thumbnail"]');
        return img?.complete && img.naturalWidth > 0;
      },
      null,
      { timeout: 20_000 },
    );
    assert.match(await thumb.getAttribute("src"), /^data:image\/webp;base64,/);
    await ben.page.click('[data-testid="feature-popup"] [data-testid="attachment"]');
    const full = ben.page.locator('[data-testid="attachment-dialog"] [data-testid="attachment-full"]');
    await full.waitFor();
    await ben.page.waitForFunction(() => {
      const img = document.querySelector('[data-testid="attachment-full"]');
      return img?.complete && img.naturalWidth === 96;
    });
    assert.equal(await full.getAttribute("alt"), "Bench by the fountain");
    assert.match(await full.getAttribute("src"), /^data:image\/jpeg;base64,/);
    await screenshot(ben.page, "photo-full-size");
    await ben.page.click('[data-testid="attachment-close"]');
    await ben.page.locator('[data-testid="attachment-dialog"]').waitFor({ state: "detached" });
    assert.deepEqual(ben.problems, []);
  } finally {
    await ben.context.close();
  }
});

test("a photo without GPS goes where the map is tapped", limit, async () => {
  await server.createRoom("walk-nogps", "Study trip without GPS");
  const ben = await joinAs("walk-nogps", "participant", "Ben", "ben");
  try {
    await ben.page.setInputFiles('[data-testid="photo-input"]', {
      name: "wall.jpg",
      mimeType: "image/jpeg",
      buffer: await jpegFrom(ben.page, "#d1495b"),
    });
    const place = ben.page.locator('[data-testid="photo-place"]');
    await place.locator('.question[data-gps="false"]').waitFor();
    await ben.page.fill('[data-testid="photo-title"]', "Mural on the wall");
    const box = await ben.page.locator("#map").boundingBox();
    await ben.page.locator("#map").click({ position: { x: box.width / 2 + 120, y: box.height / 2 } });
    await ben.page.click('[data-testid="photo-place-here"]');
    await feature(ben.page, "Mural on the wall").waitFor();
    const state = await server.state("walk-nogps");
    const [note] = state.features.filter((f) => f.title === "Mural on the wall");
    // East of the centre (18.42), where the tap was, not at the centre.
    assert.ok(note.geometry.positions[0].lon > 18.421, JSON.stringify(note.geometry));
    assert.equal(note.attachment_ids.length, 1);
    assert.deepEqual(ben.problems, []);
  } finally {
    await ben.context.close();
  }
});

test("a photo taken while the server is down waits through a reload, then is stored once and noted once", limit, async () => {
  await server.createRoom("walk-offline", "Study trip offline");
  const ben = await joinAs("walk-offline", "participant", "Ben", "ben");
  try {
    await ben.page.waitForFunction(() => navigator.serviceWorker?.controller != null);
    const photo = geotagged(await jpegFrom(ben.page, "#00798c"), -33.925, 18.425);
    await server.down();
    await ben.page.locator('[data-testid="connection"][data-state="reconnecting"]').waitFor();
    const before = storedFiles();

    await ben.page.setInputFiles('[data-testid="photo-input"]', { name: "market.jpg", mimeType: "image/jpeg", buffer: photo });
    await ben.page.locator('[data-testid="photo-queue"][data-count="1"]').waitFor();
    ben.page.on("dialog", (dialog) => void dialog.accept());
    await ben.page.reload();
    // The reloaded page still has it waiting.
    await ben.page.locator('[data-testid="photo-queue"][data-count="1"]').waitFor();
    assert.equal(await ben.page.locator('[data-testid="photo-place"]').isHidden(), true);
    await screenshot(ben.page, "photo-queued-offline");

    await server.up();
    const place = ben.page.locator('[data-testid="photo-place"]');
    await place.locator('.question[data-gps="true"]').waitFor({ timeout: 60_000 });
    await ben.page.fill('[data-testid="photo-title"]', "Market entrance");
    await ben.page.click('[data-testid="photo-place-here"]');
    await feature(ben.page, "Market entrance").waitFor();
    await ben.page.locator('[data-testid="connection"][data-state="connected"][data-pending="0"]').waitFor();
    await ben.page.locator('[data-testid="photo-queue"][data-count="0"]').waitFor({ state: "attached" });

    // A further reload asks nothing and sends nothing.
    await ben.page.reload();
    await ben.page.locator('[data-testid="connection"][data-state="connected"][data-pending="0"]').waitFor();
    await feature(ben.page, "Market entrance").waitFor();
    assert.equal(await ben.page.locator('[data-testid="photo-place"]').isHidden(), true);

    const state = await server.state("walk-offline");
    const notes = state.features.filter((f) => f.title === "Market entrance");
    assert.equal(notes.length, 1);
    assert.equal(state.attachments.length, 1);
    assert.deepEqual(notes[0].attachment_ids, [state.attachments[0].id]);
    assert.equal(storedFiles(), before + 1);
    assert.deepEqual(ben.problems, []);
  } finally {
    await ben.context.close();
  }
});

test("a facilitator builds the itinerary from the map's centre; everyone sees the numbered route", limit, async () => {
  await server.createRoom("walk-route", "Study trip route");
  const ana = await joinAs("walk-route", "facilitator", "Ana", "ana");
  const ben = await joinAs("walk-route", "participant", "Ben", "ben");
  try {
    await ana.page.click('[data-testid="itinerary"] summary');
    for (const title of ["Station", "Market", "Harbour"]) {
      await ana.page.fill('[data-testid="stop-title"]', title);
      await ana.page.click('[data-testid="add-stop"]');
      await ana.page.locator('[data-testid="itinerary-stop"]', { hasText: title }).waitFor();
      await ana.page.mouse.move(640, 400);
      await ana.page.mouse.down();
      await ana.page.mouse.move(540, 400, { steps: 5 });
      await ana.page.mouse.up();
    }
    // Harbour first, then remove the station.
    await ana.page.locator('[data-testid="itinerary-stop"]', { hasText: "Harbour" }).locator('[data-testid="stop-up"]').click();
    await ana.page.waitForFunction(
      () => document.querySelectorAll('[data-testid="itinerary-stop"]')[1]?.textContent?.includes("Harbour"),
    );
    await ana.page.locator('[data-testid="itinerary-stop"]', { hasText: "Station" }).locator('[data-testid="stop-remove"]').click();
    await ana.page.waitForFunction(() => document.querySelectorAll('[data-testid="itinerary-stop"]').length === 2);

    await ben.page.waitForFunction(() => document.querySelectorAll('[data-testid="itinerary-stop-marker"]').length === 2);
    await ben.page.click('[data-testid="itinerary"] summary');
    const names = await ben.page.locator('[data-testid="itinerary-stop"]').allTextContents();
    assert.deepEqual(names, ["Harbour", "Market"]);
    assert.equal(await ben.page.locator('[data-testid="stop-up"]').count(), 0, "participants see no editor");
    assert.equal(await ben.page.locator(".itinerary-line").count(), 1);
    const state = await server.state("walk-route");
    assert.deepEqual(
      state.itinerary.map((s) => s.title),
      ["Harbour", "Market"],
    );
    assert.notEqual(state.itinerary[0].position.lon, state.itinerary[1].position.lon);
    await screenshot(ben.page, "itinerary-route");
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});
