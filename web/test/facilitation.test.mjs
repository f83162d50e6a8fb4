// The facilitator's controls in the app, each seen from the participant's
// side: deleting a chat message with a reason, mute and unmute, spotlight,
// resolving and reopening a thread, deleting a comment, starting and ending
// a session, removing a participant; older chat paged in on request; and
// the room's exports, downloaded by the facilitator of three people.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

import {
  drawMarker,
  feature,
  joinAs,
  roomWithAnaAndBen,
  screenshot,
  screenshotOf,
  scripted,
  server,
  useServerAndBrowser,
} from "./browser.mjs";

useServerAndBrowser();

async function say(page, text) {
  await page.fill('[data-testid="chat-form"] input', text);
  await page.press('[data-testid="chat-form"] input', "Enter");
}

// Answers the next prompt or confirm with `answer` (a prompt's text).
function answerNextDialog(page, answer) {
  page.once("dialog", (dialog) => void dialog.accept(answer));
}

test("the facilitator deletes, mutes, spotlights, resolves, runs a session and removes; the participant sees each", async () => {
  const { ana, ben } = await roomWithAnaAndBen("facilitation", "Facilitation");
  try {
    // A message deleted with a reason.
    await say(ben.page, "Buy cheap watches");
    const spam = ana.page.locator('[data-testid="message"]', { hasText: "Buy cheap watches" });
    answerNextDialog(ana.page, "off topic");
    await spam.locator('[data-testid="delete-message"]').click();
    await ben.page.locator('[data-testid="message"]', { hasText: "(deleted: off topic)" }).waitFor();
    // A handful of messages: nothing older to page in.
    assert.equal(await ben.page.locator('[data-testid="older-chat"]').isHidden(), true);

    // Muted, Ben's message is refused in plain words; unmuted, it goes through.
    await ana.page.click('[data-tab="people"]');
    await ana.page.locator('[data-testid="participant"][data-participant="ben"] [data-testid="mute"]').click();
    await ben.page.click('[data-tab="people"]');
    await ben.page
      .locator('[data-testid="participant"][data-participant="ben"] .badge', { hasText: "muted" })
      .waitFor();
    await ben.page.click('[data-tab="chat"]');
    await say(ben.page, "Can I speak?");
    await ben.page.locator('.notice.error[data-code="MUTED"]', { hasText: "A facilitator has muted you" }).waitFor();
    await ana.page.locator('[data-testid="participant"][data-participant="ben"] [data-testid="unmute"]').click();
    await ana.page.locator('[data-testid="participant"][data-participant="ben"] [data-testid="mute"]').waitFor();
    await say(ben.page, "Thanks for unmuting");
    await ana.page
      .locator('[data-testid="message"]', { hasText: "Thanks for unmuting" })
      .waitFor({ state: "attached" });

    // Ben's marker and comment; Ana spotlights it, resolves and reopens the thread, deletes the comment.
    await drawMarker(ben.page, "Crossing", 400, 300);
    const benPopup = ben.page.locator('[data-testid="feature-popup"]');
    await benPopup.waitFor();
    await benPopup.locator('input[name="comment"]').fill("Cars are too fast here");
    await benPopup.locator('input[name="comment"]').press("Enter");
    await feature(ana.page, "Crossing").click();
    const anaPopup = ana.page.locator('[data-testid="feature-popup"]');
    await anaPopup.locator('[data-testid="comment"]', { hasText: "Cars are too fast here" }).waitFor();
    await anaPopup.locator('[data-testid="spotlight"]').click();
    await ben.page.locator('.feature-icon.spotlit[data-title="Crossing"]').waitFor();
    await anaPopup.locator('[data-testid="resolve-thread"]').click();
    await benPopup.locator('[data-testid="thread"][data-resolved="true"]').waitFor();
    await anaPopup.locator('[data-testid="reopen-thread"]').click();
    await benPopup.locator('[data-testid="thread"][data-resolved="false"]').waitFor();
    answerNextDialog(ana.page, "personal data");
    await anaPopup.locator('[data-testid="delete-comment"]').click();
    await benPopup.locator('[data-testid="comment"]', { hasText: "(deleted: personal data)" }).waitFor();
    await screenshot(ben.page, "facilitation-participant");

    // A session, started and ended.
    await ana.page.click('[data-tab="facilitate"]');
    await ana.page.fill('[data-testid="session-title"]', "Morning walk");
    await ana.page.click('[data-testid="start-session"]');
    await ana.page.locator('[data-testid="session-running"]', { hasText: "Morning walk" }).waitFor();
    await screenshot(ana.page, "facilitation-session");
    await screenshotOf(ana.page.locator('[data-testid="sidebar"]'), "facilitation-panel");
    await ana.page.click('[data-testid="end-session"]');
    await ana.page.locator('[data-testid="start-session"]').waitFor();

    // The room renamed: everyone's top bar says so.
    await ana.page.fill('[data-testid="room-title-input"]', "Harbour walk, June");
    await ana.page.locator('[data-testid="room-form"] button[type="submit"]').click();
    await ben.page.locator('[data-testid="room-title"]', { hasText: "Harbour walk, June" }).waitFor();

    // Removed: Ben's page says so plainly, and he is gone from Ana's list.
    await ana.page.click('[data-tab="people"]');
    answerNextDialog(ana.page, "disruptive");
    await ana.page.locator('[data-testid="participant"][data-participant="ben"] [data-testid="remove"]').click();
    await ben.page.locator('[data-testid="connection"][data-state="closed"]').waitFor();
    await ana.page.locator('[data-testid="participant"][data-participant="ben"]').waitFor({ state: "detached" });
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("an open popup stays as it is while others chat: the facilitator's buttons are not swapped under the pointer, a comment being typed keeps its text and focus", async () => {
  const { ana, ben } = await roomWithAnaAndBen("popupcalm", "Popup calm");
  try {
    await drawMarker(ben.page, "Bench", 400, 300);
    const benPopup = ben.page.locator('[data-testid="feature-popup"]');
    await benPopup.waitFor();
    await feature(ana.page, "Bench").click();
    const spotlight = ana.page.locator('[data-testid="feature-popup"] [data-testid="spotlight"]');
    await spotlight.waitFor();
    // Marked, to tell the same button from a rebuilt one.
    await spotlight.evaluate((button) => {
      button.dataset.mark = "first";
    });
    const comment = benPopup.locator('input[name="comment"]');
    await comment.click();
    await comment.pressSequentially("The slope is");
    await say(ana.page, "Two minutes left");
    await ben.page.locator('[data-testid="message"]', { hasText: "Two minutes left" }).waitFor();
    await ana.page.locator('[data-testid="message"]', { hasText: "Two minutes left" }).waitFor();
    assert.equal(await spotlight.getAttribute("data-mark"), "first");
    assert.equal(await comment.inputValue(), "The slope is");
    assert.equal(await comment.evaluate((input) => document.activeElement === input), true);
    // Typing goes on where it was, and the comment is sent whole.
    await ben.page.keyboard.type(" too steep");
    await ben.page.keyboard.press("Enter");
    await ana.page
      .locator('[data-testid="feature-popup"] [data-testid="comment"]', { hasText: "The slope is too steep" })
      .waitFor();
    // A change the popup shows rebuilds it: the spotlight is now on.
    await spotlight.click();
    await ana.page.locator('[data-testid="feature-popup"] [data-testid="spotlight"][aria-pressed="true"]').waitFor();
    await ben.page.locator('.feature-icon.spotlit[data-title="Bench"]').waitFor();
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("authors correct their own message and comment; everyone sees the new text marked edited; a facilitator corrects a comment, not someone's message", async () => {
  const { ana, ben } = await roomWithAnaAndBen("corrections", "Corrections");
  try {
    await say(ben.page, "The bus stop is on Mian Street");
    const mine = ben.page.locator('[data-testid="message"]', { hasText: "Mian Street" });
    // Cancelled or unchanged: nothing is sent.
    ben.page.once("dialog", (dialog) => void dialog.dismiss());
    await mine.locator('[data-testid="edit-message"]').click();
    answerNextDialog(ben.page, "The bus stop is on Main Street");
    await mine.locator('[data-testid="edit-message"]').click();
    const seen = ana.page.locator('[data-testid="message"]', { hasText: "The bus stop is on Main Street" });
    await seen.locator(".meta", { hasText: "(edited)" }).waitFor();
    assert.equal(await ana.page.locator('[data-testid="message"]', { hasText: "Mian" }).count(), 0);
    // Only the author edits a message, even a facilitator cannot.
    assert.equal(await seen.locator('[data-testid="edit-message"]').count(), 0);
    // Emptied: refused in words, the message stays.
    answerNextDialog(ben.page, "   ");
    await ben.page
      .locator('[data-testid="message"]', { hasText: "Main Street" })
      .locator('[data-testid="edit-message"]')
      .click();
    await ben.page.locator(".notice.error", { hasText: "cannot be emptied" }).waitFor();

    // A comment, corrected by its author, then by the facilitator.
    await drawMarker(ben.page, "Stop", 400, 300);
    const benPopup = ben.page.locator('[data-testid="feature-popup"]');
    await benPopup.locator('input[name="comment"]').fill("No shelter form the rain");
    await benPopup.locator('input[name="comment"]').press("Enter");
    const benComment = benPopup.locator('[data-testid="comment"]', { hasText: "No shelter form the rain" });
    answerNextDialog(ben.page, "No shelter from the rain");
    await benComment.locator('[data-testid="edit-comment"]').click();
    await feature(ana.page, "Stop").click();
    const anaPopup = ana.page.locator('[data-testid="feature-popup"]');
    const fixed = anaPopup.locator('[data-testid="comment"]', { hasText: "No shelter from the rain" });
    await fixed.waitFor();
    assert.match(await fixed.textContent(), /\(edited\)/);
    answerNextDialog(ana.page, "No shelter from the rain (the council knows)");
    await fixed.locator('[data-testid="edit-comment"]').click();
    await benPopup.locator('[data-testid="comment"]', { hasText: "the council knows" }).waitFor();
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("a chat message stays as it is while the room changes around it: its buttons are not swapped under the pointer", async () => {
  const { ana, ben } = await roomWithAnaAndBen("chatcalm", "Chat calm");
  try {
    await say(ben.page, "Shall we start?");
    const react = ana.page
      .locator('[data-testid="message"]', { hasText: "Shall we start?" })
      .locator('button.react[data-emoji="👍"]');
    await react.waitFor();
    await react.evaluate((button) => {
      button.dataset.mark = "first";
    });
    // Other events: a marker, another message.
    await drawMarker(ben.page, "Meeting point", 400, 300);
    await say(ben.page, "I put the meeting point on the map");
    await ana.page.locator('[data-testid="message"]', { hasText: "meeting point on the map" }).waitFor();
    await feature(ana.page, "Meeting point").waitFor();
    assert.equal(await react.getAttribute("data-mark"), "first");
    // A change to the message itself rebuilds it.
    await react.click();
    await ben.page
      .locator('[data-testid="message"]', { hasText: "Shall we start?" })
      .locator('[data-testid="reaction"][data-emoji="👍"]')
      .waitFor();
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("older chat than the room keeps at hand is paged in from the server", async () => {
  await server.createRoom("history", "History");
  // 230 messages, more than the 200 a join brings, sent by a script through the SDK.
  const cai = await scripted("history", "participant", "Cai", "cai");
  const sent = [];
  for (let i = 1; i <= 230; i++) sent.push(cai.sendChat(`message number ${i}`));
  for (const result of await Promise.all(sent)) assert.ok(result.ok);
  cai.disconnect();

  const ana = await joinAs("history", "facilitator", "Ana", "ana");
  try {
    const page = ana.page;
    await page.locator('[data-testid="message"]', { hasText: "message number 230" }).waitFor();
    assert.equal(await page.locator('[data-testid="message"]', { hasText: /^Cai.*message number 30$/ }).count(), 0);
    await page.click('[data-testid="older-chat"]');
    await page.locator('[data-testid="message"] .text', { hasText: /^message number 1$/ }).waitFor();
    assert.equal(await page.locator('[data-testid="message"]').count(), 230);
    await page.locator('[data-testid="no-older-chat"]').waitFor();
    assert.equal(await page.locator('[data-testid="older-chat"]').isHidden(), true);
    assert.deepEqual(ana.problems, []);
  } finally {
    await ana.context.close();
  }
});

test("three people: two participants mark, comment and chat; the facilitator's export buttons download what they did", async () => {
  await server.createRoom("exports", "Harbour walk");
  const ana = await joinAs("exports", "facilitator", "Ana", "ana");
  const ben = await joinAs("exports", "participant", "Ben", "ben");
  const cai = await joinAs("exports", "participant", "Cai", "cai");
  try {
    await drawMarker(ben.page, "Broken bench", 400, 300);
    await feature(cai.page, "Broken bench").click();
    const caiPopup = cai.page.locator('[data-testid="feature-popup"]');
    await caiPopup.locator('input[name="comment"]').fill("Needs a ramp too");
    await caiPopup.locator('input[name="comment"]').press("Enter");
    await ben.page
      .locator('[data-testid="feature-popup"] [data-testid="comment"]', { hasText: "Needs a ramp too" })
      .waitFor();
    await cai.page.click('[data-tab="chat"]');
    await say(cai.page, "See you at the pier");
    await ana.page
      .locator('[data-testid="message"]', { hasText: "See you at the pier" })
      .waitFor({ state: "attached" });

    await ana.page.click('[data-tab="facilitate"]');
    // Each button saves the room's file under the room's name.
    const download = async (file) => {
      const saved = ana.page.waitForEvent("download");
      await ana.page.click(`[data-testid="export-${file}"]`);
      const d = await saved;
      assert.equal(d.suggestedFilename(), `exports.${file}`);
      return readFile(await d.path(), "utf8");
    };
    const geojson = JSON.parse(await download("geojson"));
    assert.equal(geojson.type, "FeatureCollection");
    assert.deepEqual(
      geojson.features.map((f) => f.properties.title),
      ["Broken bench"],
    );
    assert.match(await download("chat.csv"), /Cai.*See you at the pier/);
    assert.match(await download("comments.csv"), /Broken bench.*Cai.*Needs a ramp too/);
    const report = await download("report.md");
    assert.match(report, /Harbour walk/);
    assert.match(report, /Broken bench/);
    assert.deepEqual([...ana.problems, ...ben.problems, ...cai.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
    await cai.context.close();
  }
});
