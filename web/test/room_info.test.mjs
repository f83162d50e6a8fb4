// The room at a glance and its archive: the room info (title, description,
// city, counts, sessions with times in the reader's time zone, named), a
// running session's start with its zone in the facilitator's panel, and an
// archived room shown read-only with a banner on every page, which says who
// can archive (a facilitator, from the room info), until a facilitator
// reopens it there.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  accessibilityViolations,
  joinAs,
  screenshot,
  screenshotOf,
  scripted,
  server,
  useServerAndBrowser,
} from "./browser.mjs";

useServerAndBrowser();

test("room info shows the room and its sessions in each reader's time zone; an archived room is read-only with a banner until reopened", async () => {
  await server.createRoom("info", "Harbour walk");
  await server.admin("PATCH", "/v1/admin/rooms/info", {
    description: "Where should the new benches go?",
    city: "Cape Town",
  });
  const ana = await joinAs("info", "facilitator", "Ana", "ana", { timezoneId: "Europe/Berlin" });
  const ben = await joinAs("info", "participant", "Ben", "ben", { timezoneId: "America/New_York" });
  const cai = await scripted("info", "participant", "Cai", "cai");
  try {
    assert.ok(
      (
        await cai.addFeature({
          id: "f-1",
          title: "Bench",
          geometry: { kind: 1, positions: [{ lon: 18.42, lat: -33.92 }] },
        })
      ).ok,
    );
    assert.ok((await cai.startThread("t-1", { featureId: "f-1" }, "Too close to the road")).ok);
    assert.ok((await cai.sendChat("Hello")).ok);

    // A session, its start with the facilitator's zone (Berlin in December: GMT+1).
    await ana.page.click('[data-tab="facilitate"]');
    await ana.page.fill('[data-testid="session-title"]', "Morning walk");
    await ana.page.click('[data-testid="start-session"]');
    await ana.page
      .locator('[data-testid="session-running"]', { hasText: /Morning walk \(since \d\d:\d\d( [AP]M)? GMT\+1\)/ })
      .waitFor();

    // Ben opens the room info: two clicks from anywhere (the button, then read).
    const page = ben.page;
    await page.click('[data-testid="room-info-open"]');
    const info = page.locator('[data-testid="room-info"]');
    await info.locator("h2", { hasText: "Harbour walk" }).waitFor();
    await info
      .locator('[data-testid="info-session"]', { hasText: /Morning walk since .* (EST|GMT-5), running/ })
      .waitFor();
    assert.equal(
      await info.locator('[data-testid="info-description"]').textContent(),
      "Where should the new benches go?",
    );
    assert.equal(await info.locator('[data-testid="info-city"]').textContent(), "Cape Town");
    assert.equal(await info.locator('[data-testid="info-features"]').textContent(), "1");
    assert.equal(await info.locator('[data-testid="info-comments"]').textContent(), "1 comment in 1 discussion");
    assert.equal(await info.locator('[data-testid="info-messages"]').textContent(), "1");
    assert.equal(await info.locator('[data-testid="info-online"]').textContent(), "3");
    assert.match(await info.locator('[data-testid="info-status"]').textContent(), /^open/);
    assert.match(
      await info.locator('[data-testid="info-archive-note"]').textContent(),
      /A facilitator can archive the room, or reopen it/,
    );
    assert.equal(await info.locator('[data-testid="archive-room"]').count(), 0, "a participant has no archive button");
    assert.equal(
      await info.locator('[data-testid="info-time-zone"]').textContent(),
      "Times are shown in your time zone, America/New_York.",
    );
    assert.deepEqual(await accessibilityViolations(page), [], "the room info");
    await screenshotOf(page.locator(".map-column"), "room-info");

    // Ana archives the room from her room info, asked first: every page
    // says so, and nothing can be changed.
    await ana.page.click('[data-testid="room-info-open"]');
    const anaInfo = ana.page.locator('[data-testid="room-info"]');
    const asked = ana.page.waitForEvent("dialog").then(async (dialog) => {
      const message = dialog.message();
      await dialog.accept();
      return message;
    });
    await anaInfo.locator('[data-testid="archive-room"]').click();
    assert.equal(
      await asked,
      "Archive 'Harbour walk'? Nobody can change anything in it until a facilitator reopens it.",
    );
    for (const p of [ana.page, page])
      await p.locator('[data-testid="archived-banner"]', { hasText: "This room is archived" }).waitFor();
    assert.match(
      await page.locator('[data-testid="archived-banner"]').textContent(),
      /A facilitator can archive the room, or reopen it/,
    );
    assert.equal((await server.state("info")).archived, true);
    await info.locator('[data-testid="info-status"]', { hasText: "archived: read-only" }).waitFor();
    assert.equal(await page.locator(".toolbar").evaluate((n) => n.inert), true);
    assert.equal(await page.locator('[data-testid="chat-form"]').evaluate((n) => n.inert), true);
    const refused = await cai.sendChat("Anyone?");
    assert.equal(refused.ok, false);
    assert.deepEqual(await accessibilityViolations(page), [], "the archived room");
    await screenshot(page, "room-archived");

    // Reopened by Ana (no question: nothing is lost): the banner goes, the tools come back.
    await anaInfo.locator('[data-testid="reopen-room"]').click();
    for (const p of [ana.page, page]) await p.locator('[data-testid="archived-banner"]').waitFor({ state: "hidden" });
    assert.equal(await page.locator(".toolbar").evaluate((n) => n.inert), false);
    assert.equal(await page.locator('[data-testid="chat-form"]').evaluate((n) => n.inert), false);
    await page.click('[data-testid="room-info-close"]');
    await info.waitFor({ state: "hidden" });
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    cai.disconnect();
    await ana.context.close();
    await ben.context.close();
  }
});
