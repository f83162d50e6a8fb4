// Reads the golden sequence files of tests/golden/ (format in tests/golden/README.md).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface GoldenEvent {
  bytes: Uint8Array;
  hashAfter: string;
}

export interface GoldenSequence {
  name: string;
  roomId: string;
  events: GoldenEvent[];
  state: Uint8Array;
  hash: string;
}

// tests/golden/sequences, from this file in dist/test/ (or MAPTABLE_GOLDEN_DIR).
export function goldenDir(): string {
  if (process.env.MAPTABLE_GOLDEN_DIR) return process.env.MAPTABLE_GOLDEN_DIR;
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, "../../../../tests/golden/sequences");
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const hexHash = /^[0-9a-f]{64}$/;

function decode(text: string, where: string): Uint8Array {
  if (!base64.test(text)) throw new Error(`${where}: not base64`);
  return new Uint8Array(Buffer.from(text, "base64"));
}

export function parseGolden(text: string, file: string): GoldenSequence {
  const sequence: GoldenSequence = { name: "", roomId: "", events: [], state: new Uint8Array(), hash: "" };
  text.split("\n").forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    if (line === "" || line.startsWith("#")) return;
    const space = line.indexOf(" ");
    const keyword = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? "" : line.slice(space + 1);
    switch (keyword) {
      case "name":
        sequence.name = rest;
        break;
      case "about":
        break;
      case "room":
        sequence.roomId = rest;
        break;
      case "event": {
        const [encoded, hash] = rest.split(" ");
        if (!hexHash.test(hash ?? "")) throw new Error(`${where}: the hash after the event is not 64 hex digits`);
        sequence.events.push({ bytes: decode(encoded, where), hashAfter: hash });
        break;
      }
      case "state":
        sequence.state = decode(rest, where);
        break;
      case "hash":
        if (!hexHash.test(rest)) throw new Error(`${where}: the hash is not 64 hex digits`);
        sequence.hash = rest;
        break;
      default:
        throw new Error(`${where}: unknown keyword ${JSON.stringify(keyword)}`);
    }
  });
  if (sequence.roomId === "" || sequence.hash === "") throw new Error(`${file}: lacks its room or hash line`);
  return sequence;
}

export function loadGoldenSequences(): GoldenSequence[] {
  const dir = goldenDir();
  return readdirSync(dir)
    .filter((name) => name.endsWith(".golden"))
    .sort()
    .map((name) => parseGolden(readFileSync(join(dir, name), "utf8"), name));
}
