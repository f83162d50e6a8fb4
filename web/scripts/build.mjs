// Builds the app into dist/: the TypeScript SDK first when it is not built
// (client-sdk/js, `npm run build` there), a type check, then one esbuild
// bundle (JS and CSS, names with a content hash, so the server can let
// browsers keep them for ever) and index.html pointing at them.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

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

const page = readFileSync(join(web, "src", "index.html"), "utf8")
  .replace("%APP_JS%", script)
  .replace("%APP_CSS%", style);
writeFileSync(join(dist, "index.html"), page);
console.log(`build: ${relative(web, dist)}/ with ${outputs.filter((p) => !p.endsWith(".map")).join(", ")}`);
