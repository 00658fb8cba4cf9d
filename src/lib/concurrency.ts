// Bounded concurrency: many RPCs or requests, a fixed number in flight, so one caller never
// opens hundreds of subrequests at once (Workers cap simultaneous outgoing connections).

/**
 * Calls `work` on every item with at most `limit` calls in flight and returns the results in
 * the items' order. A rejection rejects the whole call (the calls already started still run).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
