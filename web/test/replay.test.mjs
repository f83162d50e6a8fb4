// The replay: a time-lapse of the room from its log (GetStateAt). The slider
// and its keys go to any step, a date and time to the room as it was then,
// Play walks through the steps; the map shows the room as it was, read-only
// and marked so, and "Back to live" returns to the live map, which kept up
// meanwhile; nobody else's page changes.
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { test } from "node:test";

import { accessibilityViolations, feature, joinAs, popupsShown, screenshot, screenshotOf, scripted, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

const at = (lon, lat) => ({ kind: 1, positions: [{ lon, lat }] });

test("the replay slider and Play show the room as it was, read-only; Back to live returns to the present", async () => {
  await server.createRoom("replay", "Replay");
  const ana = await joinAs("replay", "facilitator", "Ana", "ana");
  const ben = await joinAs("replay", "participant", "Ben", "ben");
  const cai = await scripted("replay", "participant", "Cai", "cai");
  try {
    // Places over a hundred pixels apart at the room's zoom, and from its
    // centre (where Ben's marker goes), so that no two gather into a cluster.
    const well = await cai.addFeature({ id: "f-well", title: "Old well", geometry: at(18.43, -33.925) });
    // A moment after the well and before the bench, by this machine's clock,
    // which the server (on the same machine) dates its log by; with room on
    // both sides for the page's estimate of the server's clock.
    await delay(100);   // the gap under test, not a wait for anything
    const betweenWellAndBench = Date.now();
    await delay(100);   // the same on the other side
    const bench = await cai.addFeature({ id: "f-bench", title: "New bench", geometry: at(18.41, -33.915) });
    assert.ok((await cai.sendChat("The well is gone now")).ok);
    const gone = await cai.deleteFeature("f-well");
    assert.ok(well.ok && bench.ok && gone.ok);
    const page = ana.page;
    // Ana's page has the whole story: the bench there, the well gone again.
    await feature(page, "New bench").waitFor();
    await page.locator('[data-testid="message"]', { hasText: "The well is gone now" }).waitFor();
    await feature(page, "Old well").waitFor({ state: "detached" });

    // Two clicks: Replay, then the slider. It opens at the present.
    await page.click('[data-testid="replay-open"]');
    const bar = page.locator('[data-testid="replay-bar"]');
    const slider = page.locator('[data-testid="replay-slider"]');
    const replayed = (title) => page.locator(`#replay-map [data-testid="feature"][data-title="${title}"]`);
    const shownSeq = () => page.locator("#replay-map").getAttribute("data-seq");
    await bar.waitFor();
    assert.equal(await page.locator("#map").isHidden(), true, "the live map steps aside");
    assert.equal(await slider.getAttribute("max"), String(gone.seq));
    await page.locator(`#replay-map[data-seq="${gone.seq}"]`).waitFor();
    await replayed("New bench").waitFor();
    assert.equal(await replayed("Old well").count(), 0);
    // Read-only, and it says so.
    assert.match(await bar.textContent(), /Read-only/);
    assert.equal(await page.locator(".toolbar").evaluate((n) => n.inert), true);

    // The slider to the step where the well was new: the well, no bench yet.
    await slider.fill(String(well.seq));
    await page.locator(`#replay-map[data-seq="${well.seq}"]`).waitFor();
    await replayed("Old well").waitFor();
    assert.equal(await replayed("New bench").count(), 0);
    assert.match(await page.locator('[data-testid="replay-where"]').textContent(), new RegExp(`Step ${well.seq} of ${gone.seq} · 1 feature, 0 messages`));
    // A replayed feature opens as text, nothing to edit or delete.
    await replayed("Old well").click();
    const popup = page.locator('[data-testid="replay-popup"]');
    await popup.waitFor();
    assert.match(await popup.textContent(), /Old well.*nothing here can be changed/);
    assert.equal(await page.locator('[data-testid="delete-feature"]:visible').count(), 0);
    await popupsShown(page);   // colours are measured once the popup has faded in
    assert.deepEqual(await accessibilityViolations(page), [], "the replay view");
    await screenshotOf(page.locator(".map-column"), "replay");

    // The keyboard: End is the present, Home the room's first step, arrows one step.
    await slider.focus();
    await page.keyboard.press("Home");
    await page.locator('#replay-map[data-seq="1"]').waitFor();
    assert.equal(await page.locator('#replay-map [data-testid="feature"]').count(), 0);
    await page.keyboard.press("End");
    await page.locator(`#replay-map[data-seq="${gone.seq}"]`).waitFor();
    await page.keyboard.press("ArrowLeft");
    await page.locator(`#replay-map[data-seq="${gone.seq - 1n}"]`).waitFor();
    await replayed("Old well").waitFor();
    assert.equal(await slider.getAttribute("aria-valuetext"), `Step ${gone.seq - 1n} of ${gone.seq}`);

    // A moment by the clock: between the well and the bench, the well alone.
    await page.fill('[data-testid="replay-time"]', await page.evaluate((ms) => {
      const d = new Date(ms);
      const pad = (n, w = 2) => String(n).padStart(w, "0");
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
    }, betweenWellAndBench));
    await page.press('[data-testid="replay-time"]', "Enter");
    await page.locator(`#replay-map[data-seq="${well.seq}"]`).waitFor();
    await replayed("Old well").waitFor();
    assert.equal(await slider.inputValue(), String(well.seq));
    // Before the room's first event: said plainly.
    await page.fill('[data-testid="replay-time"]', "2001-01-01T00:00:00.000");
    await page.press('[data-testid="replay-time"]', "Enter");
    await page.locator('.notice.error[data-code="SEQ_OUT_OF_RANGE"]').waitFor();

    // Meanwhile Ben adds a marker: the slider's end moves on, the past stays.
    await ben.page.fill("#draw-title", "Live kiosk");
    await ben.page.click('[data-tool="point"]');
    await ben.page.click('[data-testid="draw-at-centre"]');
    await feature(ben.page, "Live kiosk").waitFor();
    const now = (await server.state("replay")).seq;
    await page.locator(`[data-testid="replay-slider"][max="${now}"]`).waitFor();
    assert.equal(await replayed("Live kiosk").count(), 0);
    assert.equal(await ben.page.locator('[data-testid="replay-bar"]').isHidden(), true, "nobody else is in the replay");

    // Play from the start: the well appears, and at the end it is gone again.
    await slider.focus();
    await page.keyboard.press("Home");
    await page.locator('#replay-map[data-seq="1"]').waitFor();
    await page.click('[data-testid="replay-play"]');
    assert.equal(await page.locator('[data-testid="replay-play"]').textContent(), "Pause");
    await replayed("Old well").waitFor();
    await page.locator(`#replay-map[data-seq="${now}"]`).waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="replay-play"]', { hasText: "Play" }).waitFor();
    await replayed("Live kiosk").waitFor();
    assert.equal(await replayed("Old well").count(), 0);
    await screenshot(page, "replay-ended");

    // Back to live: the live map, which kept up, and the tools again.
    await page.click('[data-testid="replay-leave"]');
    await bar.waitFor({ state: "hidden" });
    assert.equal(await page.locator("#replay-map").isHidden(), true);
    await feature(page, "Live kiosk").waitFor();
    assert.equal(await page.locator(".toolbar").evaluate((n) => n.inert), false);
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    cai.disconnect();
    await ana.context.close();
    await ben.context.close();
  }
});
