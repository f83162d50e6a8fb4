// Request ids double as op ids under the client id, so they must never
// repeat for one client id, also across client objects of one install:
// they start from the clock (milliseconds x 1024 leaves room for 1024
// commands per millisecond), as in the C++ SDK, and a restored session
// raises them past every id it had used (atLeast).
export class RequestIds {
  private next: bigint;

  constructor(nowMs: number = Date.now()) {
    this.next = BigInt(Math.floor(nowMs)) << 10n;
  }

  take(): bigint {
    return this.next++;
  }

  // The next id take() returns; every id taken so far is below it.
  peek(): bigint {
    return this.next;
  }

  atLeast(floor: bigint): void {
    if (floor > this.next) this.next = floor;
  }
}
