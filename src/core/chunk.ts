/**
 * Where the chunk that starts at `start` ends (exclusive): at most `maxCount` items and, past the
 * first item, at most `maxBytes` by `sizeAt`. A chunk always holds at least one item, so one item
 * over `maxBytes` travels alone rather than never.
 */
export function chunkEnd(
  start: number,
  total: number,
  limits: { maxCount: number; maxBytes: number },
  sizeAt: (index: number) => number,
): number {
  let end = start;
  let bytes = 0;
  while (end < total && end - start < limits.maxCount) {
    const size = sizeAt(end);
    if (end > start && bytes + size > limits.maxBytes) break;
    bytes += size;
    end++;
  }
  return end;
}

/** `items` cut into chunks by count and bytes (see chunkEnd). */
export function chunksOf<T>(
  items: readonly T[],
  limits: { maxCount: number; maxBytes: number },
  sizeOf: (item: T) => number,
): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length;) {
    const end = chunkEnd(start, items.length, limits, (i) => sizeOf(items[i]));
    out.push(items.slice(start, end));
    start = end;
  }
  return out;
}
