// Right to left, ready for Arabic: with the page's dir="rtl" (as an RTL
// language sets it; none ships yet, so the test sets the attribute), the
// layout mirrors (the sidebar on the left, the toolbar and the top bar from
// the right, chat quotes on the right), and in every panel, with a popup,
// the room info and the replay open, on a laptop and a phone, no control is
// off screen or covered.
import assert from "node:assert/strict";
import { test } from "node:test";

import { feature, joinAs, offScreenOrCovered, popupsShown, screenshot, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

async function rtl(page) {
  await page.evaluate(() => (document.documentElement.dir = "rtl"));
}

// Off screen sideways or covered; a long panel scrolls, so controls below
// the fold are not a problem, but anything past the left or right edge is.
async function noProblems(page, view) {
  const width = page.viewportSize().width;
  const problems = (await offScreenOrCovered(page)).filter((p) => {
    const at = /off screen at (-?\d+),(-?\d+)-(-?\d+),(-?\d+)$/.exec(p);
    return !at || Number(at[1]) < 0 || Number(at[3]) > width;
  });
  assert.deepEqual(problems, [], view);
}

test("with dir=rtl the layout mirrors, and nothing is off screen or covered on a laptop", async () => {
  await server.createRoom("rtl", "RTL");
  const ana = await joinAs("rtl", "facilitator", "Ana", "ana");
  try {
    const page = ana.page;
    await rtl(page);
    const box = (selector) => page.locator(selector).first().boundingBox();

    // The sidebar left of the map, the toolbar's first tool at its right end.
    const sidebar = await box(".sidebar");
    const column = await box(".map-column");
    assert.ok(sidebar.x + sidebar.width <= column.x + 1, `sidebar ${sidebar.x}+${sidebar.width}, map column at ${column.x}`);
    const select = await box('[data-tool="select"]');
    const marker = await box('[data-tool="point"]');
    assert.ok(select.x > marker.x, "Select comes first, from the right");
    const brand = await box(".brand");
    const connection = await box('[data-testid="connection"]');
    assert.ok(brand.x > connection.x, "the top bar starts at the right");
    await noProblems(page, "the chat");

    // A marker with its popup, a reply with its quote.
    await page.fill("#draw-title", "Bench");
    await page.click('[data-tool="point"]');
    await page.click('[data-testid="draw-at-centre"]');
    await page.locator('[data-testid="feature-popup"]').waitFor();
    await popupsShown(page);
    await noProblems(page, "with a popup");
    await page.locator(".leaflet-popup-close-button").click();
    await page.fill('[data-testid="chat-form"] input', "مرحبا");
    await page.press('[data-testid="chat-form"] input', "Enter");
    await page.locator('[data-testid="message"]', { hasText: "مرحبا" }).locator("button.reply").click();
    await page.fill('[data-testid="chat-form"] input', "reply");
    await page.press('[data-testid="chat-form"] input', "Enter");
    const quote = page.locator('[data-testid="reply-quote"]');
    await quote.waitFor();
    const border = await quote.evaluate((n) => ({ right: getComputedStyle(n).borderRightWidth, left: getComputedStyle(n).borderLeftWidth }));
    assert.deepEqual(border, { right: "3px", left: "0px" }, "the quote's bar is on the reading side");
    await noProblems(page, "the chat with a reply");

    for (const tab of ["people", "layers", "facilitate"]) {
      await page.click(`[data-tab="${tab}"]`);
      await page.locator(`#tab-${tab}:not([hidden])`).waitFor();
      await noProblems(page, `the ${tab} panel`);
    }
    await page.click('[data-testid="room-info-open"]');
    await page.locator('[data-testid="room-info"] h2').waitFor();
    const close = await box('[data-testid="room-info-close"]');
    const info = await box('[data-testid="room-info"]');
    assert.ok(close.x < info.x + info.width / 2, "the room info's close button is at its left");
    await noProblems(page, "the room info");
    await page.click('[data-testid="room-info-close"]');
    await page.click('[data-testid="replay-open"]');
    await page.locator('[data-testid="replay-where"]', { hasText: "Step" }).waitFor();
    await noProblems(page, "the replay");
    await screenshot(page, "rtl-laptop");
    await page.click('[data-testid="replay-leave"]');
    await feature(page, "Bench").waitFor();
    assert.deepEqual(ana.problems, []);
  } finally {
    await ana.context.close();
  }
});

test("with dir=rtl on a phone the sheet and the tools fit, nothing covered", async () => {
  await server.createRoom("rtl-phone", "RTL phone");
  const ben = await joinAs("rtl-phone", "participant", "Ben", "ben", { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  try {
    const page = ben.page;
    await rtl(page);
    await noProblems(page, "at the start");
    await page.tap('[data-tab="chat"]');
    await page.locator('.sidebar[data-sheet="open"]').waitFor();
    await noProblems(page, "with the chat open");
    await page.tap('[data-testid="room-info-open"]');
    await page.locator('[data-testid="room-info"] h2').waitFor();
    await noProblems(page, "with the room info open");
    await screenshot(page, "rtl-phone");
    await page.tap('[data-testid="room-info-close"]');
    await page.tap('[data-testid="replay-open"]');
    await page.locator('[data-testid="replay-where"]', { hasText: "Step" }).waitFor();
    await noProblems(page, "with the replay open");
    const map = await page.locator("#replay-map").boundingBox();
    assert.ok(map.height >= 200, `the replayed map is ${map.height} px high`);
    await screenshot(page, "rtl-phone-replay");
    assert.deepEqual(ben.problems, []);
  } finally {
    await ben.context.close();
  }
});
