// The WebSocket the client talks through: the browser's (binaryType
// "arraybuffer"), or any object with the same small surface, such as the
// `ws` package's WebSocket on Node 20 (whose global WebSocket is still
// experimental there) or a test's wrapper that injects faults.

/* eslint-disable @typescript-eslint/no-explicit-any -- handler events differ between implementations */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { data: any }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: any) => void) | null;
  // Drops the connection without a close handshake, where the
  // implementation can (the `ws` package can; browsers cannot).
  terminate?: () => void;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export type WebSocketFactory = (url: string) => WebSocketLike;

export const WEBSOCKET_OPEN = 1;

// A Welcome carries the room's whole state in one message, and the server
// sends up to this much (the C++ SDK accepts as much).
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

// The `ws` package's WebSocket as a factory, on Node 20: wsPackageFactory(WebSocket).
// Its default message limit (100 MiB) would close the connection on a large
// room's Welcome, so it is raised to MAX_MESSAGE_BYTES.
export function wsPackageFactory(
  WebSocket: new (url: string, options: { maxPayload: number }) => unknown,
): WebSocketFactory {
  return (url) => new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES }) as WebSocketLike;
}

// The platform's WebSocket, when there is one.
export function defaultWebSocketFactory(): WebSocketFactory | undefined {
  const native = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  return native ? (url) => new native(url) : undefined;
}

// The bytes of a binary message, whatever the implementation delivers.
export function messageBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined; // a text message: the server never sends one
}
