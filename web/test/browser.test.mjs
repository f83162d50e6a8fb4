// The app in a real browser against a real maptable-server: two people in
// one room see each other's drawing, chat and cursors; a locked map refuses
// a participant's drawing visibly; an edit made offline arrives exactly
// once; the app's emoji font loads.
import assert from "node:assert/strict";
import { test } from "node:test";

import { cspViolations, drawMarker, feature, roomWithAnaAndBen, screenshot, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

function featuresTitled(state, title) {
  return (state.features ?? []).filter((f) => f.title === title);
}

test("two people in one room: one draws a marker and chats, the other sees both and the cursor", async () => {
  const { ana, ben } = await roomWithAnaAndBen("harbour", "Room harbour");
  try {
    // The token left the address bar once read.
    assert.ok(!ben.page.url().includes("token="), ben.page.url());
    assert.equal(await ben.page.textContent('[data-testid="me"]'), "Ben (participant)");
    assert.equal(await ana.page.textContent('[data-testid="room-title"]'), "Room harbour");
    // The app's own emoji font loads under the page's policy (no empty
    // boxes where the system has no colour emoji font).
    const emojiFaces = await ben.page.evaluate(async () =>
      (await document.fonts.load('14px "maptable emoji"', "👍📎")).map((f) => `${f.family} ${f.status}`));
    assert.deepEqual(emojiFaces, ["maptable emoji loaded"]);

    await drawMarker(ben.page, "Unsafe corner", 400, 300);
    await feature(ana.page, "Unsafe corner").waitFor();
    await feature(ben.page, "Unsafe corner").waitFor();

    await ben.page.fill('[data-testid="chat-form"] input', "The crossing needs a light");
    await ben.page.press('[data-testid="chat-form"] input', "Enter");
    const onAna = ana.page.locator('[data-testid="message"]', { hasText: "The crossing needs a light" });
    await onAna.waitFor();
    assert.match(await onAna.textContent(), /Ben/);

    // Ana reacts; Ben sees the reaction counted.
    await onAna.locator('button[data-emoji="👍"]').click();
    await ben.page.locator('[data-testid="reaction"][data-emoji="👍"]', { hasText: "👍 1" }).waitFor();

    // Ben's cursor shows on Ana's map, with his name.
    await ben.page.mouse.move(500, 400);
    await ben.page.mouse.move(520, 420);
    const cursor = ana.page.locator('[data-testid="cursor"][data-participant="ben"]');
    await cursor.waitFor();
    assert.match(await cursor.textContent(), /Ben/);

    // Both are listed with their roles.
    await ana.page.click('[data-tab="people"]');
    await ana.page.locator('[data-testid="participant"][data-participant="ben"][data-role="participant"]').waitFor();
    await ana.page.locator('[data-testid="participant"][data-participant="ana"][data-role="facilitator"]').waitFor();

    // No tile could load (no tile server is reachable), and the map still works.
    await ana.page.locator("#map.tiles-failing").waitFor();
    const server_state = await server.state("harbour");
    assert.equal(featuresTitled(server_state, "Unsafe corner").length, 1);
    assert.deepEqual(await cspViolations(ana.page), []);
    assert.deepEqual(await cspViolations(ben.page), []);
    assert.deepEqual([...ana.problems, ...ben.problems], []);
    await screenshot(ana.page, "two-people-ana");
    await screenshot(ben.page, "two-people-ben");
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("the facilitator locks the map: the participant's drawing is refused with a visible message", async () => {
  const { ana, ben } = await roomWithAnaAndBen("locked", "Room locked");
  try {
    await ana.page.click('[data-tab="facilitate"]');
    await ana.page.check('[data-testid="lock-map"]');
    await ben.page.locator('[data-testid="lock-badge"]').waitFor();

    await drawMarker(ben.page, "Not allowed", 400, 300);
    const refusal = ben.page.locator('.notice.error[data-code="LOCKED"]');
    await refusal.waitFor();
    assert.match(await refusal.textContent(), /Adding the marker 'Not allowed' was refused/);
    await screenshot(ben.page, "locked-refused");

    // Nothing was added: not on the server, not on either map.
    assert.equal(featuresTitled(await server.state("locked"), "Not allowed").length, 0);
    assert.equal(await feature(ana.page, "Not allowed").count(), 0);
    assert.equal(await feature(ben.page, "Not allowed").count(), 0);

    // Unlocked, the same drawing goes through.
    await ana.page.uncheck('[data-testid="lock-map"]');
    await ben.page.locator('[data-testid="lock-badge"]').waitFor({ state: "hidden" });
    await drawMarker(ben.page, "Allowed now", 420, 320);
    await feature(ana.page, "Allowed now").waitFor();
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("an edit made offline arrives exactly once when the page is back online", async () => {
  const { ana, ben } = await roomWithAnaAndBen("offline", "Room offline");
  try {
    await ben.context.setOffline(true);
    await ben.page.locator('[data-testid="connection"][data-state="offline"]').waitFor();

    await drawMarker(ben.page, "Drawn offline", 400, 300);
    const status = ben.page.locator('[data-testid="connection"]');
    await ben.page.locator('[data-testid="connection"][data-pending="1"]').waitFor();
    assert.equal(await status.textContent(), "offline · 1 pending change");
    // Shown as pending on Ben's map; not on Ana's, not on the server.
    await ben.page.locator('[data-testid="pending-feature"][data-title="Drawn offline"]').waitFor();
    assert.equal(await feature(ana.page, "Drawn offline").count(), 0);
    assert.equal(featuresTitled(await server.state("offline"), "Drawn offline").length, 0);
    await screenshot(ben.page, "offline-pending");

    await ben.context.setOffline(false);
    await ben.page.locator('[data-testid="connection"][data-state="connected"][data-pending="0"]').waitFor({ timeout: 20_000 });
    await feature(ana.page, "Drawn offline").waitFor();
    await feature(ben.page, "Drawn offline").waitFor();

    // Exactly once: one feature on the server, one on each map. Ana's page
    // has every event up to the server's seq when it shows a later change.
    const state = await server.state("offline");
    assert.equal(featuresTitled(state, "Drawn offline").length, 1);
    await ana.page.fill('[data-testid="chat-form"] input', "Got it");
    await ana.page.press('[data-testid="chat-form"] input', "Enter");
    await ben.page.locator('[data-testid="message"]', { hasText: "Got it" }).waitFor();
    assert.equal(await feature(ana.page, "Drawn offline").count(), 1);
    assert.equal(await feature(ben.page, "Drawn offline").count(), 1);
    assert.equal(await ben.page.locator('[data-testid="pending-feature"]').count(), 0);
    await screenshot(ana.page, "offline-arrived-once");
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});
