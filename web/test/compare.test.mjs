// Two rooms side by side, in real Chromium against the real server: a
// learning network of two cities (Cape Town and Leipzig), each with its
// living lab, where a city's members are observers in the other city's lab.
// A Cape Town member opens the comparison with their one network invitation:
// each side shows its room's features and reference layer, the role the
// server gave there, and its connection; linked views follow each other,
// unlinked they do not; a note added on the participant side reaches another
// client of that room, the observer side's control is disabled with the
// reason (and the server's own refusal shows in plain words); a live change
// shows without reload; swap; the two-token form with plain room
// invitations, reload and "Open this room"; one side refused, the other
// working; German; a phone; keyboard; axe.
import assert from "node:assert/strict";
import { after, test } from "node:test";

import { accessibilityViolations, browser, cspViolations, screenshot, scripted, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();
after(async () => {
  const made = await setUp?.catch(() => undefined);
  made?.ct.disconnect();
  made?.le.disconnect();
});

const capeTown = { lon: 18.42, lat: -33.92 };
const leipzig = { lon: 12.37, lat: 51.34 };

// The network, once per file (the tests share the server): two cities, a
// living lab each, members_elsewhere off (a member is an observer in the
// other city's lab); the features and a reference layer by SDK clients and
// the layers route; and a room of no network.
let setUp;
function network() {
  setUp ??= (async () => {
    await server.admin("POST", "/v1/admin/networks", { id: "spaces", title: "Safe public spaces" });
    await server.admin("POST", "/v1/admin/networks/spaces/cities", {
      id: "capetown",
      name: "Cape Town",
      country: "ZA",
      position: capeTown,
    });
    await server.admin("POST", "/v1/admin/networks/spaces/cities", {
      id: "leipzig",
      name: "Leipzig",
      country: "DE",
      position: leipzig,
    });
    for (const [room, title, city, center] of [
      ["ct-lab", "Cape Town living lab", "capetown", capeTown],
      ["le-lab", "Leipzig living lab", "leipzig", leipzig],
    ])
      await server.admin("POST", "/v1/admin/networks/spaces/rooms", { room_id: room, title, kind: "living_lab", city_id: city, center, zoom: 14 });
    await server.createRoom("elsewhere", "A room of no network");

    const ct = await scripted("ct-lab", "facilitator", "Cape Town facilitator", "ct-host");
    const le = await scripted("le-lab", "facilitator", "Leipzig facilitator", "le-host");
    await added(ct.addFeature({ id: "f-steps", title: "Harbour steps", category: "safety", geometry: { kind: 1, positions: [{ lon: 18.425, lat: -33.918 }] } }));
    await added(ct.addFeature({ id: "f-rank", title: "Taxi rank", geometry: { kind: 1, positions: [{ lon: 18.41, lat: -33.925 }] } }));
    await added(le.addFeature({ id: "f-market", title: "Market square", geometry: { kind: 1, positions: [{ lon: 12.375, lat: 51.341 }] } }));
    // Leipzig's own data: a park as a reference layer, uploaded with a room invitation.
    const token = tokenOf(await server.invite("le-lab", "facilitator", "Leipzig facilitator", "le-host"));
    const park = {
      type: "FeatureCollection",
      name: "Leipzig parks",
      features: [{ type: "Feature", properties: { name: "Clara-Zetkin-Park" }, geometry: { type: "Point", coordinates: [12.36, 51.335] } }],
    };
    const res = await fetch(`${server.base}/v1/rooms/le-lab/layers?filename=parks.geojson`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Idempotency-Key": "parks-1" },
      body: JSON.stringify(park),
    });
    assert.equal(res.status, 201, await res.text());
    // One invitation for every room of the network, for a Cape Town member.
    const invitation = await server.admin("POST", "/v1/admin/networks/spaces/invitations", {
      name: "Thandi",
      role: "participant",
      city_id: "capetown",
      subject: "thandi",
    });
    return { ct, le, token: invitation.token };
  })();
  return setUp;
}

async function added(result) {
  const r = await result;
  assert.ok(r.ok, `the server took the feature: ${JSON.stringify(r, (k, v) => (typeof v === "bigint" ? String(v) : v))}`);
}

function tokenOf(inviteUrl) {
  return new URLSearchParams(new URL(inviteUrl).hash.slice(1)).get("token");
}

