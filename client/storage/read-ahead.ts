/**
 * Chunk reads with read-ahead: reading chunk i of a file also fetches the next ones in the same request, for
 * the reads that follow. A peer pulling a file asks for its chunks in order, a window at a time, and a store
 * transaction per chunk cost more than the bytes it read.
 */
export type FetchMany<T> = (root: string, indexes: number[]) => Promise<Array<T | undefined>>;

export function readAhead<T>(fetchMany: FetchMany<T>, ahead: number, keep: number): (root: string, index: number) => Promise<T | undefined> {
  const cache = new Map<string, Promise<T | undefined>>();
  const key = (root: string, index: number) => `${index}/${root}`;

  const fetchOne = async (root: string, index: number) => (await fetchMany(root, [index]))[0];

  return async (root, index) => {
    const hit = cache.get(key(root, index));
    if (hit) {
      cache.delete(key(root, index));
      // Read ahead before it was written (a file still arriving): nothing was there then, there may be now.
      return (await hit.catch(() => undefined)) ?? fetchOne(root, index);
    }
    const next = Array.from({ length: ahead - 1 }, (_, i) => index + 1 + i).filter((i) => !cache.has(key(root, i)));
    const all = fetchMany(root, [index, ...next]);
    next.forEach((i, n) => {
      const value = all.then((values) => values[n + 1]);
      value.catch(() => undefined); // a failed read ahead is no unhandled rejection: the read that takes it reads again
      cache.set(key(root, i), value);
    });
    while (cache.size > keep) cache.delete(cache.keys().next().value!);
    return (await all)[0];
  };
}
