// Debian's Chromium driven by playwright-core (never a downloaded browser),
// and what the browser tests share: one server and one browser per test
// file, pages that joined through an invitation link, participants driven
// by a script through the SDK, the map, the toolbar, and a screenshot per
// test as an artifact.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join as joinPath } from "node:path";
import { after, before } from "node:test";

import { chromium } from "playwright-core";

import { Server } from "./server.mjs";

export const chromiumPath = process.env.MAPTABLE_CHROMIUM ?? "/usr/bin/chromium";
export const artifacts = process.env.MAPTABLE_WEB_ARTIFACTS ?? joinPath(process.cwd(), "web-artifacts");

export function launch() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

// A new browser context (its own storage, as a second window of another
// person would have) that opens the invitation link and waits until joined.
// Options go to the context (locale, viewport, hasTouch...).
// People join asking for less motion (unless options say otherwise): a
// test's click is two events a few milliseconds apart, and a popup still
// sliding into view moves its button out from under the second, so the
// click lands on the map, which closes the popup. (A person takes longer
// than the slide; details.test checks both kinds of motion.)
export async function join(browser, inviteUrl, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: "en-US",
    reducedMotion: "reduce",
    ...options,
  });
  const page = await context.newPage();
  const problems = [];
  // Said at once as well: a test that then times out waiting for the page
  // shows in its log the error that stopped the page.
  page.on("pageerror", (error) => {
    problems.push(`page error: ${error.message}`);
    process.stderr.write(`page error (${inviteUrl}): ${error.stack ?? error.message}\n`);
  });
  // Every Content-Security-Policy violation is a bug: the app must run under it.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(inviteUrl);
  await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
  return { context, page, problems };
}

// The test file's server and browser. useServerAndBrowser() starts a fresh
// maptable-server and one Chromium before the file's first test and stops
// both after its last; until then these bindings read undefined. Importers
// see the live values (ES module bindings), and node --test runs each file
// in its own process, so no two files share them.
export let server;
export let browser;
export function useServerAndBrowser() {
  before(async () => {
    server = await Server.start();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}

// join() with a fresh invitation of `name` (subject `id`) in `role`.
export async function joinAs(room, role, name, id, options = {}) {
  return join(browser, await server.invite(room, role, name, id), options);
}

// A new room with Ana (facilitator) and Ben (participant), each in their own
// browser context, Ana joined first; benOptions go to Ben's context.
export async function roomWithAnaAndBen(room, title, benOptions = {}) {
  await server.createRoom(room, title);
  const ana = await joinAs(room, "facilitator", "Ana", "ana");
  const ben = await joinAs(room, "participant", "Ben", "ben", benOptions);
  return { ana, ben };
}

// A participant driven by a script through the TypeScript SDK (its built
// dist), connected to the room when this resolves. The SDK is loaded on
// first use, so files that never script anyone do not need it built.
export async function scripted(room, role, name, id) {
  const sdkRequire = createRequire(new URL("../../client-sdk/js/package.json", import.meta.url));
  const { MaptableClient } = await import(new URL("../../client-sdk/js/dist/src/index.js", import.meta.url));
  const { WebSocket } = sdkRequire("ws");
  const link = new URL(await server.invite(room, role, name, id));
  const token = new URLSearchParams(link.hash.slice(1)).get("token");
  const client = new MaptableClient({ url: server.base.replace("http", "ws") + "/v1/ws", roomId: room, token, webSocket: (url) => new WebSocket(url) });
  await client.connect();
  return client;
}

export async function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations);
}

// Chooses a drawing tool with a title and clicks the map at (x, y) in the map's box.
export async function drawMarker(page, title, x, y) {
  await page.fill("#draw-title", title);
  await page.click('[data-tool="point"]');
  await page.locator("#map").click({ position: { x, y } });
}

export function feature(page, title) {
  return page.locator(`[data-testid="feature"][data-title="${title}"]`);
}

export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  const path = joinPath(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// axe-core's WCAG 2.1 A and AA rules on the page as it is now: the list of
// violations, each as "rule: target (summary)". axe is evaluated through the
// DevTools protocol, which the page's Content-Security-Policy does not apply to.
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
export async function accessibilityViolations(page) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"] }));
  return results.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")} (${n.failureSummary.replace(/\s+/g, " ").slice(0, 200)})`));
}

// Every visible control (button, input, select, link) outside the map's own
// panes that is not wholly in the viewport, or whose centre another element
// covers: a list of "what: why".
export async function offScreenOrCovered(page) {
  return page.evaluate(() => {
    const problems = [];
    const width = window.innerWidth;
    const height = window.innerHeight;
    for (const node of document.querySelectorAll("button, input, select, textarea, a[href]")) {
      if (node.closest(".leaflet-marker-pane, .leaflet-tooltip-pane")) continue;
      const box = node.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || getComputedStyle(node).visibility === "hidden") continue;
      const name = `${node.tagName.toLowerCase()}${node.id ? "#" + node.id : ""} "${(node.textContent || node.getAttribute("aria-label") || node.getAttribute("placeholder") || "").trim().slice(0, 30)}"`;
      if (box.left < -0.5 || box.top < -0.5 || box.right > width + 0.5 || box.bottom > height + 0.5) {
        problems.push(`${name}: off screen at ${Math.round(box.left)},${Math.round(box.top)}-${Math.round(box.right)},${Math.round(box.bottom)}`);
        continue;
      }
      const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      if (top && top !== node && !node.contains(top) && !top.contains(node) && top.closest("label") !== node.closest("label"))
        problems.push(`${name}: covered by ${top.tagName.toLowerCase()}.${[...top.classList].join(".")}`);
    }
    return problems;
  });
}

// A screenshot of one part of the page (smaller than the whole, for the guide).
export async function screenshotOf(locator, name) {
  mkdirSync(artifacts, { recursive: true });
  const path = joinPath(artifacts, `${name}.png`);
  await locator.screenshot({ path });
  return path;
}

// Until every open popup has faded in (Leaflet fades them over 0.2 s).
export async function popupsShown(page) {
  await page.waitForFunction(() => [...document.querySelectorAll(".leaflet-popup")].every((p) => getComputedStyle(p).opacity === "1"));
}
