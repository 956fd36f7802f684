/**
 * Run `work` over `items` with at most `limit` in flight, keeping the input order in the
 * result. Used where the API has no batch call (conditional writes, per-group calls).
 *
 * @example
 * const results = await mapConcurrent(findings, 16, (finding) => store.recordFinding(finding, now));
 */
export async function mapConcurrent<Item, Result>(
  items: readonly Item[],
  limit: number,
  work: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  const results = new Array<Result>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as Item, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
