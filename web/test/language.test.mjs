// The app in the reader's language: the browser's language by default, a
// switcher that is remembered, and the server's refusals in plain words.
import assert from "node:assert/strict";
import { test } from "node:test";

import { browser, drawMarker, roomWithAnaAndBen, screenshot, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

test("a German browser gets German; a refusal is explained plainly; the switch to Spanish is remembered", async () => {
  const { ana, ben } = await roomWithAnaAndBen("sprachen", "Sprachen", { locale: "de-DE" });
  try {
    const page = ben.page;
    assert.equal(await page.getAttribute("html", "lang"), "de");
    assert.equal(await page.textContent('[data-tool="point"]'), "Markierung");
    assert.equal(await page.textContent('[data-tab="people"] [data-i18n]'), "Personen");
    assert.equal(await page.textContent('[data-testid="connection"]'), "verbunden");
    assert.equal(await page.textContent('[data-testid="me"]'), "Ben (Teilnehmende)");
    assert.equal(await page.inputValue('[data-testid="language"]'), "de");

    // A refusal names what was refused and why, in German, without codes.
    await ana.page.click('[data-tab="facilitate"]');
    await ana.page.check('[data-testid="lock-map"]');
    await page.locator('[data-testid="lock-badge"]').waitFor();
    assert.equal(await page.textContent('[data-testid="lock-badge"]'), "Karte gesperrt");
    await drawMarker(page, "Gesperrt", 400, 300);
    const refusal = page.locator('.notice.error[data-code="LOCKED"]');
    await refusal.waitFor();
    assert.equal(await refusal.locator("span").textContent(), "Nicht möglich – Markierung „Gesperrt“ hinzufügen: Die Moderation hat das gerade gesperrt.");
    await screenshot(page, "language-de-refusal");

    // Switched to Spanish: the page rejoins in Spanish, and stays so on reload.
    await page.selectOption('[data-testid="language"]', "es");
    await page.locator('html[lang="es"] [data-testid="connection"][data-state="connected"]').waitFor();
    assert.equal(await page.textContent('[data-tool="point"]'), "Marcador");
    await page.reload();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "es");
    assert.equal(await page.textContent('[data-testid="connection"]'), "conectado");
    assert.equal(await page.textContent('[data-tab="chat"]'), "Chat");
    assert.equal(await page.textContent('[data-testid="me"]'), "Ben (participante)");

    // Right-to-left (for a language such as Arabic): the layout mirrors, the sidebar moves to the left.
    await page.evaluate(() => { document.documentElement.dir = "rtl"; });
    const sidebar = await page.locator('[data-testid="sidebar"]').boundingBox();
    const map = await page.locator("#map").boundingBox();
    assert.ok(sidebar.x < 1 && map.x >= sidebar.width - 1, `sidebar at ${sidebar.x}, map at ${map.x}`);
    await screenshot(page, "language-rtl-layout");
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("a bad invitation link is explained in the reader's language, not in the server's technical words", async () => {
  const context = await browser.newContext({ locale: "pt-BR" });
  try {
    const page = await context.newPage();
    await page.goto(`${server.base}/#room=sprachen&token=not.a.jwt`);
    const error = page.locator('[data-testid="join-error"]');
    await error.filter({ hasText: /\S/ }).waitFor();
    assert.equal(await error.textContent(),
      "Não foi possível entrar na sala: Este link de convite não é válido. Confira se você o copiou inteiro ou peça um novo à facilitação.");
    assert.equal(await page.textContent('[data-testid="join"] h2'), "Participar de uma oficina de mapas");
    await screenshot(page, "language-pt-bad-link");
  } finally {
    await context.close();
  }
});
