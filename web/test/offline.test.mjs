// Edits survive a reload while the server is down: in a real browser against
// a real maptable-server that is stopped and started again on the same port
// with the same data. The page comes back from the service worker's copy,
// shows the unsent marker and chat message as pending (from IndexedDB), and
// when the server is back each arrives exactly once: the reloaded page sends
// them with the client id and request ids of the page that made them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { drawMarker, feature, joinAs, screenshot, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

// A stuck step fails its test (within CTest's limit) instead of stalling the suite.
const limit = { timeout: 120_000 };
const connection = (page, attributes) => page.locator(`[data-testid="connection"]${attributes}`);

test("a reload while the server is down loses nothing: the edits show as pending and arrive exactly once after the restart", limit, async () => {
  await server.createRoom("outage", "Room outage");
  const ben = await joinAs("outage", "participant", "Ben", "ben");
  let ana;
  try {
    // The app's files are kept for a reload without the server.
    // (The worker controls the page once it has them all.)
    await ben.page.waitForFunction(() => navigator.serviceWorker?.controller != null);

    await server.down();
    await connection(ben.page, '[data-state="reconnecting"]').waitFor();
    await drawMarker(ben.page, "Drawn in the outage", 400, 300);
    await ben.page.fill('[data-testid="chat-form"] input', "Said in the outage");
    await ben.page.press('[data-testid="chat-form"] input', "Enter");
    // Both are pending, and both are in the browser's storage.
    await connection(ben.page, '[data-pending="2"][data-saved="2"]').waitFor();

    // The browser asks before a page with unsent changes is left.
    const dialogs = [];
    ben.page.on("dialog", (dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await ben.page.reload();
    assert.deepEqual(dialogs, ["beforeunload"]);

    // The reloaded page shows the room as it last saw it, and the two
    // changes as pending, while the server is still down.
    await ben.page.locator('[data-testid="pending-feature"][data-title="Drawn in the outage"]').waitFor();
    await ben.page.locator('[data-testid="pending-message"]', { hasText: "Said in the outage" }).waitFor();
    await connection(ben.page, '[data-pending="2"]').waitFor();
    assert.equal(await ben.page.textContent('[data-testid="room-title"]'), "Room outage");
    assert.notEqual(await ben.page.getAttribute('[data-testid="connection"]', "data-state"), "connected");
    await screenshot(ben.page, "outage-reloaded-pending");

    await server.up();
    await connection(ben.page, '[data-state="connected"][data-pending="0"]').waitFor({ timeout: 20_000 });
    await feature(ben.page, "Drawn in the outage").waitFor();
    await ben.page.locator('[data-testid="message"]', { hasText: "Said in the outage" }).waitFor();

    // Exactly once on the server...
    const state = await server.state("outage");
    assert.equal(state.features.filter((f) => f.title === "Drawn in the outage").length, 1);
    const chat = await server.admin("GET", "/v1/rooms/outage/export/chat.json");
    assert.equal(chat.messages.filter((m) => m.text === "Said in the outage").length, 1);
    // ...and for someone who joins now.
    ana = await joinAs("outage", "facilitator", "Ana", "ana");
    await feature(ana.page, "Drawn in the outage").waitFor();
    assert.equal(await feature(ana.page, "Drawn in the outage").count(), 1);
    assert.equal(await ana.page.locator('[data-testid="message"]', { hasText: "Said in the outage" }).count(), 1);

    // Answered, they leave the browser's storage: another reload sends nothing.
    await connection(ben.page, '[data-saved="0"]').waitFor();
    await ben.page.reload();
    await connection(ben.page, '[data-state="connected"][data-pending="0"]').waitFor();
    await feature(ben.page, "Drawn in the outage").waitFor();
    assert.equal(await ben.page.locator('[data-testid="pending-feature"]').count(), 0);
    assert.equal((await server.state("outage")).features.filter((f) => f.title === "Drawn in the outage").length, 1);
    assert.deepEqual(dialogs, ["beforeunload"], "no warning without unsent changes");
    await screenshot(ben.page, "outage-arrived-once");
    assert.deepEqual([...ben.problems, ...(ana?.problems ?? [])], []);
  } finally {
    await ana?.context.close();
    await ben.context.close();
  }
});

test("offline, a feature edited or deleted shows at once as pending, in place of the confirmed one; back online each change applies once", limit, async () => {
  await server.createRoom("edits", "Edits");
  const ben = await joinAs("edits", "participant", "Ben", "ben");
  try {
    const page = ben.page;
    // The newest popup: the one the last click opened.
    const popup = page.locator('[data-testid="feature-popup"]').last();
    await drawMarker(page, "Rename me", 300, 300);
    await feature(page, "Rename me").waitFor();
    await drawMarker(page, "Remove me", 500, 300);
    await feature(page, "Remove me").waitFor();

    await ben.context.setOffline(true);
    await connection(page, '[data-state="offline"]').waitFor();
    await feature(page, "Rename me").click();
    await popup.locator('input[name="title"]').fill("Renamed offline");
    await popup.locator(".feature-form button[type=submit]").click();
    await page.locator('[data-testid="pending-feature"][data-pending="update"][data-title="Renamed offline"]').waitFor();
    assert.equal(await feature(page, "Rename me").count(), 0, "the confirmed one gives way to the edit");

    await feature(page, "Remove me").click();
    page.once("dialog", (dialog) => void dialog.accept());
    await popup.locator('[data-testid="delete-feature"]').click();
    await page.locator('[data-testid="pending-feature"][data-pending="delete"][data-title="Remove me"]').waitFor();
    await connection(page, '[data-pending="2"]').waitFor();
    await screenshot(page, "offline-edit-delete-pending");

    await ben.context.setOffline(false);
    await connection(page, '[data-state="connected"][data-pending="0"]').waitFor({ timeout: 20_000 });
    await feature(page, "Renamed offline").waitFor();
    await feature(page, "Remove me").waitFor({ state: "detached" });
    assert.equal(await page.locator('[data-testid="pending-feature"]').count(), 0);
    const titles = (await server.state("edits")).features.map((f) => f.title);
    assert.deepEqual(titles, ["Renamed offline"]);
    assert.deepEqual(ben.problems, []);
  } finally {
    await ben.context.close();
  }
});
