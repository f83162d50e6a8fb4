// Orderings that must agree with the C++ model's containers, so that both
// replicas put the same things in the same places.

// std::string's operator<: bytewise on UTF-8, which is code point order.
// JavaScript compares UTF-16 code units, which differs only between a
// surrogate (a code point above U+FFFF) and U+E000..U+FFFF.
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

// The values of a map keyed by id, in std::map order.
export function byKey<T>(map: Map<string, T>): T[] {
  return [...map.entries()].sort((a, b) => compareUtf8(a[0], b[0])).map((entry) => entry[1]);
}

export function sortedStrings(values: Iterable<string>): string[] {
  return [...values].sort(compareUtf8);
}

// std::lower_bound / std::partition_point as libstdc++ implements them: the
// first index for which `before` is false. The same steps as C++, so even a
// range that is not sorted (a hand-made log) gives the same index.
export function partitionPoint<T>(items: readonly T[], before: (item: T) => boolean): number {
  let first = 0;
  let length = items.length;
  while (length > 0) {
    const half = length >> 1;
    const middle = first + half;
    if (before(items[middle])) {
      first = middle + 1;
      length = length - half - 1;
    } else {
      length = half;
    }
  }
  return first;
}

// The item with this seq in a list kept in seq order (chat, comments).
export function findBySeq<T extends { seq: bigint }>(items: readonly T[], seq: bigint): T | undefined {
  const i = partitionPoint(items, (item) => item.seq < seq);
  return i < items.length && items[i].seq === seq ? items[i] : undefined;
}
