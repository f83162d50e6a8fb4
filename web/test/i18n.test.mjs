// The shipped languages, checked on the catalogues as the app bundles them:
// each has every message of the English one with the same {placeholders},
// plural messages have the form "other" (and "one" where the language has
// it), every ErrorCode of the generated protocol has a plain-language
// message in every language, and the style sheet uses logical properties
// only, so a right-to-left language mirrors the layout.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const sdkEntry = join(web, "..", "client-sdk", "js", "dist", "src", "index.js");

// The catalogues and the SDK's ErrorCode, bundled as the app bundles them.
async function load() {
  const built = await esbuild.build({
    stdin: {
      contents: 'export { catalogues, languages } from "./src/i18n/catalogues.ts"; export { ErrorCode } from "@maptable/client";',
      resolveDir: web,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    alias: { "@maptable/client": sdkEntry },
    logLevel: "silent",
  });
  const code = built.outputFiles[0].text;
  return import("data:text/javascript;base64," + Buffer.from(code).toString("base64"));
}

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const forms = (message) => (typeof message === "string" ? [message] : Object.values(message));

test("every shipped language has every message, with the same placeholders", async () => {
  const { catalogues, languages } = await load();
  assert.deepEqual(languages.map((l) => l.code).sort(), ["de", "en", "es", "fr", "pt"]);
  const english = catalogues.en.messages;
  const keys = Object.keys(english).sort();
  assert.ok(keys.length > 150, `the English catalogue has ${keys.length} messages`);
  for (const { code } of languages) {
    const messages = catalogues[code].messages;
    assert.deepEqual(Object.keys(messages).sort(), keys, `${code}: the same keys as English`);
    const categories = new Intl.PluralRules(code).resolvedOptions().pluralCategories;
    for (const key of keys) {
      const message = messages[key];
      const wanted = new Set(forms(english[key]).flatMap(placeholders));
      if (typeof english[key] !== "string") {
        assert.equal(typeof message, "object", `${code} ${key} is a plural`);
        assert.ok(message.other, `${code} ${key} has the form "other"`);
        if (categories.includes("one")) assert.ok(message.one, `${code} ${key} has the form "one"`);
      }
      for (const form of forms(message)) {
        assert.ok(form.trim().length > 0, `${code} ${key} is not empty`);
        for (const name of placeholders(form)) assert.ok(wanted.has(name), `${code} ${key}: {${name}} is not a parameter of the message`);
      }
      // Every parameter shows in some form (a plural's "one" may spell the number out).
      const used = new Set(forms(message).flatMap(placeholders));
      for (const name of wanted) if (name !== "count") assert.ok(used.has(name), `${code} ${key} uses {${name}}`);
    }
  }
});

test("every ErrorCode of the protocol has a plain-language message in every language", async () => {
  const { catalogues, languages, ErrorCode } = await load();
  const names = Object.keys(ErrorCode).filter((k) => Number.isNaN(Number(k)));
  assert.ok(names.length > 60, `the protocol has ${names.length} error codes`);
  for (const { code } of languages) {
    const errors = catalogues[code].errors;
    assert.deepEqual(Object.keys(errors).sort(), [...names].sort(), `${code}: one message per ErrorCode`);
    for (const name of names) {
      const text = errors[name];
      assert.ok(text.length > 10 && /[.!]$/.test(text), `${code} ${name} is a sentence: ${text}`);
      assert.doesNotMatch(text, /JWT|token|utf-?8|seq\b|protobuf/i, `${code} ${name} speaks plainly: ${text}`);
    }
  }
});

test("the style sheet uses logical properties, so right-to-left mirrors the layout", () => {
  const css = readFileSync(join(web, "src", "styles.css"), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const physical = css.match(/(?:margin|padding|border)-(?:left|right)\b|(?<![-\w])(?:left|right)\s*:(?!\s*50%)|text-align\s*:\s*(?:left|right)|float\s*:\s*(?:left|right)/g);
  assert.equal(physical, null, `physical left/right in styles.css: ${physical}`);
});
