// Edits survive a reload while the server is down: in a real browser against
// a real maptable-server that is stopped and started again on the same port
// with the same data. The page comes back from the service worker's copy,
// shows the unsent marker and chat message as pending (from IndexedDB), and
// when the server is back each arrives exactly once: the reloaded page sends
// them with the client id and request ids of the page that made them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { drawMarker, feature, join, launch, screenshot } from "./browser.mjs";
import { Server } from "./server.mjs";

let server;
let browser;
before(async () => {
  server = await Server.start();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const connection = (page, attributes) => page.locator(`[data-testid="connection"]${attributes}`);

test("a reload while the server is down loses nothing: the edits show as pending and arrive exactly once after the restart", async () => {
  await server.createRoom("outage", "Room outage");
  const ben = await join(browser, await server.invite("outage", "participant", "Ben", "ben"));
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
    ana = await join(browser, await server.invite("outage", "facilitator", "Ana", "ana"));
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
