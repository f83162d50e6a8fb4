// Editing comfort, seen by the others in the room: the toolbar's fields
// empty again after placing; undo of one's own last change (an add taken
// back, an edit put back, a delete brought back, each a new command everyone
// sees; refused in words once someone else changed the feature); and
// reshaping a line by dragging its points and from the keyboard, and an
// area from the keyboard (a facilitator any line, a participant only their
// own).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  accessibilityViolations,
  drawMarker,
  feature,
  joinAs,
  popupsShown,
  screenshot,
  screenshotOf,
  scripted,
  server,
  useServerAndBrowser,
} from "./browser.mjs";

useServerAndBrowser();

// The titles of the features on Cai's replica (a third person, by script).
function titlesOf(client) {
  return [...client.replica.state.features.values()].map((f) => f.title).sort();
}

// Until Cai's replica satisfies `check` (it changes only by the server's events).
function until(client, check) {
  return new Promise((resolve) => {
    if (check()) return resolve();
    const off = client.onEvent(() => {
      if (!check()) return;
      off();
      resolve();
    });
  });
}

// Closes every popup, at once: one that is fading out may leave the page
// between finding its close button and clicking it.
async function closePopups(page) {
  await page.keyboard.press("Escape");
  await page.evaluate(() => document.querySelectorAll(".leaflet-popup-close-button").forEach((b) => b.click()));
  await page.waitForFunction(() => document.querySelectorAll(".leaflet-popup").length === 0);
}

test("undo takes back my own add, edit and delete as new commands, and refuses once someone else changed it", async () => {
  await server.createRoom("undo", "Undo");
  const ana = await joinAs("undo", "facilitator", "Ana", "ana");
  const ben = await joinAs("undo", "participant", "Ben", "ben");
  const cai = await scripted("undo", "participant", "Cai", "cai");
  try {
    const page = ben.page;
    const undo = page.locator('[data-testid="undo"]');
    assert.equal(await undo.isDisabled(), true, "nothing to undo at first");

    // An add, undone with the button: gone for everyone.
    await page.fill("#draw-category", "seating");
    await drawMarker(page, "Bench", 400, 300);
    await feature(ana.page, "Bench").waitFor();
    assert.equal(await feature(ana.page, "Bench").getAttribute("data-category"), "seating");
    // The toolbar's fields were used once, and are empty again.
    assert.equal(await page.inputValue("#draw-title"), "");
    assert.equal(await page.inputValue("#draw-category"), "");
    // Ben's own page has the change confirmed (not only Ana's) when his button names it.
    const undoSays = (what) => page.locator(`[data-testid="undo"][title="${what}"]`).waitFor();
    await undoSays("Undo: adding 'Bench'");
    await undo.click();
    await feature(ana.page, "Bench").waitFor({ state: "detached" });
    await until(cai, () => !titlesOf(cai).includes("Bench"));

    // An edit, undone with Ctrl+Z on the map: the old title is back.
    await drawMarker(page, "Kiosk", 420, 320);
    // The newest popup (the one before fades out for a moment).
    const popup = page.locator('[data-testid="feature-popup"]').last();
    await popup.locator('input[name="title"]').fill("Kiosk north");
    await popup.locator(".feature-form button[type=submit]").click();
    await feature(ana.page, "Kiosk north").waitFor();
    await undoSays("Undo: the change to 'Kiosk north'");
    await closePopups(page);
    await page.locator("#map").focus();
    await page.keyboard.press("Control+z");
    await feature(ana.page, "Kiosk").waitFor();
    await until(cai, () => titlesOf(cai).includes("Kiosk") && !titlesOf(cai).includes("Kiosk north"));
    const seqAfterEditUndo = cai.replica.state.seq;

    // A delete (confirmed first), undone: the feature is back, the same id.
    const id = await feature(page, "Kiosk").getAttribute("data-feature-id");
    await feature(page, "Kiosk").click();
    page.once("dialog", (d) => void d.accept());
    await popup.locator('[data-testid="delete-feature"]').click();
    await feature(ana.page, "Kiosk").waitFor({ state: "detached" });
    await undoSays("Undo: deleting 'Kiosk'");
    await undo.click();
    await feature(ana.page, "Kiosk").waitFor();
    await until(cai, () => cai.replica.state.features.has(id));
    assert.ok(cai.replica.state.seq > seqAfterEditUndo, "the undo is a new event, not a rewrite of the log");

    // Ben edits; Ana edits after him; Ben's undo is refused, and Ana's work stays.
    await closePopups(page);
    await feature(page, "Kiosk").click();
    await popup.locator('input[name="title"]').fill("Kiosk B");
    await popup.locator(".feature-form button[type=submit]").click();
    await undoSays("Undo: the change to 'Kiosk B'");
    await feature(ana.page, "Kiosk B").click();
    const anaPopup = ana.page.locator('[data-testid="feature-popup"]').last();
    await anaPopup.locator('input[name="title"]').fill("Kiosk (checked by Ana)");
    await anaPopup.locator(".feature-form button[type=submit]").click();
    await feature(page, "Kiosk (checked by Ana)").waitFor();
    await closePopups(page);
    await undo.click();
    await page
      .locator('.notice.error[data-code="UNDO_REFUSED"]', { hasText: "Cannot undo: Ana changed 'Kiosk B' since." })
      .waitFor();
    await screenshot(page, "undo-refused");
    assert.deepEqual(
      (await server.state("undo")).features.map((f) => f.title),
      ["Kiosk (checked by Ana)"],
    );
    assert.deepEqual(titlesOf(cai), ["Kiosk (checked by Ana)"]);
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    cai.disconnect();
    await ana.context.close();
    await ben.context.close();
  }
});

