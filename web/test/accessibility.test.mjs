// WCAG 2.1 AA on the main views, in English and German, by axe-core in
// Chromium: the join page, the map with a feature and its popup, the chat,
// the people and the facilitator's panels, the room info and the replay;
// and the app without a pointer: tools that say they are pressed, markers
// placed at the map's centre or at typed coordinates, a line drawn point by
// point, a marker opened with Enter.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  accessibilityViolations,
  browser,
  feature,
  joinAs,
  popupsShown,
  screenshot,
  server,
  useServerAndBrowser,
} from "./browser.mjs";

useServerAndBrowser();

async function assertAccessible(page, view) {
  const violations = await accessibilityViolations(page);
  assert.deepEqual(violations, [], `${view}: ${violations.length} violations`);
}

for (const locale of ["en-US", "de-DE"]) {
  test(`axe finds no WCAG 2.1 AA violation in the join, map, chat, people and facilitate views (${locale})`, async () => {
    const room = `axe-${locale.slice(0, 2)}`;
    await server.createRoom(room, `Room ${room}`);

    const joinContext = await browser.newContext({ locale });
    try {
      const page = await joinContext.newPage();
      await page.goto(`${server.base}/`);
      await page.locator('[data-testid="join"]').waitFor();
      await assertAccessible(page, "join");
      await page.goto(`${server.base}/#room=${room}&token=not.a.jwt`);
      await page.reload();
      await page.locator('[data-testid="join-error"]').filter({ hasText: /\S/ }).waitFor();
      await assertAccessible(page, "join with an error");
    } finally {
      await joinContext.close();
    }

    const ana = await joinAs(room, "facilitator", "Ana", "ana", { locale });
    const ben = await joinAs(room, "participant", "Ben", "ben", { locale });
    try {
      const page = ana.page;
      await page.fill('[data-testid="chat-form"] input', "Welcome to the workshop");
      await page.press('[data-testid="chat-form"] input', "Enter");
      await ben.page.fill('[data-testid="chat-form"] input', "Thanks!");
      await ben.page.press('[data-testid="chat-form"] input', "Enter");
      await page.locator('[data-testid="message"]', { hasText: "Thanks!" }).waitFor();
      await page.fill("#draw-title", "Bus stop");
      await page.click('[data-tool="point"]');
      await page.click('[data-testid="draw-at-centre"]');
      await page.locator('[data-testid="feature-popup"]').waitFor();
      // Colours are measured once the popup has faded in.
      await popupsShown(page);
      await assertAccessible(page, "map with a popup, chat");

      await page.click('[data-tab="people"]');
      await page.locator('[data-testid="participant"][data-participant="ben"]').waitFor();
      await assertAccessible(page, "people");

      await page.click('[data-tab="facilitate"]');
      await page.locator('[data-testid="facilitate"]').waitFor();
      await assertAccessible(page, "facilitate");
      await screenshot(page, `accessibility-facilitate-${locale}`);

      // The room info and the replay, in this language too.
      await page.click('[data-testid="room-info-open"]');
      await page.locator('[data-testid="room-info"] h2').waitFor();
      await assertAccessible(page, "room info");
      await page.click('[data-testid="room-info-close"]');
      await page.click('[data-testid="replay-open"]');
      await page.locator('[data-testid="replay-where"]').filter({ hasText: /\d/ }).waitFor();
      await assertAccessible(page, "replay");
      await page.click('[data-testid="replay-leave"]');

      await assertAccessible(ben.page, "the participant's map and chat");
      assert.deepEqual([...ana.problems, ...ben.problems], []);
    } finally {
      await ana.context.close();
      await ben.context.close();
    }
  });
}

