// Generates the TypeScript protocol types from the same .proto files the C++
// build compiles (protocol/maptable/v1/), into src/gen/ (not committed: the
// .proto files are the one source of truth). Needs protoc (Debian's
// protobuf-compiler, which the C++ build needs too) and the npm package
// @bufbuild/protoc-gen-es from devDependencies.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const protoRoot = resolve(root, "../../protocol");
const protoDir = join(protoRoot, "maptable/v1");
const out = join(root, "src/gen");
const plugin = join(root, "node_modules/.bin/protoc-gen-es");
const protoc = process.env.PROTOC ?? "protoc";

const protos = readdirSync(protoDir)
  .filter((name) => name.endsWith(".proto"))
  .sort()
  .map((name) => join(protoDir, name));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
try {
  execFileSync(
    protoc,
    [
      `--plugin=protoc-gen-es=${plugin}`,
      `--es_out=${out}`,
      "--es_opt=target=ts,import_extension=js",
      `-I${protoRoot}`,
      ...protos,
    ],
    { stdio: "inherit" },
  );
} catch (error) {
  console.error(
    `generate: ${protoc} failed (${error.message}); install protoc (apt-get install protobuf-compiler) ` +
      "and run npm ci in client-sdk/js first",
  );
  process.exit(1);
}
console.log(`generate: ${protos.length} .proto files -> src/gen/maptable/v1/`);
