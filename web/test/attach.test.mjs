// Attachments on what is already on the map, in a real browser against a
// real server: a participant on a phone attaches a JPEG to a feature of
// theirs from its popup and sends a comment with a PDF; the facilitator, in
// another browser, sees the photo's thumbnail and the PDF as a link with
// its name, which downloads the very bytes. A file of another type is
// refused by the server, and the popup says so in words. axe on both.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { accessibilityViolations, feature, popupsShown, roomWithAnaAndBen, screenshot, scripted, server, useServerAndBrowser } from "./browser.mjs";

useServerAndBrowser();

const limit = { timeout: 120_000 };

// A small JPEG drawn by the page's own canvas encoder.
async function jpegFrom(page) {
  const bytes = await page.evaluate(async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 80;
    canvas.height = 60;
    const g = canvas.getContext("2d");
    g.fillStyle = "#6a4c93";
    g.fillRect(0, 0, 80, 60);
    g.fillStyle = "#ffca3a";
    g.fillRect(10, 10, 30, 20);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
    return [...new Uint8Array(await blob.arrayBuffer())];
  });
  return Buffer.from(bytes);
}

// The smallest file the server takes as a PDF: "%PDF-" first, "%%EOF" at the end.
const pdf = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", "latin1");
// A GIF: a picture, but not one of the types the server keeps.
const gif = Buffer.from("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64");