test("without a pointer: tools say they are pressed, markers go at the centre or at typed coordinates, a line point by point, Enter opens a marker", async () => {
  await server.createRoom("keys", "Keys");
  const ana = await joinAs("keys", "facilitator", "Ana", "ana");
  try {
    const page = ana.page;
    assert.equal(await page.locator("h1").count(), 1);
    assert.equal(await page.getAttribute("#map", "aria-label"), "Shared map");
    for (const live of ['[data-testid="connection"]', '[data-testid="notices"]', '[role="log"]'])
      assert.ok(await page.getAttribute(live, "aria-live"), `${live} is a live region`);

    // The marker tool, chosen with the keyboard, says so.
    await page.focus('[data-tool="point"]');
    await page.keyboard.press("Enter");
    assert.equal(await page.getAttribute('[data-tool="point"]', "aria-pressed"), "true");
    assert.equal(await page.getAttribute('[data-tool="select"]', "aria-pressed"), "false");
    await page.fill("#draw-title", "At the centre");
    await page.focus('[data-testid="draw-at-centre"]');
    await page.keyboard.press("Enter");
    await feature(page, "At the centre").waitFor();
    assert.equal(await page.getAttribute('[data-tool="select"]', "aria-pressed"), "true");
    // The title was used once: the next feature does not inherit it.
    assert.equal(await page.inputValue("#draw-title"), "");

    // Typed coordinates, as latitude, longitude.
    await page.click('[data-tool="note"]');
    await page.fill("#draw-title", "Typed place");
    await page.fill('[data-testid="draw-coords"]', "-33.9, 18.43");
    await page.press('[data-testid="draw-coords"]', "Enter");
    await feature(page, "Typed place").waitFor({ state: "attached" });
    const state = await server.state("keys");
    const typed = state.features.find((f) => f.title === "Typed place");
    assert.match(JSON.stringify(typed.geometry), /18\.43.*-33\.9|-33\.9.*18\.43/);

    // A line, point by point: one at the centre, one typed, then Finish.
    await page.keyboard.press("Escape");
    await page.click('[data-tool="line"]');
    await page.fill("#draw-title", "Walked route");
    await page.click('[data-testid="draw-at-centre"]');
    await page.fill('[data-testid="draw-coords"]', "-33.93, 18.44");
    await page.press('[data-testid="draw-coords"]', "Enter");
    await page.click("#finish-drawing");
    await feature(page, "Walked route").waitFor({ state: "attached" });
    const route = (await server.state("keys")).features.find((f) => f.title === "Walked route");
    assert.match(JSON.stringify(route.geometry), /18\.44/);

    // Close whatever popup is open, then Tab to the marker and press Enter.
    // (A closed popup fades out for a moment before it leaves the page.)
    await page.locator(".leaflet-popup-close-button").last().click();
    await page.waitForFunction(() => document.querySelectorAll(".leaflet-popup").length === 0);
    await feature(page, "At the centre").focus();
    await page.keyboard.press("Enter");
    await page
      .locator('[data-testid="feature-popup"] input[name="title"]')
      .and(page.locator('[value="At the centre"]'))
      .waitFor();
    await screenshot(page, "keyboard-marker-opened");
    assert.deepEqual(ana.problems, []);
  } finally {
    await ana.context.close();
  }
});

test("an area drawn with the keyboard alone: the tool, three typed corners, Finish", async () => {
  await server.createRoom("keyarea", "Keyboard area");
  const ana = await joinAs("keyarea", "participant", "Ana", "ana");
  try {
    const page = ana.page;
    // Nothing is clicked: each control is focused and worked with keys.
    await page.focus('[data-tool="area"]');
    await page.keyboard.press("Enter");
    assert.equal(await page.getAttribute('[data-tool="area"]', "aria-pressed"), "true");
    await page.focus("#draw-title");
    await page.keyboard.type("Play street");
    for (const corner of ["-33.920, 18.420", "-33.920, 18.430", "-33.925, 18.425"]) {
      await page.focus('[data-testid="draw-coords"]');
      await page.keyboard.type(corner);
      await page.keyboard.press("Enter");
    }
    await page.focus("#finish-drawing");
    await page.keyboard.press("Enter");
    await feature(page, "Play street").waitFor({ state: "attached" });
    const area = (await server.state("keyarea")).features.find((f) => f.title === "Play street");
    assert.equal(area.geometry.kind, "FEATURE_KIND_AREA");
    const text = JSON.stringify(area.geometry);
    for (const lon of ["18.42", "18.43", "18.425"]) assert.ok(text.includes(lon), `a corner at ${lon}: ${text}`);
    assert.deepEqual(ana.problems, []);
  } finally {
    await ana.context.close();
  }
});
