// How long to wait before reconnect attempt number `attempt` (0 for the
// first after a drop): exponential from `initialMs`, capped at `maxMs`, with
// jitter in [delay/2, delay] so that a room's clients do not all come back in
// the same millisecond after a server restart. The C++ SDK's schedule.
export function reconnectDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const base = initialMs * 2 ** Math.min(attempt, 16);
  const delay = Math.min(maxMs, base);
  const low = delay / 2;
  return Math.round(low + random() * (delay - low));
}
