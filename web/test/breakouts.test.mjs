// Breakout groups in the app, with two people in two browser contexts: the
// facilitator opens groups from a keyboard-reachable dialog, the participant
// is moved into their group's room (a new page for that room) and draws
// there, a broadcast reaches them as a polite notice, and "Back to plenary"
// brings them back to the plenary, where the group's marks are a layer.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  accessibilityViolations,
  drawMarker,
  feature,
  roomWithAnaAndBen,
  screenshot,
  server,
  useServerAndBrowser,
} from "./browser.mjs";

useServerAndBrowser();

test("a participant is moved to their group, draws, hears a broadcast and comes back to the captured layer", async () => {
  const { ana, ben } = await roomWithAnaAndBen("workshop", "Workshop");
  try {
    // The facilitator's dialog, opened from the keyboard.
    const open = ana.page.locator('[data-testid="breakout-open"]');
    await open.focus();
    await ana.page.keyboard.press("Enter");
    const dialog = ana.page.locator('[data-testid="breakout-dialog"]');
    await dialog.waitFor();
    assert.equal(await ben.page.locator('[data-testid="breakout-open"]').count(), 0, "participants have no dialog");
    await dialog.locator('[data-group="0"]').fill("North");
    await dialog.locator('[data-group="1"]').fill("South");
    const choice = dialog.locator('select[data-person="ben"]');
    assert.equal(await choice.inputValue(), "0");
    assert.deepEqual(await choice.locator("option").allTextContents(), ["Stays in plenary", "North", "South"]);
    await dialog.locator('[data-testid="breakout-minutes"]').fill("20");
    assert.deepEqual(await accessibilityViolations(ana.page), [], "the breakout dialog");
    await screenshot(ana.page, "breakouts-dialog");
    await dialog.locator('[data-testid="breakout-start"]').click();
    await dialog.waitFor({ state: "hidden" });

    // The facilitator's banner: the groups, the time left, visit, broadcast, end.
    const banner = ana.page.locator('[data-testid="breakout-banner"]');
    await banner.locator('[data-testid="breakout-groups"] li', { hasText: "North: 1 person" }).waitFor();
    assert.match(await banner.locator('[data-testid="breakout-time"]').textContent(), /^(20:00|19:\d\d) left$/);

    // Ben is moved to his group's room: a new page for it.
    const group = ben.page.locator('[data-testid="breakout-group"]', { hasText: "North · Group 1 of 2" });
    await group.waitFor({ timeout: 20_000 });
    await ben.page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    const state = await server.state("workshop");
    const northRoom = state.breakouts.groups[0].room_id;
    assert.equal(await ben.page.locator('[data-testid="room-title"]').textContent(), northRoom);
    assert.match(
      await ben.page.locator('[data-testid="breakout-banner"] [data-testid="breakout-time"]').textContent(),
      /^(20:00|19:\d\d) left$/,
    );
    assert.deepEqual(await accessibilityViolations(ben.page), [], "the group's banner");

    await drawMarker(ben.page, "Bench by the fountain", 400, 300);
    await feature(ben.page, "Bench by the fountain").waitFor();
    await ben.page.locator('[data-testid="connection"][data-pending="0"]').waitFor();
    await screenshot(ben.page, "breakouts-in-group");

    // A broadcast: a polite notice in the group's room.
    await banner.locator('[data-testid="breakout-message"]').fill("Two minutes left");
    await banner.locator('[data-testid="breakout-broadcast"]').click();
    await ben.page.locator('[data-testid="notices"] .notice', { hasText: "To all groups: Two minutes left" }).waitFor();
    assert.equal(await ben.page.locator('[data-testid="notices"]').getAttribute("aria-live"), "polite");

    // Back to plenary: Ben's page returns, and the group's marks are there.
    await banner.locator('[data-testid="breakout-end"]').click();
    const results = ben.page.locator('[data-testid="breakout-results"] li', { hasText: "North: 1 mark" });
    await results.waitFor({ timeout: 20_000 });
    assert.equal(await ben.page.locator('[data-testid="room-title"]').textContent(), "Workshop");
    await ana.page.locator('[data-testid="breakout-results"] li', { hasText: "North: 1 mark" }).waitFor();
    const after = await server.state("workshop");
    const layer = after.layers.find((l) => l.name === "North");
    assert.ok(layer, "the plenary has the North layer");
    assert.equal(layer.source_format, "breakout");
    assert.equal(layer.features[0].title, "Bench by the fountain");
    assert.equal(after.breakouts.open ?? false, false);
    await screenshot(ben.page, "breakouts-back");
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});
