// Waiting on clients without sleeping: each helper resolves when the client
// reports what is awaited (an event, a state), or fails after a deadline
// that only bounds a hung test.
import type { MaptableConnection, ConnectionState } from "../src/connection.js";

const deadlineMs = 20_000;

function withDeadline<T>(what: string, run: (resolve: (value: T) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let cleanup = () => {};
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${what}`));
    }, deadlineMs);
    cleanup = run((value) => {
      clearTimeout(timer);
      cleanup();
      resolve(value);
    });
  });
}

// Resolves once the client's replica has reached seq.
export function waitForSeq(client: MaptableConnection, seq: bigint): Promise<void> {
  return withDeadline(`seq ${seq} (at ${client.seq})`, (done) => {
    if (client.seq >= seq) {
      queueMicrotask(() => done(undefined));
      return () => {};
    }
    return client.onEvent(() => {
      if (client.seq >= seq) done(undefined);
    });
  });
}

export function waitForState(client: MaptableConnection, state: ConnectionState): Promise<void> {
  return withDeadline(`state ${state} (now ${client.state})`, (done) => {
    if (client.state === state) {
      queueMicrotask(() => done(undefined));
      return () => {};
    }
    return client.onConnectionState((s) => {
      if (s === state) done(undefined);
    });
  });
}

export function nextWelcome(client: MaptableConnection): Promise<boolean> {
  return withDeadline("a Welcome", (done) => client.on("welcome", (recovered) => done(recovered)));
}

export function nextEmit<T>(subscribe: (listener: (value: T) => void) => () => void, what: string): Promise<T> {
  return withDeadline(what, (done) => subscribe((value) => done(value)));
}
