// @mentions: typing "@" and a name's start lists the people online (arrows
// and Enter pick one, as a combobox does); the message goes out with their
// id in SendChat.mentions, and only the person mentioned gets a notice and
// sees the message marked for them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { accessibilityViolations, artifacts, joinAs, scripted, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

test("typing @ lists who is online, choosing fills SendChat.mentions, and only the one mentioned gets a notice", async () => {
  await server.createRoom("mentions", "Mentions");
  const ana = await joinAs("mentions", "facilitator", "Ana Lima", "ana");
  const ben = await joinAs("mentions", "participant", "Ben", "ben");
  const cai = await joinAs("mentions", "participant", "Carla", "carla");
  const dan = await scripted("mentions", "participant", "Anton", "anton");
  try {
    const page = ben.page;
    const input = page.locator('[data-testid="chat-form"] input');
    await page.click('[data-tab="people"]');
    await page.locator('[data-testid="participant"][data-participant="anton"]').waitFor();
    await page.click('[data-tab="chat"]');

    // "@an" lists Ana Lima and Anton (not Ben himself, not Carla).
    await input.fill("Question for @");
    await input.press("a");
    await input.press("n");
    const options = page.locator('[data-testid="mention-option"]');
    await options.first().waitFor();
    assert.deepEqual((await options.allTextContents()).sort(), ["@Ana Lima", "@Anton"]);
    assert.equal(await input.getAttribute("aria-expanded"), "true");
    assert.deepEqual(await accessibilityViolations(page), [], "the mention list");
    // The box and the list over it (the list stands out of the box's own outline).
    const compose = await page.locator(".chat-compose").boundingBox();
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "mention-list.png"), clip: { x: compose.x - 8, y: compose.y - 110, width: compose.width + 16, height: compose.height + 118 } });

    // Arrow down to the one wanted, Enter picks it (and does not send).
    const wanted = (await options.nth(0).textContent()) === "@Ana Lima" ? 0 : 1;
    for (let i = 0; i < wanted; i++) await input.press("ArrowDown");
    await page.locator('[data-testid="mention-option"][aria-selected="true"]', { hasText: "@Ana Lima" }).waitFor();
    await input.press("Enter");
    assert.equal(await input.inputValue(), "Question for @Ana Lima ");
    assert.equal(await options.count(), 0);
    await input.pressSequentially("where is the bench?");
    await input.press("Enter");

    // Ana gets the notice and the message marked for her; Carla neither.
    await ana.page.locator(".notice", { hasText: "Ben mentioned you: Question for @Ana Lima where is the bench?" }).waitFor();
    await ana.page.locator('[data-testid="message"][data-mentions-me="true"]', { hasText: "where is the bench?" }).waitFor();
    await cai.page.locator('[data-testid="message"]', { hasText: "where is the bench?" }).waitFor();
    assert.equal(await cai.page.locator('[data-testid="message"][data-mentions-me="true"]').count(), 0);
    assert.equal(await cai.page.locator(".notice", { hasText: "mentioned you" }).count(), 0);
    // On the wire: Ana's id, nobody else's.
    const sent = dan.replica.state.recentChat.find((m) => m.text.includes("where is the bench?"))
      ?? await new Promise((resolve) => dan.onEvent((e) => e.body.case === "chatPosted" && resolve(e.body.value.message)));
    assert.deepEqual(sent.mentions, ["ana"]);

    // Escape closes the list; the text stays as typed.
    await input.fill("@Ca");
    await input.press("r");
    await options.first().waitFor();
    assert.deepEqual(await options.allTextContents(), ["@Carla"]);
    await input.press("Escape");
    assert.equal(await options.count(), 0);
    assert.equal(await input.inputValue(), "@Car");
    assert.deepEqual([...ana.problems, ...ben.problems, ...cai.problems], []);
  } finally {
    dan.disconnect();
    await ana.context.close();
    await ben.context.close();
    await cai.context.close();
  }
});