test("a JPEG attached to an existing feature and a PDF sent with a comment show for another participant; another type is refused in words", limit, async () => {
  const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
  const { ana, ben } = await roomWithAnaAndBen("visit", "Study visit", phone);
  // Ben's own feature, made from his other device (the same participant).
  const benElsewhere = await scripted("visit", "participant", "Ben", "ben");
  try {
    assert.ok((await benElsewhere.addFeature({ id: "bench", title: "Broken bench", geometry: { kind: 1, positions: [{ lon: 18.42, lat: -33.92 }] } })).ok);
  } finally {
    benElsewhere.disconnect();
  }
  try {
    await feature(ben.page, "Broken bench").waitFor();
    await feature(ben.page, "Broken bench").tap();
    const popup = ben.page.locator('[data-testid="feature-popup"][data-feature-id="bench"]');
    await popup.waitFor();
    await popupsShown(ben.page);

    // A photo to the feature: uploaded, then named on it.
    const attach = popup.locator('[data-testid="attach-feature"]');
    // A paperclip in the feature's row of buttons, named in words for screen readers and as a tooltip.
    assert.equal(await attach.getAttribute("aria-label"), "Attach a photo or PDF");
    assert.equal(await attach.getAttribute("title"), "Attach a photo or PDF");
    assert.equal(await popup.locator('[data-testid="attach-comment"]').getAttribute("aria-label"), "Comment with a photo or PDF");
    await ben.page.setInputFiles('[data-testid="attach-feature-input"]', { name: "bench.jpg", mimeType: "image/jpeg", buffer: await jpegFrom(ben.page) });
    await popup.locator('[data-testid="attach-feature-note"]', { hasText: "'bench.jpg' is attached." }).waitFor();
    let state = await server.state("visit");
    const bench = state.features.find((f) => f.id === "bench");
    assert.equal(bench.attachment_ids.length, 1);
    const photo = state.attachments.find((a) => a.id === bench.attachment_ids[0]);
    assert.equal(photo.content_type, "image/jpeg");
    assert.equal(photo.uploader_id, "ben");

    // A PDF with a comment, no text typed: the comment's text is the file's name.
    await ben.page.setInputFiles('[data-testid="attach-comment-input"]', { name: "handout.pdf", mimeType: "application/pdf", buffer: pdf });
    await popup.locator('[data-testid="attach-comment-note"]', { hasText: "'handout.pdf' is attached." }).waitFor();
    state = await server.state("visit");
    const [thread] = state.threads.filter((t) => t.feature_id === "bench");
    assert.equal(thread.comments.length, 1);
    assert.equal(thread.comments[0].text, "handout.pdf");
    assert.equal(thread.comments[0].attachment_ids.length, 1);
    const handout = state.attachments.find((a) => a.id === thread.comments[0].attachment_ids[0]);
    assert.equal(handout.content_type, "application/pdf");

    // Another type: refused by the server (by its content), said in words; nothing stored or named.
    await ben.page.setInputFiles('[data-testid="attach-feature-input"]', { name: "sketch.gif", mimeType: "image/gif", buffer: gif });
    const refused = popup.locator('[data-testid="attach-feature-note"].error');
    await refused.waitFor();
    assert.equal(await refused.textContent(), "'sketch.gif' is not a photo (JPEG, PNG or WebP) or a PDF, so it cannot be attached.");
    state = await server.state("visit");
    assert.equal(state.attachments.length, 2);
    assert.equal(state.features.find((f) => f.id === "bench").attachment_ids.length, 1);

    // On the phone, the popup's new controls are within the screen.
    const widths = await popup.evaluate((node) =>
      [...node.querySelectorAll('[data-testid="attach-feature"], [data-testid="attach-comment"], [data-testid="attachment-pdf"]')].map((n) => {
        const b = n.getBoundingClientRect();
        return b.left >= 0 && b.right <= window.innerWidth && b.height >= 36;
      }));
    assert.deepEqual(widths, [true, true, true]);
    assert.deepEqual(await accessibilityViolations(ben.page), [], "Ben's popup with the attachments");
    await screenshot(ben.page, "attach-phone-popup");

    // Ana, another participant: the photo's thumbnail on the feature, the PDF by its name in the comment.
    await feature(ana.page, "Broken bench").click();
    const hers = ana.page.locator('[data-testid="feature-popup"][data-feature-id="bench"]');
    await hers.waitFor();
    await hers.locator('[data-testid="comment"] [data-testid="attachment-pdf"]').waitFor();
    await ana.page.waitForFunction(() => {
      const img = document.querySelector('[data-testid="feature-popup"] [data-testid="attachment-thumbnail"]');
      return img?.complete && img.naturalWidth > 0;
    });
    assert.equal(await hers.locator('[data-testid="attachment"]').getAttribute("data-attachment-id"), photo.id);
    const link = hers.locator('[data-testid="comment"] [data-testid="attachment-pdf"]');
    assert.equal(await link.textContent(), "📄 handout.pdf");
    assert.equal(await link.getAttribute("data-attachment-id"), handout.id);
    const [download] = await Promise.all([ana.page.waitForEvent("download"), link.click()]);
    assert.equal(download.suggestedFilename(), "handout.pdf");
    assert.deepEqual(readFileSync(await download.path()), pdf);
    assert.deepEqual(await accessibilityViolations(ana.page), [], "Ana's popup with Ben's attachments");
    await screenshot(ana.page, "attach-seen-by-another");
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});

test("a file attached while the server is down waits, then is stored once and attached once", limit, async () => {
  const { ana, ben } = await roomWithAnaAndBen("visit-offline", "Study visit offline");
  const benElsewhere = await scripted("visit-offline", "participant", "Ben", "ben");
  try {
    assert.ok((await benElsewhere.addFeature({ id: "gate", title: "Locked gate", geometry: { kind: 1, positions: [{ lon: 18.42, lat: -33.92 }] } })).ok);
  } finally {
    benElsewhere.disconnect();
  }
  try {
    await feature(ben.page, "Locked gate").click();
    const popup = ben.page.locator('[data-testid="feature-popup"][data-feature-id="gate"]');
    await popup.waitFor();
    const jpeg = await jpegFrom(ben.page);
    await server.down();
    await ben.page.locator('[data-testid="connection"][data-state="reconnecting"]').waitFor();
    await ben.page.setInputFiles('[data-testid="attach-feature-input"]', { name: "gate.jpg", mimeType: "image/jpeg", buffer: jpeg });
    await popup.locator('[data-testid="attach-feature-note"]', { hasText: "'gate.jpg' is waiting for the connection; it is sent as soon as the server answers." }).waitFor();
    assert.equal(await popup.locator('[data-testid="attach-feature"]').isDisabled(), true, "one file at a time");

    await server.up();
    await popup.locator('[data-testid="attach-feature-note"]', { hasText: "'gate.jpg' is attached." }).waitFor({ timeout: 60_000 });
    const state = await server.state("visit-offline");
    assert.equal(state.attachments.length, 1);
    assert.deepEqual(state.features.find((f) => f.id === "gate").attachment_ids, [state.attachments[0].id]);
    assert.deepEqual([...ana.problems, ...ben.problems], []);
  } finally {
    await ana.context.close();
    await ben.context.close();
  }
});