test("an undo the server refuses (the map locked) stays to be undone once it is unlocked", async () => {
  await server.createRoom("undo-locked", "Undo locked");
  const ana = await joinAs("undo-locked", "facilitator", "Ana", "ana");
  const ben = await joinAs("undo-locked", "participant", "Ben", "ben");
  try {
    const page = ben.page;
    await drawMarker(page, "Lamp", 400, 300);
    await page.locator(`[data-testid="undo"][title="Undo: adding 'Lamp'"]`).waitFor();
    await closePopups(page);
    await ana.page.click('[data-tab="facilitate"]');
    await ana.page.locator('[data-testid="lock-map"]').check();
    await page.locator('[data-testid="lock-badge"]').waitFor();
    await page.click('[data-testid="undo"]');
    await page.locator('.notice.error[data-code="LOCKED"]').waitFor();
    assert.equal(await feature(ana.page, "Lamp").count(), 1);
    await ana.page.locator('[data-testid="lock-map"]').uncheck();
    await page.locator('[data-testid="lock-badge"]').waitFor({ state: "hidden" });
    await page.click(`[data-testid="undo"][title="Undo: adding 'Lamp'"]`);
    await feature(ana.page, "Lamp").waitFor({ state: "detached" });
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("a line is reshaped by dragging a point and from the keyboard, an area from the keyboard; a participant reshapes only their own", async () => {
  await server.createRoom("reshape", "Reshape");
  const ana = await joinAs("reshape", "facilitator", "Ana", "ana");
  const ben = await joinAs("reshape", "participant", "Ben", "ben");
  const cai = await scripted("reshape", "participant", "Cai", "cai");
  try {
    const page = ben.page;
    const map = page.locator("#map");
    // Ben's line through three points.
    await page.click('[data-tool="line"]');
    await page.fill("#draw-title", "Path");
    for (const [x, y] of [
      [300, 300],
      [400, 350],
      [500, 300],
    ])
      await map.click({ position: { x, y } });
    await page.click("#finish-drawing");
    const popup = page.locator('[data-testid="feature-popup"]');
    await popup.waitFor();
    await until(cai, () => titlesOf(cai).includes("Path"));
    const path = () => [...cai.replica.state.features.values()].find((f) => f.title === "Path");
    const before = path().geometry.positions.map((p) => ({ ...p }));
    const seqBefore = path().updatedSeq;

    // Reshape: drag the middle point 100 px down, then save.
    await popup.locator('[data-testid="reshape"]').click();
    await page.locator('[data-testid="reshape-bar"]').waitFor();
    // Grabbed where it is drawn: the popup may have panned the map since the
    // line was clicked in.
    const handle = page.locator(".marker-icon:not(.marker-icon-middle)").nth(1);
    await handle.waitFor();
    const secondPoint = page.locator('[data-testid="reshape-point"] option[value="1"]');
    const placedAt = await secondPoint.textContent();
    const grip = await handle.boundingBox();
    const [gx, gy] = [grip.x + grip.width / 2, grip.y + grip.height / 2];
    await page.mouse.move(gx, gy);
    await page.mouse.down();
    await page.mouse.move(gx, gy + 50, { steps: 5 });
    await page.mouse.move(gx, gy + 100, { steps: 5 });
    await page.mouse.up();
    // The bar lists the point where it was dropped.
    await page.waitForFunction(
      ([selector, was]) => document.querySelector(selector)?.textContent !== was,
      ['[data-testid="reshape-point"] option[value="1"]', placedAt],
    );
    assert.deepEqual(await accessibilityViolations(page), [], "the reshape bar");
    await screenshotOf(page.locator(".map-column"), "reshape-line");
    await page.click('[data-testid="reshape-save"]');
    await until(cai, () => path().updatedSeq > seqBefore);
    const after = path().geometry.positions;
    assert.equal(after.length, 3);
    assert.ok(after[1].lat < before[1].lat - 1e-4, `the middle point moved south: ${before[1].lat} -> ${after[1].lat}`);
    assert.ok(
      Math.abs(after[0].lat - before[0].lat) < 1e-6 && Math.abs(after[2].lon - before[2].lon) < 1e-6,
      "the ends stayed",
    );

    // From the keyboard: a point added after the last one, at the map's centre.
    // (Clicked on the line itself, halfway along its first leg.)
    await feature(page, "Path").click({ position: { x: 50, y: 75 } });
    await popup.locator('[data-testid="reshape"]').click();
    await page.selectOption('[data-testid="reshape-point"]', "2");
    await page.locator('[data-testid="reshape-insert"]').focus();
    await page.keyboard.press("Enter");
    await page.locator('[data-testid="reshape-point"] option', { hasText: /^4: / }).waitFor({ state: "attached" });
    await page.locator('[data-testid="reshape-save"]').focus();
    await page.keyboard.press("Enter");
    await until(cai, () => path().geometry.positions.length === 4);
    assert.equal(await page.locator('[data-testid="reshape-bar"]').isHidden(), true);

    // Ana (facilitator) may reshape Ben's line; Ben may not reshape Ana's.
    await feature(ana.page, "Path").click({ position: { x: 50, y: 75 } });
    await ana.page.locator('[data-testid="feature-popup"] [data-testid="reshape"]').waitFor();
    await closePopups(ana.page);
    await ana.page.click('[data-tool="area"]');
    await ana.page.fill("#draw-title", "Square");
    for (const [x, y] of [
      [600, 200],
      [700, 200],
      [700, 300],
    ])
      await ana.page.locator("#map").click({ position: { x, y } });
    await ana.page.click("#finish-drawing");
    await feature(page, "Square").waitFor();
    await closePopups(page);
    await feature(page, "Square").click({ position: { x: 80, y: 20 } });
    await popupsShown(page);
    await popup.locator('[data-testid="comments"], input[name="comment"]').first().waitFor();
    assert.equal(await popup.locator('[data-testid="reshape"]').count(), 0);

    // Ana reshapes her area, from the keyboard: a corner added after the third.
    const square = () => [...cai.replica.state.features.values()].find((f) => f.title === "Square");
    await until(cai, () => square() !== undefined);
    const areaKind = square().geometry.kind;
    const anaPopup = ana.page.locator('[data-testid="feature-popup"]');
    await anaPopup.locator('[data-testid="reshape"]').click();
    await ana.page.selectOption('[data-testid="reshape-point"]', "2");
    await ana.page.locator('[data-testid="reshape-insert"]').focus();
    await ana.page.keyboard.press("Enter");
    await ana.page.locator('[data-testid="reshape-point"] option', { hasText: /^4: / }).waitFor({ state: "attached" });
    await ana.page.locator('[data-testid="reshape-save"]').focus();
    await ana.page.keyboard.press("Enter");
    await until(cai, () => square().geometry.positions.length === 4);
    assert.equal(square().geometry.kind, areaKind, "still an area");
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    cai.disconnect();
    await ana.context.close();
    await ben.context.close();
  }
});
