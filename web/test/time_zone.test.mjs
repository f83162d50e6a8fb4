// The room's own time zone: a facilitator picks it from the browser's list
// of zones in the room info; everyone then reads session times, the
// replay's times and a vote's end in the room's zone and, when their own
// clock reads differently, in theirs too ("12:00 Lisbon · 09:00 Ihre Zeit"),
// in their language. A zone the browser does not know is named, and times
// fall back to the reader's own with a note, without an error on the page.
import assert from "node:assert/strict";
import { test } from "node:test";

import { accessibilityViolations, joinAs, screenshotOf, scripted, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

// "HH:MM" (24 h, as German writes it) -> minutes since midnight.
function minutes(text) {
  const [h, m] = text.split(":").map(Number);
  return h * 60 + m;
}

test("a facilitator sets the room's time zone; a reader elsewhere sees times in the room's zone and their own, in German", async () => {
  await server.createRoom("tz", "Werkstatt am Fluss");
  // December: Lisbon is at UTC+0, São Paulo at UTC-3 (no summer time there since 2019).
  const ana = await joinAs("tz", "facilitator", "Ana", "ana", { locale: "de-DE", timezoneId: "Europe/Lisbon" });
  const ben = await joinAs("tz", "participant", "Ben", "ben", { locale: "de-DE", timezoneId: "America/Sao_Paulo" });
  const fay = await scripted("tz", "facilitator", "Fay", "fay");
  try {
    assert.ok((await fay.startSession("Morgenrunde")).ok);

    // Before a zone is set, each reader sees their own zone only.
    await ben.page.click('[data-testid="room-info-open"]');
    const benInfo = ben.page.locator('[data-testid="room-info"]');
    await benInfo.locator('[data-testid="info-session"]', { hasText: "Morgenrunde" }).waitFor();
    assert.equal(await benInfo.locator('[data-testid="info-room-time-zone"]').textContent(), "nicht festgelegt");
    assert.equal(await benInfo.locator('[data-testid="time-zone-picker"]').isHidden(), true, "only a facilitator picks the zone");

    // Ana picks the zone: the box offers the browser's zones, in German labels.
    await ana.page.click('[data-testid="room-info-open"]');
    const anaInfo = ana.page.locator('[data-testid="room-info"]');
    const picker = anaInfo.locator('[data-testid="time-zone-picker"]');
    await picker.waitFor();
    assert.equal(await picker.locator("label").textContent(), "Zeitzone des Raums");
    const offered = await ana.page.locator("#time-zone-options option").evaluateAll((options) => options.map((o) => o.value));
    assert.ok(offered.includes("Europe/Lisbon") && offered.includes("Africa/Johannesburg") && offered.length > 300, `${offered.length} zones offered`);

    // A name the browser does not know is refused before it reaches the room.
    await picker.locator('[data-testid="time-zone-input"]').fill("Europe/Atlantis");
    await picker.locator('[data-testid="time-zone-set"]').click();
    await picker.locator('[data-testid="time-zone-note"]', { hasText: "„Europe/Atlantis“ ist keine Zeitzone, die dieser Browser kennt" }).waitFor();
    assert.equal(await anaInfo.locator('[data-testid="info-room-time-zone"]').textContent(), "nicht festgelegt");

    await picker.locator('[data-testid="time-zone-input"]').fill("Europe/Lisbon");
    await picker.locator('[data-testid="time-zone-set"]').click();
    await picker.locator('[data-testid="time-zone-note"]', { hasText: "Die Zeitzone des Raums ist jetzt Europe/Lisbon." }).waitFor();
    assert.equal((await server.admin("GET", "/v1/admin/rooms/tz")).time_zone, "Europe/Lisbon");

    // Ben, in São Paulo, reads both: the room's time (Lisbon) and his, three hours earlier.
    await benInfo.locator('[data-testid="info-room-time-zone"]', { hasText: "Europe/Lisbon" }).waitFor();
    const session = await benInfo.locator('[data-testid="info-session"]').textContent();
    const both = /^Morgenrunde seit \d\d\.\d\d\.\d{4}, (\d\d:\d\d) Lisbon · \d\d\.\d\d\.\d{4}, (\d\d:\d\d) Ihre Zeit, läuft$/.exec(session);
    assert.ok(both, session);
    assert.equal((minutes(both[1]) - minutes(both[2]) + 24 * 60) % (24 * 60), 180, session);
    assert.equal(
      await benInfo.locator('[data-testid="info-time-zone"]').textContent(),
      "Zeiten in der Zeitzone des Raums, Europe/Lisbon, und in Ihrer, America/Sao_Paulo.",
    );
    // Ana's clock reads as the room's: one time, named.
    assert.match(await anaInfo.locator('[data-testid="info-session"]').textContent(), /^Morgenrunde seit \d\d\.\d\d\.\d{4}, \d\d:\d\d Lisbon, läuft$/);
    assert.deepEqual(await accessibilityViolations(ana.page), [], "the zone picker");
    assert.deepEqual(await accessibilityViolations(ben.page), [], "the room info with two times");
    await screenshotOf(ben.page.locator(".map-column"), "room-time-zone");

    // A vote with an end: its end by the clock, in both zones.
    const endMs = Date.now() + 10 * 60 * 1000;
    assert.ok((await fay.openVote({ id: "v-1", title: "Wohin zuerst?", dotsPerPerson: 3, endTimeMs: BigInt(endMs) })).ok);
    const ends = await ben.page.locator('[data-testid="vote-ends"]').textContent();
    const voteTimes = /\(endet (\d\d:\d\d) Lisbon · (\d\d:\d\d) Ihre Zeit\)/.exec(ends);
    assert.ok(voteTimes, ends);
    assert.equal((minutes(voteTimes[1]) - minutes(voteTimes[2]) + 24 * 60) % (24 * 60), 180, ends);

    // The replay's times, too.
    await ben.page.click('[data-testid="room-info-close"]');
    await ben.page.click("#replay-open");
    const where = ben.page.locator('[data-testid="replay-where"]', { hasText: "zuletzt aktiv" });
    await where.waitFor();
    assert.match(await where.textContent(), /zuletzt aktiv \d\d:\d\d Lisbon · \d\d:\d\d Ihre Zeit/);
    await ben.page.click('[data-testid="replay-leave"]');

    // A zone this browser does not know (set by the administrator, whom the
    // server trusts with any IANA-shaped name): named, and times in Ben's own.
    await server.admin("PATCH", "/v1/admin/rooms/tz", { time_zone: "Europe/Atlantis" });
    await ben.page.click('[data-testid="room-info-open"]');
    await benInfo.locator('[data-testid="info-room-time-zone"]', { hasText: "Europe/Atlantis" }).waitFor();
    assert.match(
      await benInfo.locator('[data-testid="info-session"]').textContent(),
      /^Morgenrunde seit \d\d\.\d\d\.\d{4}, \d\d:\d\d Ihre Zeit \(dieser Browser kennt die Zeitzone des Raums, Europe\/Atlantis, nicht\), läuft$/,
    );
    assert.equal(
      await benInfo.locator('[data-testid="info-time-zone"]').textContent(),
      "Dieser Browser kennt die Zeitzone des Raums, Europe/Atlantis, nicht: Zeiten in Ihrer Zeitzone, America/Sao_Paulo.",
    );
    assert.match(await ben.page.locator('[data-testid="vote-ends"]').textContent(), /\(endet \d\d:\d\d Ihre Zeit \(dieser Browser kennt/);

    // Cleared: back to each reader's own zone.
    await picker.locator('[data-testid="time-zone-clear"]').click();
    await benInfo.locator('[data-testid="info-room-time-zone"]', { hasText: "nicht festgelegt" }).waitFor();
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    fay.disconnect();
    await ana.context.close();
    await ben.context.close();
  }
});