// Until the client's replica has a feature titled `title`.
function featureArrives(client, title) {
  const has = () => [...client.replica.state.features.values()].find((f) => f.title === title);
  return new Promise((resolve) => {
    if (has()) return resolve(has());
    const stop = client.onEvent(() => {
      const found = has();
      if (found) {
        stop();
        resolve(found);
      }
    });
  });
}

// A browser context at the comparison's link, once both sides are connected.
async function openComparison(hash, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US", ...options });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  // Every Content-Security-Policy violation is a bug: the page must run under it.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${server.base}/#${hash}`);
  if (options.connected !== false) await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
  return { context, page, problems };
}

const side = (page, which) => page.locator(`[data-testid="compare-side"][data-side="${which}"]`);
const featureOn = (page, which, title) => side(page, which).locator(`[data-testid="feature"][data-title="${title}"]`);
const centreOf = (page, which) => side(page, which).locator('[data-testid="compare-map"]').getAttribute("data-center");

// Drags a side's map by (dx, dy) pixels with the mouse.
async function drag(page, which, dx, dy) {
  const box = await side(page, which).locator('[data-testid="compare-map"]').boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y + dy / 2, { steps: 4 });
  await page.mouse.move(x + dx, y + dy, { steps: 4 });
  await page.mouse.up();
}

