// A real maptable-server for the web tests: a free loopback port, a fresh
// data dir, an admin key, the built app (web/dist) as --web-root, and map
// tiles pointed at a local port where nothing listens (the tests have no
// internet, and the app must stay usable without tiles). The binary comes
// from MAPTABLE_SERVER_BINARY (CTest sets it).
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const webRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
// Port 9 (discard): refused at once on a machine that runs no such service.
export const unreachableTiles = "http://127.0.0.1:9/{z}/{x}/{y}.png";
const adminKey = "web-test-admin-key-0123456789";

async function spawnServer({ root, tiles, dataDir, port, logFlags }) {
  const binary = process.env.MAPTABLE_SERVER_BINARY;
  if (!binary) throw new Error("MAPTABLE_SERVER_BINARY is not set (CTest sets it to the build's maptable-server)");
  const log = openSync(join(dataDir, "server.log"), logFlags);
  const child = spawn(binary, [
    "--port", String(port), "--data-dir", dataDir, "--threads", "1", "--log-level", "debug",
    "--web-root", root, "--tile-url", tiles,
  ], { stdio: ["ignore", "pipe", log], env: { ...process.env, MAPTABLE_ADMIN_KEY: adminKey } });
  const base = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /^maptable-server listening on (\S+):(\d+)/.exec(line);
      if (match) resolve(`http://${match[1]}:${match[2]}`);
    });
    child.once("exit", (code) => reject(new Error(`maptable-server exited with ${code}: ${readFileSync(join(dataDir, "server.log"), "utf8")}`)));
  });
  return { child, base };
}

export class Server {
  constructor(child, dataDir, base) {
    this.child = child;
    this.dataDir = dataDir;
    this.base = base;          // http://127.0.0.1:PORT
  }

  static async start({ root = webRoot, tiles = unreachableTiles } = {}) {
    const dataDir = mkdtempSync(join(tmpdir(), "maptable-web-"));
    const { child, base } = await spawnServer({ root, tiles, dataDir, port: 0, logFlags: "w" });
    const server = new Server(child, dataDir, base);
    server.options = { root, tiles };
    return server;
  }

  // Stops the process and keeps its data (an outage, not the end).
  async down() {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }

  // Starts it again on the same port with the same data, as after an outage.
  async up() {
    const port = Number(new URL(this.base).port);
    const { child } = await spawnServer({ ...this.options, dataDir: this.dataDir, port, logFlags: "a" });
    this.child = child;
  }

  async admin(method, path, body) {
    const res = await fetch(this.base + path, {
      method,
      headers: { Authorization: `Bearer ${adminKey}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  createRoom(id, title) {
    return this.admin("POST", "/v1/admin/rooms", { id, title, center: { lon: 18.42, lat: -33.92 }, zoom: 14 });
  }

  // The invitation link the admin API mints: <base>/#room=<id>&token=<jwt>.
  async invite(room, role, name, subject) {
    const minted = await this.admin("POST", `/v1/admin/rooms/${room}/tokens`, { role, name, subject });
    return minted.invite_url;
  }

  // The room as the server's log says now.
  state(room) {
    return this.admin("GET", `/v1/rooms/${room}/state`);
  }

  log() {
    return readFileSync(join(this.dataDir, "server.log"), "utf8");
  }

  async stop() {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      await exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
