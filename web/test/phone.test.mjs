// The app on a phone (390×844, touch): the map takes the screen, the panels
// are a bottom sheet, a marker is placed and a message sent by touch, and no
// control is off screen or covered, the feature's popup included.
import assert from "node:assert/strict";
import { test } from "node:test";

import { feature, offScreenOrCovered, popupsShown, roomWithAnaAndBen, screenshot, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

const phone = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

test("on a 390×844 touch screen a participant places a marker and chats; nothing is off screen or covered", async () => {
  const { ana, ben } = await roomWithAnaAndBen("phone", "Phone", phone);
  try {
    const page = ben.page;
    const map = await page.locator("#map").boundingBox();
    assert.ok(map.width >= 388, `the map is ${map.width} px wide`);
    assert.ok(map.height >= 500, `the map is ${map.height} px high`);
    assert.deepEqual(await offScreenOrCovered(page), [], "at the start");

    await page.tap('[data-tool="point"]');
    await page.fill("#draw-title", "Bench");
    await page.locator("#map").tap({ position: { x: map.width / 2, y: map.height / 2 } });
    await feature(ana.page, "Bench").waitFor();
    const popup = page.locator('[data-testid="feature-popup"]');
    await popup.waitFor();
    await popupsShown(page);
    assert.deepEqual(await offScreenOrCovered(page), [], "with the popup open");
    await screenshot(page, "phone-popup");
    await page.tap(".leaflet-popup-close-button");
    await page.waitForFunction(() => document.querySelectorAll(".leaflet-popup").length === 0);

    // The chat opens as a sheet under the map.
    await page.tap('[data-tab="chat"]');
    await page.locator('.sidebar[data-sheet="open"]').waitFor();
    await page.fill('[data-testid="chat-form"] input', "Sent from my phone");
    await page.tap('[data-testid="chat-form"] button[type="submit"]');
    await ana.page.locator('[data-testid="message"]', { hasText: "Sent from my phone" }).waitFor();
    await page.locator('[data-testid="message"]', { hasText: "Sent from my phone" }).waitFor();
    assert.deepEqual(await offScreenOrCovered(page), [], "with the chat open");
    const sheet = await page.locator(".sidebar").boundingBox();
    const mapNow = await page.locator("#map").boundingBox();
    assert.ok(mapNow.y + mapNow.height <= sheet.y + 0.5, "the sheet is under the map, not over it");
    await screenshot(page, "phone-chat");

    // The same tab again closes the sheet: the map has the screen back.
    await page.tap('[data-tab="chat"]');
    await page.locator('.sidebar[data-sheet="closed"]').waitFor();
    await page.tap('[data-tab="people"]');
    await page.locator('[data-testid="participant"][data-participant="ana"]').waitFor();
    assert.deepEqual(await offScreenOrCovered(page), [], "with the people open");
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});
