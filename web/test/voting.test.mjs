// Dot voting as participants see it: a banner while a round is open (the
// question, the dots left), dots given from the map and shown on the
// features (only one's own while the results are hidden), a plain refusal
// when the dots are used up, and the results for everyone once it closes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { drawMarker, feature, roomWithAnaAndBen, screenshot, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

test("a hidden-results vote: the banner counts my dots, the map shows them to me only, the results show when it closes", async () => {
  const { ana, ben } = await roomWithAnaAndBen("vote", "Vote");
  try {
    await drawMarker(ben.page, "Park", 300, 300);
    await feature(ana.page, "Park").waitFor();
    await drawMarker(ana.page, "Library", 500, 400);
    await feature(ben.page, "Library").waitFor();
    assert.equal(await ben.page.locator('[data-testid="vote-banner"]').isHidden(), true);

    await ana.page.click('[data-tab="facilitate"]');
    const form = ana.page.locator('[data-testid="vote-form"]');
    await form.locator("input").first().fill("Where first?");
    await form.locator('input[type="number"]').first().fill("2");
    await form.locator('[data-testid="vote-hidden"]').check();
    await form.locator('[data-testid="vote-minutes"]').fill("10");
    await form.locator('button[type="submit"]').click();

    const banner = ben.page.locator('[data-testid="vote-banner"]');
    await banner.locator("strong", { hasText: "Vote: Where first?" }).waitFor();
    assert.equal(await banner.locator('[data-testid="dots-left"]').textContent(), "you have 2 of 2 dots left");
    assert.match(await banner.textContent(), /The results show when the vote closes/);
    assert.match(await banner.locator(".vote-time").textContent(), /^ · (10:00|9:\d\d) left$/);

    // Two dots on the park, from its popup on the map.
    await feature(ben.page, "Park").click();
    const popup = ben.page.locator('[data-testid="feature-popup"][data-feature-id]').last();
    await popup.locator('[data-testid="add-dot"]').click();
    await banner.locator('[data-testid="dots-left"]', { hasText: "you have 1 of 2 dots left" }).waitFor();
    await popup.locator('[data-testid="add-dot"]').click();
    await banner.locator('[data-testid="dots-left"]', { hasText: "you have 0 of 2 dots left" }).waitFor();
    await feature(ben.page, "Park").locator('[data-testid="feature-dots"]', { hasText: "● 2" }).waitFor();
    await screenshot(ben.page, "vote-open-participant");

    // A third dot: none left, said plainly.
    await popup.locator('[data-testid="add-dot"]').click();
    await ben.page.locator('.notice.error[data-code="NO_DOTS_LEFT"]', { hasText: "You have no dots left in this vote." }).waitFor();

    // Ana's panel has the ballots; her map shows no one else's dots while hidden.
    await ana.page.locator('[data-testid="vote-round"] li', { hasText: "Park: 2" }).waitFor();
    assert.equal(await feature(ana.page, "Park").locator('[data-testid="feature-dots"]').count(), 0);

    await ana.page.locator('[data-testid="vote-round"] button').click();
    for (const page of [ben.page, ana.page]) {
      const results = page.locator('[data-testid="vote-banner"][data-state="results"]');
      await results.waitFor();
      assert.match(await results.locator("strong").textContent(), /Results: Where first\?/);
      assert.deepEqual(await results.locator('[data-testid="vote-results"] li').allTextContents(), ["Park: 2"]);
    }
    assert.equal(await feature(ben.page, "Park").locator('[data-testid="feature-dots"]').count(), 0);
    await screenshot(ben.page, "vote-results-participant");
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("an anonymous vote: the ballots carry a pseudonym, not the name, and each person still sees their own dots", async () => {
  const { ana, ben } = await roomWithAnaAndBen("anonymous", "Anonymous");
  try {
    await drawMarker(ana.page, "Square", 400, 300);
    await feature(ben.page, "Square").waitFor();
    await ana.page.click('[data-tab="facilitate"]');
    const form = ana.page.locator('[data-testid="vote-form"]');
    await form.locator("input").first().fill("Which square?");
    await form.locator('[data-testid="vote-anonymous"]').check();
    await form.locator('button[type="submit"]').click();
    await ana.page.locator('[data-testid="vote-round"]', { hasText: "anonymous" }).waitFor();

    const banner = ben.page.locator('[data-testid="vote-banner"]');
    await banner.locator("strong", { hasText: "Vote: Which square?" }).waitFor();
    await feature(ben.page, "Square").click();
    const popup = ben.page.locator('[data-testid="feature-popup"][data-feature-id]').last();
    await popup.locator('[data-testid="add-dot"]').click();
    await banner.locator('[data-testid="dots-left"]', { hasText: "you have 2 of 3 dots left" }).waitFor();
    await popup.locator('[data-testid="feature-vote"]', { hasText: "(1 yours)" }).waitFor();
    await ana.page.locator('[data-testid="vote-round"] li', { hasText: "Square: 1" }).waitFor();
    const round = (await server.state("anonymous")).votes[0];
    assert.equal(round.anonymous, true);
    assert.equal(round.ballots.length, 1);
    assert.notEqual(round.ballots[0].voter, "ben", "the ballot does not name Ben");
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});
