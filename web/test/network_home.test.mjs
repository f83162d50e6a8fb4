// The network home in Chromium against a real server: a network of three
// cities set up through the admin API, a workshop with a session planned in
// Johannesburg's time while the reader sits in Lisbon, members scripted
// through the SDK; then a member opens their invitation link and reads the
// cities on the map, the rooms with their last activity, the session in both
// zones, the calendar file, what is new since the last visit and the people
// by city, enters a room from the keyboard with the role the server gives
// and comes back. A withdrawn, an expired invitation and an unreachable
// server read as plain words; German; a phone's screen; axe.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";

import { accessibilityViolations, browser, screenshot, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

const net = "spaces";
// Next 14 January, 12:00 UTC: 14:00 in Johannesburg (UTC+2 all year) and
// 12:00 in Lisbon (UTC+0 in winter), a full day ahead at the least.
const year = new Date().getUTCFullYear() + 1;
const startsMs = Date.UTC(year, 0, 14, 12, 0);
const endsMs = startsMs + 2 * 3600 * 1000;

let ana; // a member of Lisbon: the reader
let rui; // another member of Lisbon, scripted
let fay; // the network's facilitator, scripted

async function invitation(name, role, cityId) {
  return server.admin("POST", `/v1/admin/networks/${net}/invitations`, { name, role, ...(cityId ? { city_id: cityId } : {}) });
}

// A client of the TypeScript SDK in `room` with a network invitation's token.
async function member(room, token) {
  const sdkRequire = createRequire(new URL("../../client-sdk/js/package.json", import.meta.url));
  const { MaptableClient } = await import(new URL("../../client-sdk/js/dist/src/index.js", import.meta.url));
  const { WebSocket } = sdkRequire("ws");
  const client = new MaptableClient({ url: server.base.replace("http", "ws") + "/v1/ws", roomId: room, token, webSocket: (url) => new WebSocket(url) });
  await client.connect();
  return client;
}

const point = (lon, lat) => ({ kind: 1, positions: [{ lon, lat }] });

// The network, set up once, by the first test that needs it (the file's
// server is started by a hook of its own, which has run by then).
let setUp;
function network() {
  setUp ??= createNetwork();
  return setUp;
}

async function createNetwork() {
  await server.admin("POST", "/v1/admin/networks", {
    id: net,
    title: "Safe public spaces",
    theme: "Safe public spaces for all",
    languages: ["en", "de", "pt"],
    starts_on: "2026-03-01",
    ends_on: "2028-12-31",
  });
  for (const city of [
    { id: "lisbon", name: "Lisbon", country: "PT", position: { lon: -9.139, lat: 38.722 }, living_lab_title: "Praça do Martim Moniz" },
    { id: "durban", name: "Durban", country: "ZA", position: { lon: 31.021, lat: -29.858 }, living_lab_title: "Warwick Junction" },
    { id: "leipzig", name: "Leipzig", country: "DE", position: { lon: 12.373, lat: 51.34 }, living_lab_title: "Eisenbahnstraße" },
  ])
    await server.admin("POST", `/v1/admin/networks/${net}/cities`, city);
  for (const city of ["lisbon", "durban", "leipzig"])
    await server.admin("POST", `/v1/admin/networks/${net}/rooms`, { room_id: `lab-${city}`, title: `Living lab ${city[0].toUpperCase()}${city.slice(1)}`, kind: "living_lab", city_id: city });
  await server.admin("POST", `/v1/admin/networks/${net}/rooms`, { room_id: "workshop", title: "Workshop: streets at night", kind: "workshop", center: { lon: 31.021, lat: -29.858 }, zoom: 14, time_zone: "Africa/Johannesburg" });
  await server.admin("POST", `/v1/admin/networks/${net}/sessions`, {
    room_id: "workshop",
    title: "Night walk review",
    starts_ms: startsMs,
    ends_ms: endsMs,
    time_zone: "Africa/Johannesburg",
    agenda: ["What we saw", "Lighting first?"],
  });
  ana = await invitation("Ana", "participant", "lisbon");
  rui = await invitation("Rui", "participant", "lisbon");
  fay = await invitation("Fay", "facilitator");

  // Before Ana's first visit: Rui marks a place in Lisbon's living lab.
  const client = await member("lab-lisbon", rui.token);
  try {
    assert.ok((await client.addFeature({ id: "kiosk", title: "Kiosk", geometry: point(-9.1365, 38.7165) })).ok);
  } finally {
    client.disconnect();
  }
}

// A new browser context (its own storage) that opens `url` and waits until the home is shown.
async function open(url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US", timezoneId: "Europe/Lisbon", ...options });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  await page.goto(url);
  return { context, page, problems };
}

const home = (page) => page.locator('[data-testid="network-home"]');
const shown = (page) => page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
const room = (page, id) => page.locator(`[data-testid="network-rooms-section"] [data-testid="network-room"][data-room="${id}"]`);

test("a member opens the invitation: cities on the map, rooms with their activity, the session in both zones, the calendar, people by city", async () => {
  await network();
  const { context, page, problems } = await open(ana.invite_url, { acceptDownloads: true });
  try {
    await shown(page);
    // The invitation leaves the address bar and stays in the tab, as a network's, not a room's.
    assert.equal(new URL(page.url()).hash, "");
    const stored = await page.evaluate(() => ({ network: sessionStorage.getItem("maptable.networkInvite"), room: sessionStorage.getItem("maptable.invite") }));
    assert.deepEqual(JSON.parse(stored.network), { networkId: net, token: ana.token });
    assert.equal(stored.room, null);

    // One h1, naming the network; the room page and the join form are hidden.
    assert.equal(await page.locator("h1").count(), 1);
    assert.equal(await page.locator("h1").textContent(), "maptable Safe public spaces");
    assert.equal(await page.title(), "Safe public spaces · maptable");
    assert.equal(await page.locator("#app").isHidden(), true);
    assert.equal(await page.locator("#join").isHidden(), true);
    assert.equal(await page.locator('[data-testid="network-you"]').textContent(), "You: Ana, participant, Lisbon");

    // Three markers, each with its city's name written beside it.
    const markers = page.locator('[data-testid="network-map"] [data-testid="city-marker"]');
    assert.deepEqual((await markers.allTextContents()).sort(), ["Durban", "Leipzig", "Lisbon"]);
    // The tiles are unreachable in the tests: the room map's notice says so.
    await page.locator('[data-testid="network-map"] [data-testid="tile-notice"][data-state="shown"]').waitFor();
    // Every city's dot and name inside the map, neither under the notice nor under a control.
    const placed = await markers.evaluateAll((labels) => {
      const map = document.querySelector('[data-testid="network-map"]').getBoundingClientRect();
      return labels.map((label) => {
        const dot = label.parentElement.getBoundingClientRect();
        const name = label.getBoundingClientRect();
        const inside = (b) => b.left >= map.left && b.right <= map.right && b.top >= map.top && b.bottom <= map.bottom;
        const on = (b) => label.parentElement.contains(document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2));
        return [label.textContent, inside(dot) && inside(name) && on(dot) && on(name)];
      });
    });
    assert.deepEqual(placed.sort(), [["Durban", true], ["Leipzig", true], ["Lisbon", true]]);
    // A click on a marker goes to the city in the list.
    await markers.filter({ hasText: "Durban" }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.city), "durban");

    // Each city with its living lab.
    const labs = await page.locator('[data-testid="network-city"]').evaluateAll((items) =>
      items.map((i) => [i.dataset.city, i.querySelector('[data-testid="network-lab"]').textContent]));
    assert.deepEqual(labs, [
      ["durban", "Living lab: Warwick Junction"],
      ["leipzig", "Living lab: Eisenbahnstraße"],
      ["lisbon", "Living lab: Praça do Martim Moniz"],
    ]);

    // The rooms by kind, each with its last activity (relative and absolute) and "Enter".
    const api = await (await fetch(`${server.base}/v1/networks/${net}`, { headers: { Authorization: `Bearer ${ana.token}` } })).json();
    assert.deepEqual(
      await page.locator('[data-testid="network-rooms-section"] .network-kind h3').allTextContents(),
      ["Living labs", "Workshops"],
    );
    for (const id of ["lab-lisbon", "lab-durban", "lab-leipzig", "workshop"]) {
      const listed = api.rooms.find((r) => r.id === id);
      assert.ok(listed.last_activity_ms > 0, `${id} has had its first event`);
      const activity = room(page, id).locator('[data-testid="room-activity"]');
      assert.match(await activity.textContent(), /^Last activity (now|\d+ (seconds?|minutes?) ago) \(.+\d{4}, .+\)$/);
      assert.equal(await activity.getAttribute("datetime"), new Date(listed.last_activity_ms).toISOString());
      const enter = room(page, id).locator('[data-testid="network-enter"]');
      assert.equal(await enter.getAttribute("href"), `#room=${id}&token=${ana.token}`);
    }
    assert.equal(await room(page, "workshop").locator(".network-item-title").textContent(), "Workshop: streets at night");
    assert.equal(await room(page, "workshop").locator('[data-testid="network-enter"]').textContent(), "Enter Workshop: streets at night");

    // The planned session: in Johannesburg's time and in the reader's (Lisbon), two hours apart.
    const session = page.locator('[data-testid="network-session"]');
    assert.equal(await session.count(), 1);
    assert.equal(await session.locator(".network-item-title").textContent(), "Night walk review");
    // (ICU writes a narrow space before PM in some versions.)
    const spaced = async (locator) => (await locator.textContent()).replace(/\s/g, " ");
    assert.equal(
      await spaced(session.locator('[data-testid="session-time"]')),
      `Jan 14, ${year}, 2:00 PM Johannesburg · Jan 14, ${year}, 12:00 PM your time`,
    );
    assert.equal(await spaced(session.locator('[data-testid="session-end"]')), "until 4:00 PM Johannesburg · 2:00 PM your time");
    assert.deepEqual(await session.locator('[data-testid="session-agenda"] li').allTextContents(), ["What we saw", "Lighting first?"]);
    assert.match(await session.locator(".network-session-room").textContent(), /^Room: Workshop: streets at night /);

    // The calendar file, fetched with the invitation and offered as a download.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="network-ics"]')]);
    assert.equal(download.suggestedFilename(), `${net}-sessions.ics`);
    const ics = readFileSync(await download.path(), "utf8");
    assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
    assert.match(ics, /\r\nSUMMARY:Night walk review\r\n/);
    assert.ok(ics.includes(`\r\nDTSTART;TZID=Africa/Johannesburg:${year}0114T140000\r\n`), ics);
    await page.locator('[data-testid="network-ics-note"]', { hasText: `Downloaded ${net}-sessions.ics.` }).waitFor();

    // The first visit says so.
    assert.match(await page.locator('[data-testid="network-news-first"]').textContent(), /^This is your first visit/);

    // People by city, as the server counts them: Rui acted in Lisbon's lab.
    assert.deepEqual(api.people.find((p) => p.city_id === "lisbon"), { city_id: "lisbon", count: 1 });
    assert.deepEqual(await page.locator('[data-testid="network-people"]').allTextContents(), ["Durban: 0 people", "Leipzig: 0 people", "Lisbon: 1 person"]);
    assert.equal(await page.locator('[data-testid="network-people-total"]').textContent(), "1 person has taken part in the cities' rooms so far.");

    assert.deepEqual(await accessibilityViolations(page), [], "the network home");
    await screenshot(page, "network-home");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("what is new since the last visit counts what others did; Enter from the keyboard joins with the server's role, and the room leads back", async () => {
  await network();
  const { context, page, problems } = await open(ana.invite_url);
  try {
    await shown(page);
    // This context's first visit; it is remembered per network and person.
    await page.locator('[data-testid="network-news-first"]').waitFor();
    const key = `maptable.networkVisit:${net}:${ana.subject}`;
    const remembered = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), key));
    const newest = Math.max(...(await server.admin("GET", `/v1/admin/networks/${net}`)).rooms.map((r) => r.last_activity_ms));
    assert.equal(remembered.seenMs, newest, "the visit remembers the newest event the server had");

    // A reload of the same tab still compares with what the tab opened with (the first visit),
    // though the reload is a visit too.
    await page.reload();
    await shown(page);
    await page.locator('[data-testid="network-news-first"]').waitFor();

    // The last visit as three days ago, having seen everything up to now.
    const visit = { seenMs: newest, atMs: Date.now() - 3 * 86400 * 1000 };
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [key, JSON.stringify(visit)]);
    // Meanwhile: Rui marks two places and starts a discussion; Fay runs a vote to its end; a chat message.
    const ruiClient = await member("lab-lisbon", rui.token);
    const fayClient = await member("lab-lisbon", fay.token);
    try {
      assert.ok((await ruiClient.addFeature({ id: "bench", title: "Broken bench", geometry: point(-9.1361, 38.7161) })).ok);
      assert.ok((await ruiClient.addFeature({ id: "lamp", title: "Dark corner", geometry: point(-9.1368, 38.7168) })).ok);
      assert.ok((await ruiClient.startThread("t-1", { featureId: "lamp" }, "Needs a lamp")).ok);
      assert.ok((await fayClient.openVote({ id: "v-1", title: "First?", dotsPerPerson: 1 })).ok);
      assert.ok((await fayClient.closeVote("v-1")).ok);
      assert.ok((await ruiClient.sendChat("See the corner by the stairs")).ok);
    } finally {
      ruiClient.disconnect();
      fayClient.disconnect();
    }

    // The next visit, in a new tab: what happened since the stored visit.
    const next = await context.newPage();
    next.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await next.goto(ana.invite_url);
    await shown(next);
    const changes = await (await fetch(`${server.base}/v1/networks/${net}/changes?since_ms=${visit.seenMs}`, { headers: { Authorization: `Bearer ${ana.token}` } })).json();
    const lab = changes.rooms.find((r) => r.id === "lab-lisbon");
    assert.deepEqual([lab.features_added, lab.threads_started, lab.votes_closed, lab.chat_messages], [2, 1, 1, 1]);
    assert.equal(changes.rooms.filter((r) => r.events > 0).length, 1, "nothing happened elsewhere");
    const since = await next.locator('[data-testid="network-news-since"]').textContent();
    const day = await next.evaluate((ms) => new Intl.DateTimeFormat("en", { dateStyle: "medium" }).format(new Date(ms)), visit.atMs);
    assert.ok(since.startsWith(`Your last visit: ${day}, `) && since.endsWith(" (3 days ago)."), since);
    const news = next.locator('[data-testid="network-news-room"]');
    await news.first().waitFor();
    assert.equal(await news.count(), 1);
    assert.equal(await news.getAttribute("data-room"), "lab-lisbon");
    const others = lab.events - 5;
    assert.equal(
      await news.locator('[data-testid="network-news-counts"]').textContent(),
      `2 new marks on the map, 1 new discussion, 1 decision (closed vote), 1 chat message, and ${others} other change${others === 1 ? "" : "s"}`,
    );
    // The people of Lisbon now count Fay too.
    await next.locator('[data-testid="network-people"][data-city="lisbon"]', { hasText: "Lisbon: 2 people" }).waitFor();

    // From the top of the page, Tab reaches the workshop's "Enter"; Enter opens it.
    await next.locator("body").focus();
    const target = next.locator('[data-testid="network-rooms-section"] [data-testid="network-enter"][data-room="workshop"]');
    let presses = 0;
    while (!(await target.evaluate((node) => node === document.activeElement))) {
      await next.keyboard.press("Tab");
      assert.ok(++presses < 60, "Tab reaches the workshop's Enter");
    }
    await next.keyboard.press("Enter");
    await next.locator('[data-testid="room-title"]', { hasText: "Workshop: streets at night" }).waitFor();
    await next.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    // A member of Lisbon reads the workshop as an observer (the network keeps members_elsewhere at "observer").
    assert.equal((await server.admin("GET", `/v1/admin/networks/${net}`)).network.members_elsewhere, "observer");
    assert.equal(await next.locator('[data-testid="me"]').textContent(), "Ana (observer)");
    assert.equal(await next.locator('[data-testid="network-home"]').isHidden(), true);
    const tabStore = await next.evaluate(() => ({ network: sessionStorage.getItem("maptable.networkInvite"), room: JSON.parse(sessionStorage.getItem("maptable.invite")) }));
    assert.equal(tabStore.network, null, "a reload of the room stays in the room");
    assert.deepEqual(tabStore.room, { roomId: "workshop", token: ana.token });
    assert.deepEqual(await accessibilityViolations(next), [], "the room with the way back");

    // The way back, and from the home into her own city's lab, where she is a participant.
    const back = next.locator('[data-testid="network-home-link"]');
    assert.equal(await back.textContent(), "⌂ Network home");
    await back.click();
    await home(next).waitFor();
    await shown(next);
    // The tab still shows what was new when it opened the home.
    await next.locator('[data-testid="network-news-room"][data-room="lab-lisbon"]').waitFor();
    await room(next, "lab-lisbon").locator('[data-testid="network-enter"]').click();
    await next.locator('[data-testid="room-title"]', { hasText: "Living lab Lisbon" }).waitFor();
    await next.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    assert.equal(await next.locator('[data-testid="me"]').textContent(), "Ana (participant)");
    // A reload stays in the room.
    await next.reload();
    await next.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    assert.equal(await next.locator('[data-testid="room-title"]').textContent(), "Living lab Lisbon");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// The token of an invitation, signed again with its expiry an hour ago: the
// server's own secret, so only the expiry makes it fail.
function expired(token) {
  const secret = readFileSync(join(server.dataDir, "secret"), "utf8").split("\n")[0];
  const [header, payload] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  claims.exp = Math.floor(Date.now() / 1000) - 3600;
  const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}

test("a withdrawn, expired or other network's invitation, and an unreachable server, read in plain words", async () => {
  await network();
  const withdrawn = await invitation("Bo", "participant", "durban");
  await fetch(`${server.base}/v1/admin/revocations`, {
    method: "POST",
    headers: { Authorization: "Bearer web-test-admin-key-0123456789" },
    body: JSON.stringify({ jti: withdrawn.jti }),
  }).then((res) => assert.equal(res.status, 204));
  const late = await invitation("Lu", "participant", "leipzig");
  const cases = [
    [withdrawn.invite_url, "TOKEN_REVOKED", "This invitation was withdrawn. Ask your facilitator for a new link."],
    [`${server.base}/#net=${net}&token=${expired(late.token)}`, "TOKEN_EXPIRED", "This invitation has expired. Ask your facilitator for a new link."],
    [`${server.base}/#net=elsewhere&token=${ana.token}`, "TOKEN_WRONG_NETWORK", "This invitation is for another network's rooms — ask your facilitator for the right link."],
  ];
  for (const [url, code, text] of cases) {
    const { context, page, problems } = await open(url);
    try {
      const error = page.locator('[data-testid="network-error"]');
      await error.waitFor();
      assert.equal(await error.getAttribute("data-code"), code);
      assert.equal(await error.locator("h2").textContent(), "This invitation does not open the network");
      assert.equal(await error.locator('[role="alert"]').textContent(), text);
      assert.equal(await error.locator('[data-testid="network-retry"]').count(), 0, "trying again would not help");
      assert.equal(await page.locator('[data-testid="connection"]').textContent(), "invitation not accepted");
      assert.equal(await page.evaluate(() => sessionStorage.getItem("maptable.networkInvite")), null, "a refused invitation is not kept");
      assert.deepEqual(await accessibilityViolations(page), [], `the refusal ${code}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }

  // The server not reached (the browser's requests to it fail): a way to try again, which works once it answers.
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  try {
    await page.route("**/v1/networks/**", (route) => route.abort("connectionrefused"));
    await page.goto(ana.invite_url);
    const error = page.locator('[data-testid="network-error"][data-kind="unreachable"]');
    await error.waitFor();
    assert.equal(await error.locator("h2").textContent(), "The server cannot be reached");
    assert.match(await error.locator('[role="alert"]').textContent(), /^The network's page could not be loaded: the server did not answer\./);
    assert.deepEqual(await accessibilityViolations(page), [], "the outage");
    await screenshot(page, "network-home-unreachable");
    await page.unroute("**/v1/networks/**");
    await error.locator('[data-testid="network-retry"]').click();
    await shown(page);
    assert.equal(await page.locator("h1").textContent(), "maptable Safe public spaces");
  } finally {
    await context.close();
  }
});

test("in German, on a phone: one column, the map at full width, everything in German; the switcher changes the language and keeps the home", async () => {
  await network();
  const { context, page, problems } = await open(fay.invite_url, {
    locale: "de-DE",
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  try {
    await shown(page);
    assert.equal(await page.locator('[data-testid="network-you"]').textContent(), "Sie: Fay, Moderation");
    assert.deepEqual(await page.locator('[data-testid="network-home"] h2').allTextContents(), [
      "Städte und ihre Living Labs",
      "Personen",
      "Neu seit Ihrem letzten Besuch",
      "Geplante Sitzungen",
      "Räume",
      "Die Ernte",
    ]);
    // The harvest's refusal of a period that ends before it starts, in German.
    const harvest = page.locator('[data-testid="network-harvest"]');
    assert.equal(await harvest.locator('[data-testid="harvest-download"]').textContent(), "Die Ernte herunterladen");
    await harvest.locator('[data-testid="harvest-from"]').fill("2026-06-02");
    await harvest.locator('[data-testid="harvest-to"]').fill("2026-06-01");
    await harvest.locator('[data-testid="harvest-download"]').tap();
    await harvest.locator('[data-testid="harvest-note"].error', { hasText: "Diese Daten ergeben keinen Zeitraum: Der Beginn muss vor oder auf dem Ende liegen." }).waitFor();
    assert.equal(
      await page.locator('[data-testid="network-session"] [data-testid="session-time"]').textContent(),
      `14.01.${year}, 14:00 Johannesburg · 14.01.${year}, 12:00 Ihre Zeit`,
    );
    assert.equal(await room(page, "workshop").locator('[data-testid="network-enter"]').textContent(), "Betreten Workshop: streets at night");
    assert.match(await room(page, "workshop").locator('[data-testid="room-activity"]').textContent(), /^Zuletzt aktiv /);
    const api = await (await fetch(`${server.base}/v1/networks/${net}`, { headers: { Authorization: `Bearer ${fay.token}` } })).json();
    const lisbon = api.people.find((p) => p.city_id === "lisbon").count;
    assert.equal(await page.locator('[data-testid="network-people"][data-city="lisbon"]').textContent(), `Lisbon: ${lisbon} Person${lisbon === 1 ? "" : "en"}`);
    assert.equal(await page.locator('[data-testid="network-people"][data-city="durban"]').textContent(), "Durban: 0 Personen");
    assert.match(await page.locator('[data-testid="network-news-first"]').textContent(), /^Dies ist Ihr erster Besuch/);
    assert.equal(await page.locator('[data-testid="network-ics"]').textContent(), "Sitzungen für Ihren Kalender herunterladen (.ics)");

    await screenshot(page, "network-home-phone-de");

    // One column: the map as wide as the sections, not squeezed; nothing wider than the screen.
    const boxes = await page.evaluate(() => {
      const box = (selector) => document.querySelector(selector).getBoundingClientRect().toJSON();
      return { map: box('[data-testid="network-map"]'), rooms: box('[data-testid="network-rooms-section"]'), cities: box('[data-testid="network-cities-section"]'), width: document.documentElement.scrollWidth };
    });
    assert.ok(boxes.width <= 390, `the page is ${boxes.width} px wide`);
    assert.equal(Math.round(boxes.rooms.x), Math.round(boxes.cities.x), "the sections are one column");
    assert.ok(boxes.rooms.y > boxes.cities.y + boxes.cities.height - 1, "the rooms come below the cities");
    assert.ok(boxes.map.width >= 340 && boxes.map.height >= 250, `the map is ${boxes.map.width}×${boxes.map.height}`);
    const outside = await page.evaluate(() =>
      [...document.querySelectorAll("#network-home a[href], #network-home button, #network-home input, #network-home select, header select")]
        .map((n) => [n.textContent.trim().slice(0, 30), n.getBoundingClientRect()])
        .filter(([, b]) => b.width > 0 && (b.left < -0.5 || b.right > window.innerWidth + 0.5))
        .map(([name]) => name));
    assert.deepEqual(outside, [], "every control is within the screen's width");
    // "Enter" ("Betreten") is big enough for a finger, and nothing covers it.
    const enter = room(page, "workshop").locator('[data-testid="network-enter"]');
    await enter.scrollIntoViewIfNeeded();
    const tappable = await enter.evaluate((node) => {
      const b = node.getBoundingClientRect();
      return { height: b.height, top: document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2) === node };
    });
    assert.ok(tappable.height >= 40 && tappable.top, JSON.stringify(tappable));
    assert.deepEqual(await accessibilityViolations(page), [], "the phone's German home");

    // Another language from the switcher: the home again, in it (the invitation is kept for the tab).
    await page.selectOption('[data-testid="language"]', "pt");
    await page.locator('[data-testid="network-rooms-section"] h2', { hasText: "Salas" }).waitFor();
    await shown(page);
    assert.equal(await page.locator("h1").textContent(), "maptable Safe public spaces");
    assert.deepEqual(await accessibilityViolations(page), [], "the home in Portuguese");

    // The facilitator enters the workshop and is its facilitator.
    const entrar = room(page, "workshop").locator('[data-testid="network-enter"]');
    assert.equal(await entrar.textContent(), "Entrar Workshop: streets at night");
    await entrar.scrollIntoViewIfNeeded();
    await entrar.tap();
    await page.locator('[data-testid="room-title"]', { hasText: "Workshop: streets at night" }).waitFor();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    assert.equal(await page.locator('[data-testid="me"]').textContent(), "Fay (facilitação)");
    assert.ok(await page.locator('[data-testid="network-home-link"]').isVisible(), "the way back shows on a phone (as an icon)");
    assert.equal(await page.locator('[data-testid="network-home-link"]').getAttribute("href"), `#net=${net}&token=${fay.token}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a network invitation pasted into the join form opens the network home", async () => {
  await network();
  const { context, page, problems } = await open(server.base + "/");
  try {
    await page.locator('[data-testid="join"]').waitFor();
    await page.locator("#join-link").fill(ana.invite_url);
    await page.locator('#join-form button[type="submit"]').click();
    await shown(page);
    assert.equal(await page.locator("h1").textContent(), "maptable Safe public spaces");
    assert.equal(await page.locator('[data-testid="join-error"]').textContent(), "");
    assert.equal(await page.locator("#join").isHidden(), true);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("two rooms chosen on the home open side by side, each with the role the network gives there", async () => {
  await network();
  const { context, page, problems } = await open(ana.invite_url);
  try {
    await shown(page);
    const form = page.locator('[data-testid="network-compare"]');
    // The same room twice is refused in words, and nothing is opened.
    await form.locator('[data-testid="network-compare-left"]').selectOption("lab-lisbon");
    await form.locator('[data-testid="network-compare-right"]').selectOption("lab-lisbon");
    await form.locator('button[type="submit"]').click();
    assert.equal(await form.locator('[data-testid="network-compare-error"]').textContent(), "Choose two different rooms.");
    assert.equal(await page.locator('[data-testid="compare"]').isHidden(), true);
    await form.locator('[data-testid="network-compare-right"]').selectOption("lab-leipzig");
    await form.locator('button[type="submit"]').press("Enter");
    const side = (which) => page.locator(`[data-testid="compare-side"][data-side="${which}"]`);
    await side("left").locator('[data-testid="compare-role"]', { hasText: "Your role in this room: participant." }).waitFor();
    await side("right").locator('[data-testid="compare-role"]', { hasText: "Your role in this room: observer." }).waitFor();
    assert.equal(await side("left").getAttribute("data-room"), "lab-lisbon");
    assert.equal(await side("right").getAttribute("data-room"), "lab-leipzig");
    assert.equal(await page.locator('[data-testid="network-home"]').isHidden(), true);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// What the route answers the facilitator's invitation for a period, as the
// test fetches it itself: the file the page saves must be this answer.
async function harvestFromRoute(query) {
  const res = await fetch(`${server.base}/v1/networks/${net}/harvest?${new URLSearchParams(query)}`, { headers: { Authorization: `Bearer ${fay.token}` } });
  assert.equal(res.status, 200);
  return res.text();
}

// The harvest files carry the moment they were made; the rest must match.
const withoutMadeAt = (text) => text.replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?Z?( UTC)?/g, "<time>");

test("a network facilitator downloads the harvest for a period in each format, errors read in words; a member sees no such control", async () => {
  await network();
  const today = new Date().toISOString().slice(0, 10);
  const { context, page, problems } = await open(fay.invite_url, { acceptDownloads: true });
  try {
    await shown(page);
    const form = page.locator('[data-testid="network-harvest-section"] [data-testid="network-harvest"]');
    assert.equal(await page.locator('[data-testid="network-harvest-section"] h2').textContent(), "The harvest");
    // By default: from the network's start to today (UTC days, as the route counts them).
    assert.equal(await form.locator('[data-testid="harvest-from"]').inputValue(), "2026-03-01" <= today ? "2026-03-01" : "");
    assert.equal(await form.locator('[data-testid="harvest-to"]').inputValue(), today);
    assert.deepEqual(
      await form.locator('[data-testid="harvest-format"] option').evaluateAll((options) => options.map((o) => [o.value, o.textContent])),
      [["html", "Web page (HTML)"], ["md", "Text (Markdown)"], ["geojson", "Map data (GeoJSON bundle)"]],
    );
    const download = async () => {
      const [file] = await Promise.all([page.waitForEvent("download"), form.locator('[data-testid="harvest-download"]').click()]);
      return { name: file.suggestedFilename(), text: readFileSync(await file.path(), "utf8") };
    };
    const from = "2026-03-01";
    await form.locator('[data-testid="harvest-from"]').fill(from);

    // The report as a web page, named by the server, with every city in it.
    const html = await download();
    assert.equal(html.name, `harvest-${net}-from-${from}-to-${today}.html`);
    assert.match(html.text, /<h1>Harvest of Safe public spaces<\/h1>/);
    for (const city of ["Lisbon (PT)", "Durban (ZA)", "Leipzig (DE)"]) assert.ok(html.text.includes(city), city);
    assert.equal(withoutMadeAt(html.text), withoutMadeAt(await harvestFromRoute({ from, to: today, format: "html" })));
    await form.locator('[data-testid="harvest-note"]', { hasText: `Downloaded ${html.name}.` }).waitFor();

    // As Markdown.
    await form.locator('[data-testid="harvest-format"]').selectOption("md");
    const md = await download();
    assert.equal(md.name, `harvest-${net}-from-${from}-to-${today}.md`);
    assert.match(md.text, /^# Harvest of Safe public spaces\n/);
    for (const city of ["Lisbon (PT)", "Durban (ZA)", "Leipzig (DE)"]) assert.match(md.text, new RegExp(`^## ${city.replace(/[()]/g, "\\$&")}$`, "m"));
    assert.equal(withoutMadeAt(md.text), withoutMadeAt(await harvestFromRoute({ from, to: today, format: "md" })));

    // As the GeoJSON bundle: Rui's kiosk in Lisbon's features, the period as chosen.
    await form.locator('[data-testid="harvest-format"]').selectOption("geojson");
    const bundle = await download();
    assert.equal(bundle.name, `harvest-${net}-from-${from}-to-${today}.json`);
    const harvest = JSON.parse(bundle.text);
    assert.equal(harvest.type, "maptable.harvest");
    assert.deepEqual([harvest.network.id, harvest.from, harvest.to], [net, from, today]);
    // Every city, and the network's rooms of no city (the workshop) apart.
    assert.deepEqual(harvest.cities.filter((c) => c.city_id).map((c) => c.name).sort(), ["Durban", "Leipzig", "Lisbon"]);
    assert.ok(harvest.cities.some((c) => c.city_id === null && c.rooms.some((r) => r.room_id === "workshop")), JSON.stringify(harvest.cities.map((c) => c.rooms)));
    const lisbon = harvest.cities.find((c) => c.city_id === "lisbon");
    assert.equal(lisbon.features.type, "FeatureCollection");
    assert.ok(lisbon.features.features.some((f) => f.properties.title === "Kiosk"), JSON.stringify(lisbon.features));

    // A period that ends before it starts: the server's refusal, in words.
    await form.locator('[data-testid="harvest-from"]').fill(today);
    await form.locator('[data-testid="harvest-to"]').fill("2026-02-01");
    await form.locator('[data-testid="harvest-download"]').click();
    const note = form.locator('[data-testid="harvest-note"].error');
    await note.waitFor();
    assert.equal(await note.textContent(), "These dates do not make a period: the start must be on or before the end.");
    assert.equal(await form.locator('[data-testid="harvest-download"]').isEnabled(), true);
    assert.deepEqual(await accessibilityViolations(page), [], "the home with the harvest");
    await screenshot(page, "network-home-harvest");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }

  // A member of a city: no harvest on the home (and the route refuses the invitation anyway).
  const member = await open(ana.invite_url);
  try {
    await shown(member.page);
    await member.page.locator('[data-testid="network-rooms-section"]').waitFor();
    assert.equal(await member.page.locator('[data-testid="network-harvest-section"]').count(), 0);
    assert.equal(await member.page.locator('[data-testid="harvest-download"]').count(), 0);
    const res = await fetch(`${server.base}/v1/networks/${net}/harvest`, { headers: { Authorization: `Bearer ${ana.token}` } });
    assert.equal(res.status, 403);
    assert.deepEqual(member.problems, []);
  } finally {
    await member.context.close();
  }
});
