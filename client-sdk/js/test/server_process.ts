// A real maptable-server for the integration tests: started on a free
// loopback port with a fresh data dir, stopped at the end. The binary comes
// from MAPTABLE_SERVER_BINARY (CTest sets it to the build's server).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const secret = "js-sdk-test-secret-0123456789abcdef0123456789abcdef";

export const serverBinary = process.env.MAPTABLE_SERVER_BINARY;

export class ServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
    readonly url: string,
  ) {}

  static async start(): Promise<ServerProcess> {
    if (!serverBinary) throw new Error("MAPTABLE_SERVER_BINARY is not set");
    const dataDir = mkdtempSync(join(tmpdir(), "maptable-js-"));
    const log = openSync(join(dataDir, "server.log"), "w");
    const child = spawn(
      serverBinary,
      ["--port", "0", "--data-dir", dataDir, "--secret", secret, "--log-level", "debug", "--threads", "1"],
      { stdio: ["ignore", "pipe", log] },
    );
    // It prints "maptable-server listening on 127.0.0.1:PORT" when it serves.
    const url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on("line", (line) => {
        const match = /^maptable-server listening on (\S+):(\d+)/.exec(line);
        if (match) resolve(`ws://${match[1]}:${match[2]}/v1/ws`);
      });
      child.once("exit", (code) =>
        reject(new Error(`maptable-server exited with ${code} before listening: ${readFileSync(join(dataDir, "server.log"), "utf8")}`)),
      );
    });
    return new ServerProcess(child, dataDir, url);
  }

  // A join token minted by `maptable-server token` with the server's secret.
  token(room: string, name: string, role: "facilitator" | "participant" | "observer" = "participant"): string {
    return execFileSync(serverBinary!, ["token", "--room", room, "--name", name, "--role", role, "--secret", secret], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  }

  log(): string {
    return readFileSync(join(this.dataDir, "server.log"), "utf8");
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      await exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
