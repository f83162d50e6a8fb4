// Builds the app into dist/: the TypeScript SDK first when it is not built
// (client-sdk/js, `npm run build` there), a type check, then one esbuild
// bundle (JS and CSS, names with a content hash, so the server can let
// browsers keep them for ever), index.html pointing at them, the files of
// public/ (the favicon) as they are, the app's emoji font (the emoji the
// bundle and page use, cut out of Debian's colour emoji font), the service
// worker (sw.js) with the list of files it keeps for offline reloads; then
// every text file precompressed as
// NAME.br and NAME.gz beside it (where that is smaller), which the server
// sends to browsers that accept the coding.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";

import * as esbuild from "esbuild";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const sdk = join(web, "..", "client-sdk", "js");
const sdkEntry = join(sdk, "dist", "src", "index.js");
const dist = join(web, "dist");

if (!existsSync(sdkEntry)) {
  if (!existsSync(join(sdk, "node_modules")))
    throw new Error("the TypeScript SDK's packages are missing: run (cd client-sdk/js && npm ci) first");
  console.log("build: building the SDK (client-sdk/js)");
  execFileSync("npm", ["run", "build"], { cwd: sdk, stdio: "inherit" });
}

if (!process.argv.includes("--no-check")) {
  execFileSync(join(web, "node_modules", ".bin", "tsc"), ["-p", join(web, "tsconfig.json")], { stdio: "inherit" });
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "assets"), { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: join(web, "src", "main.ts") },
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  charset: "utf8", // as written (the server says utf-8), so that the emoji font can be cut to what the code shows
  sourcemap: "linked",
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  alias: { "@maptable/client": sdkEntry },
  loader: { ".png": "file", ".svg": "file" },
  metafile: true,
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((p) => "/" + relative(dist, p).split("\\").join("/"));
const script = outputs.find((p) => p.endsWith(".js"));
const style = outputs.find((p) => p.endsWith(".css"));
if (!script || !style) throw new Error("esbuild made no app bundle: " + outputs.join(", "));

// The emoji the app shows (its icons, the chat's reactions), from Debian's
// Noto Color Emoji cut down to them (scripts/emoji_subset.py): where the
// system has no colour emoji font they would be empty boxes. The app's font
// stack names "maptable emoji" last, so a system font that has a character
// still draws it, and the file is fetched only when one is missing there.
const pageSource = readFileSync(join(web, "src", "index.html"), "utf8");
const emojiSource = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";
if (!existsSync(emojiSource))
  throw new Error(`${emojiSource} is missing: install fonts-noto-color-emoji and python3-fonttools (deploy/setup.sh does)`);
const emojiPattern = /[\u{2100}-\u{2BFF}\u{1F000}-\u{1FAFF}]/gu;
const used = new Set([readFileSync(join(dist, script)).toString("utf8"), pageSource].join("").match(emojiPattern));
const emojiTemp = join(dist, "emoji.ttf");
const covered = execFileSync(
  "/usr/bin/python3",
  [
    join(web, "scripts", "emoji_subset.py"),
    emojiSource,
    emojiTemp,
    [...used].map((c) => c.codePointAt(0).toString(16)).join(","),
  ],
  { encoding: "utf8" },
).trim();
const emojiFont = `/assets/emoji-${createHash("sha256").update(readFileSync(emojiTemp)).digest("hex").slice(0, 8).toUpperCase()}.ttf`;
cpSync(emojiTemp, join(dist, emojiFont));
rmSync(emojiTemp);
const emojiFace = `@font-face{font-family:"maptable emoji";src:url(${emojiFont}) format("truetype");unicode-range:${covered
  .split(",")
  .map((c) => "U+" + c)
  .join(",")};font-display:swap}\n`;
const emojiStyle = `/assets/emoji-${createHash("sha256").update(emojiFace).digest("hex").slice(0, 8).toUpperCase()}.css`;
writeFileSync(join(dist, emojiStyle), emojiFace);
outputs.push(emojiFont, emojiStyle);

const page = pageSource.replace("%APP_JS%", script).replace("%APP_CSS%", style).replace("%EMOJI_CSS%", emojiStyle);
writeFileSync(join(dist, "index.html"), page);
cpSync(join(web, "public"), dist, { recursive: true });

// The service worker, with the files it keeps for a reload while offline;
// its cache is named after this build, so a new build replaces the copies.
const precache = ["/", "/config.json", "/favicon.svg", ...outputs.filter((p) => !p.endsWith(".map"))];
const version = createHash("sha256").update(precache.join("\n")).digest("hex").slice(0, 16);
writeFileSync(
  join(dist, "sw.js"),
  readFileSync(join(web, "src", "sw.js"), "utf8").replace("%VERSION%", version).replace('"%PRECACHE%"', JSON.stringify(precache)),
);

// Compressed once here at the highest levels, so the server spends no CPU on it.
const compressible = /\.(?:html|js|mjs|css|json|map|svg|txt|ico|ttf)$/;
let saved = 0;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !compressible.test(entry.name)) continue;
  const path = join(entry.parentPath ?? entry.path, entry.name);
  const data = readFileSync(path);
  const variants = {
    ".br": brotliCompressSync(data, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length } }),
    ".gz": gzipSync(data, { level: 9 }),
  };
  for (const [suffix, packed] of Object.entries(variants)) {
    if (packed.length >= data.length) continue;
    writeFileSync(path + suffix, packed);
    if (suffix === ".br") saved += data.length - packed.length;
  }
}
console.log(`build: precompressed (brotli saves ${Math.round(saved / 1024)} KB)`);
console.log(`build: ${relative(web, dist)}/ with ${outputs.filter((p) => !p.endsWith(".map")).join(", ")}`);