// Presses Tab until the element with this test id has the focus: it is
// reachable from the keyboard, in the page's order.
async function tabTo(page, selector, most = 40) {
  for (let i = 0; i < most; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  assert.fail(`${selector} is not reachable with Tab`);
}

test("a network invitation: both labs side by side, each with its role; linked and unlinked views; a note; a live change; swap", async () => {
  const { ct, le, token } = await network();
  const { context, page, problems } = await openComparison(`compare=ct-lab,le-lab&token=${token}`);
  try {
    // The link leaves the address bar at once.
    assert.doesNotMatch(page.url(), /token|compare/);
    assert.equal(await page.locator("h1").count(), 1);
    assert.ok(await page.locator("#app").isHidden());
    assert.ok(await page.locator("#join").isHidden());

    // Each room's features on its own side only, and Leipzig's reference layer.
    const left = side(page, "left");
    const right = side(page, "right");
    await featureOn(page, "left", "Harbour steps").waitFor();
    await featureOn(page, "left", "Taxi rank").waitFor();
    await featureOn(page, "right", "Market square").waitFor();
    assert.equal(await featureOn(page, "left", "Market square").count(), 0);
    assert.equal(await featureOn(page, "right", "Harbour steps").count(), 0);
    assert.equal(await featureOn(page, "left", "Harbour steps").getAttribute("data-category"), "safety");
    // The category's picture, as on the room map.
    assert.equal(await featureOn(page, "left", "Harbour steps").locator(".category-icon").count(), 1);
    await right.locator(".leaflet-referenceLayers-pane .reference-feature").first().waitFor();
    assert.equal(await left.locator(".leaflet-referenceLayers-pane .reference-feature").count(), 0);

    // The titles, and the role the server gave in each room.
    assert.equal(await left.locator('[data-testid="compare-title"]').textContent(), "Cape Town living lab");
    assert.equal(await right.locator('[data-testid="compare-title"]').textContent(), "Leipzig living lab");
    await left.locator('[data-testid="compare-role"]', { hasText: "Your role in this room: participant." }).waitFor();
    await right.locator('[data-testid="compare-role"]', { hasText: "Your role in this room: observer." }).waitFor();
    assert.equal(await left.getAttribute("data-role"), "participant");
    assert.equal(await right.getAttribute("data-role"), "observer");
    // Each side a region named by its room.
    assert.equal(await page.getByRole("region", { name: "Cape Town living lab", exact: true }).count(), 1);
    assert.equal(await page.getByRole("region", { name: "Leipzig living lab", exact: true }).count(), 1);
    assert.equal(await left.locator('[data-testid="compare-connection"]').textContent(), "connected");
    assert.equal(await right.locator('[data-testid="compare-connection"]').textContent(), "connected");

    // The observer side: disabled, with the reason in sight; the participant side open.
    assert.ok(await right.locator('[data-testid="compare-add-note"]').isDisabled());
    assert.ok(await right.locator('[data-testid="compare-note-text"]').isDisabled());
    const reason = right.locator('[data-testid="compare-note-reason"]');
    assert.ok(await reason.isVisible());
    assert.equal(await reason.textContent(), "You are an observer in this room");
    assert.ok(await left.locator('[data-testid="compare-add-note"]').isEnabled());
    assert.equal(await left.locator('[data-testid="compare-note-reason"]').textContent(), "");

    // "Open this room": the room page with this side's invitation.
    const open = await right.locator('[data-testid="compare-open-room"]').getAttribute("href");
    assert.equal(open, `/#room=le-lab&token=${token}`);

    // A live change in Leipzig shows on its side without reload.
    await added(le.addFeature({ id: "f-bikes", title: "Bike lane gap", geometry: { kind: 1, positions: [{ lon: 12.388, lat: 51.345 }] } }));
    await featureOn(page, "right", "Bike lane gap").waitFor();
    assert.equal(await featureOn(page, "left", "Bike lane gap").count(), 0);

    assert.deepEqual(await accessibilityViolations(page), [], "the comparison");
    await screenshot(page, "compare-linked");

    // Linked (the default): the left dragged, the right follows to the same centre and zoom.
    const linkSwitch = page.getByRole("switch", { name: "Link views" });
    assert.ok(await linkSwitch.isChecked());
    const leipzigCentre = await centreOf(page, "right");
    const before = await centreOf(page, "left");
    await drag(page, "left", -120, 60);
    await page.waitForFunction(
      (b) => document.querySelector('[data-side="left"] [data-testid="compare-map"]').dataset.center !== b,
      before,
    );
    const moved = await centreOf(page, "left");
    assert.equal(await centreOf(page, "right"), moved, "the right follows the left");
    assert.notEqual(moved, leipzigCentre);
    assert.equal(
      await right.locator('[data-testid="compare-map"]').getAttribute("data-zoom"),
      await left.locator('[data-testid="compare-map"]').getAttribute("data-zoom"),
    );
    // And the other way round, zooming from the keyboard on the right.
    await right.locator('[data-testid="compare-map"]').focus();
    await page.keyboard.press("+");
    await page.waitForFunction(() => document.querySelector('[data-side="right"] [data-testid="compare-map"]').dataset.zoom === "15");
    await page.waitForFunction(() => document.querySelector('[data-side="left"] [data-testid="compare-map"]').dataset.zoom === "15");
    assert.equal(await centreOf(page, "left"), await centreOf(page, "right"));

    // Unlinked from the keyboard: each map moves on its own.
    await linkSwitch.focus();
    await page.keyboard.press("Space");
    assert.equal(await linkSwitch.isChecked(), false);
    assert.equal(
      await page.locator('[data-testid="compare-link-state"]').textContent(),
      "Views not linked: each map moves on its own.",
    );
    const rightBefore = await centreOf(page, "right");
    const leftBefore = await centreOf(page, "left");
    await drag(page, "left", 150, -40);
    await page.waitForFunction(
      (b) => document.querySelector('[data-side="left"] [data-testid="compare-map"]').dataset.center !== b,
      leftBefore,
    );
    // The right's centre would have changed in the same event, had it followed.
    assert.equal(await centreOf(page, "right"), rightBefore, "unlinked, the right stays");
    await linkSwitch.check();

    // A note on the participant side, at its map's centre: another client of the room gets it.
    const arrives = featureArrives(ct, "Benches in the shade");
    await left.locator('[data-testid="compare-note-text"]').fill("Benches in the shade");
    await left.locator('[data-testid="compare-add-note"]').click();
    const note = await arrives;
    assert.equal(note.geometry.kind, 4, "a note");
    assert.equal(note.authorId, "thandi");
    const [lat, lon] = (await centreOf(page, "left")).split(",").map(Number);
    assert.ok(Math.abs(note.geometry.positions[0].lat - lat) < 1e-4 && Math.abs(note.geometry.positions[0].lon - lon) < 1e-4);
    await left.locator('[data-testid="compare-message"]', { hasText: "Note added: Benches in the shade" }).waitFor();

    // The server refuses an observer's note anyway; its refusal shows in plain words.
    await right.evaluate((node) => {
      for (const control of node.querySelectorAll("form input, form button")) control.disabled = false;
    });
    await right.locator('[data-testid="compare-note-text"]').fill("Not mine to add");
    await right.locator('[data-testid="compare-add-note"]').click();
    await right.locator('[data-testid="compare-message"]', { hasText: "The note was not added:" }).waitFor();
    assert.ok(await right.getAttribute("data-refused"));
    assert.doesNotMatch(await right.locator('[data-testid="compare-message"]').textContent(), /[A-Z]{3,}_[A-Z]+/, "no error code as words");
    await right.locator('[data-testid="compare-add-note"]:disabled').waitFor();

    // Swap: Leipzig first, Cape Town second, said to screen readers; the
    // controls follow their room.
    await page.locator('[data-testid="compare-swap"]').click();
    assert.equal(await side(page, "left").getAttribute("data-room"), "le-lab");
    assert.equal(await side(page, "right").getAttribute("data-room"), "ct-lab");
    assert.equal(
      await page.locator('[data-testid="compare-announce"]').textContent(),
      "Sides swapped: Leipzig living lab is now first, Cape Town living lab second.",
    );
    assert.ok(await side(page, "left").locator('[data-testid="compare-add-note"]').isDisabled());
    assert.ok(await side(page, "right").locator('[data-testid="compare-add-note"]').isEnabled());
    const boxes = await Promise.all(["left", "right"].map((w) => side(page, w).boundingBox()));
    assert.ok(boxes[0].x + boxes[0].width <= boxes[1].x + 1, "side by side, Leipzig first");
    assert.deepEqual(await cspViolations(page), []);
    assert.equal(problems.length, 0, problems.join("\n"));
  } finally {
    await context.close();
  }
});

test("German on a phone: the sides stacked, each map usable; keyboard; axe", async () => {
  const { token } = await network();
  const { context, page, problems } = await openComparison(`compare=ct-lab,le-lab&token=${token}`, {
    viewport: { width: 390, height: 844 },
    locale: "de-DE",
    hasTouch: true,
    isMobile: true,
  });
  try {
    assert.equal(await page.locator("html").getAttribute("lang"), "de");
    assert.equal(await page.locator('[data-testid="room-title"]').textContent(), "Zwei Räume nebeneinander");
    const linkSwitch = page.getByRole("switch", { name: "Ansichten koppeln" });
    assert.ok(await linkSwitch.isChecked());
    const right = side(page, "right");
    await right.locator('[data-testid="compare-note-reason"]', { hasText: "Sie beobachten diesen Raum nur" }).waitFor();
    assert.equal(await right.locator('[data-testid="compare-add-note"]').textContent(), "Notiz hier hinzufügen");
    assert.equal(await right.locator('[data-testid="compare-open-room"]').textContent(), "Diesen Raum öffnen");
    await side(page, "left").locator('[data-testid="compare-role"]', { hasText: "Ihre Rolle in diesem Raum: Teilnehmende." }).waitFor();

    // The room's features, on its own side.
    await featureOn(page, "left", "Taxi rank").waitFor();
    await featureOn(page, "right", "Market square").waitFor();

    // Stacked: one map above the other, each the screen's width and tall enough to use.
    const maps = await Promise.all(["left", "right"].map((w) => side(page, w).locator('[data-testid="compare-map"]').boundingBox()));
    assert.ok(maps[0].y + maps[0].height <= maps[1].y, "the second map under the first");
    for (const box of maps) {
      assert.ok(box.width >= 380 && box.width <= 390, `a map ${box.width} px wide`);
      assert.ok(box.height >= 300, `a map ${box.height} px high`);
    }
    // Both usable: each one's zoom button, tapped, zooms (the other follows, linked).
    for (const which of ["left", "right"]) {
      const map = side(page, which).locator('[data-testid="compare-map"]');
      const zoom = Number(await map.getAttribute("data-zoom"));
      await map.locator(".leaflet-control-zoom-in").scrollIntoViewIfNeeded();
      await map.locator(".leaflet-control-zoom-in").tap();
      await page.waitForFunction(
        ([w, z]) => Number(document.querySelector(`[data-side="${w}"] [data-testid="compare-map"]`).dataset.zoom) === z + 1,
        [which, zoom],
      );
    }

    // The keyboard reaches the switch, swap, the participant's note form and each room's link.
    await page.evaluate(() => document.activeElement?.blur());
    await page.evaluate(() => window.scrollTo(0, 0));
    await tabTo(page, '[data-testid="compare-link-views"]');
    await tabTo(page, '[data-testid="compare-swap"]');
    await tabTo(page, '[data-side="left"] [data-testid="compare-note-text"]');
    await tabTo(page, '[data-side="left"] [data-testid="compare-add-note"]');
    await tabTo(page, '[data-side="right"] [data-testid="compare-open-room"]');
    await page.keyboard.press("Shift+Tab");
    assert.deepEqual(await accessibilityViolations(page), [], "the comparison on a phone, in German");
    await screenshot(page, "compare-phone-de");
    assert.equal(problems.length, 0, problems.join("\n"));
  } finally {
    await context.close();
  }
});

test("two room invitations, one per side; a reload keeps the comparison; Open this room", async () => {
  await network();
  const left = tokenOf(await server.invite("ct-lab", "participant", "Visitor", "visitor"));
  const right = tokenOf(await server.invite("le-lab", "participant", "Visitor", "visitor"));
  const { context, page, problems } = await openComparison(`compare=ct-lab,le-lab&token=${left}&token2=${right}`);
  try {
    for (const which of ["left", "right"]) {
      assert.equal(await side(page, which).getAttribute("data-role"), "participant");
      assert.ok(await side(page, which).locator('[data-testid="compare-add-note"]').isEnabled());
    }
    await featureOn(page, "left", "Taxi rank").waitFor();
    await featureOn(page, "right", "Market square").waitFor();
    assert.equal(await side(page, "left").locator('[data-testid="compare-open-room"]').getAttribute("href"), `/#room=ct-lab&token=${left}`);

    // A note on the right side, with its own invitation.
    await side(page, "right").locator('[data-testid="compare-note-text"]').fill("Meeting point");
    await side(page, "right").locator('[data-testid="compare-add-note"]').click();
    await side(page, "right").locator('[data-testid="compare-message"]', { hasText: "Note added: Meeting point" }).waitFor();
    const state = await server.state("le-lab");
    const note = state.features.find((f) => f.title === "Meeting point");
    assert.ok(note, "the note is in Leipzig's lab");
    assert.equal(note.author_id, "visitor");

    // A reload (the address has no link any more) opens the same comparison.
    await page.reload();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    assert.equal(await side(page, "left").getAttribute("data-room"), "ct-lab");
    assert.equal(await side(page, "right").getAttribute("data-room"), "le-lab");
    await featureOn(page, "right", "Meeting point").waitFor();

    // "Open this room": the room page of that side, joined with its invitation.
    await side(page, "right").locator('[data-testid="compare-open-room"]').click();
    await page.locator("#app").waitFor();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    assert.equal(await page.locator('[data-testid="room-title"]').textContent(), "Leipzig living lab");
    assert.ok(await page.locator('[data-testid="compare"]').isHidden());
    // And a reload there stays on the room.
    await page.reload();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    assert.equal(await page.locator('[data-testid="room-title"]').textContent(), "Leipzig living lab");
    assert.equal(problems.length, 0, problems.join("\n"));
  } finally {
    await context.close();
  }
});

test("one side refused leaves the other working; an incomplete link says so", async () => {
  const { token } = await network();
  // A network invitation does not open a room of no network.
  const { context, page, problems } = await openComparison(`compare=ct-lab,elsewhere&token=${token}`, { connected: false });
  try {
    const right = side(page, "right");
    await right.locator('[data-testid="compare-message"]', { hasText: "This room could not be opened:" }).waitFor();
    assert.doesNotMatch(await right.locator('[data-testid="compare-message"]').textContent(), /TOKEN_|[A-Z]{3,}_[A-Z]+/);
    await right.locator('[data-testid="compare-connection"][data-state="closed"]').waitFor();
    assert.ok(await right.locator('[data-testid="compare-add-note"]').isDisabled());
    assert.equal(await right.locator('[data-testid="compare-note-reason"]').textContent(), "This room is not connected.");
    // The other side is whole: connected, its features, its note form.
    const left = side(page, "left");
    await left.locator('[data-testid="compare-connection"][data-state="connected"]').waitFor();
    await featureOn(page, "left", "Taxi rank").waitFor();
    assert.ok(await left.locator('[data-testid="compare-add-note"]').isEnabled());
    await page.locator('[data-testid="connection"][data-state="partial"]', { hasText: "1 of 2 rooms connected" }).waitFor();
    assert.deepEqual(await accessibilityViolations(page), [], "a refused side");

    // A link that names one room only.
    // (The page loads itself again when its address becomes another link.)
    await page.goto(`${server.base}/#compare=ct-lab&token=${token}`);
    const alert = page.getByRole("alert");
    await alert.filter({ hasText: "This comparison link is not complete" }).waitFor();
    assert.doesNotMatch(page.url(), /token/);
    assert.equal(problems.length, 0, problems.join("\n"));
  } finally {
    await context.close();
  }
});
