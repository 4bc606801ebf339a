/** A reloaded tab comes back as the same peer with its files and backups, from IndexedDB. */
import { expect, test } from 'vitest';
import { waitFor, withSession } from './harness';
import { SETTLE_MS, busiest, formRing, getHash, join, openPeers, putRandom, state, waitForPlacement } from './ring';

test('a reloaded tab keeps its id, files and backups', async () => {
  await withSession(async ({ server, browser }) => {
    const context = await browser.newContext();
    const pages = await openPeers(context, server.url, 4);
    await formRing(pages);
    const names = Array.from({ length: 12 }, (_, i) => `keep-${i}.txt`);
    const hashes = new Map<string, string>();
    for (const [i, name] of names.entries()) hashes.set(name, await putRandom(pages[i % 4]!, name, 3000 + i * 500));
    await waitForPlacement(pages, names, SETTLE_MS.put);

    const { page: target, state: before } = await busiest(pages);
    expect(before.files.length + before.backUpFiles.length).toBeGreaterThan(0);
    await target.reload();
    // Before it joins again, the reloaded tab already has its id and everything it stored.
    const reloaded = await waitFor(target, () => window.dht?.host && window.dht.files.length + window.dht.backUpFiles.length > 0 && {
      host: window.dht.host,
      files: [...window.dht.files],
      backUpFiles: [...window.dht.backUpFiles],
    }, { timeoutMs: 15_000, what: 'the reloaded tab to load its files from IndexedDB' });
    expect(reloaded).toEqual({ host: before.host, files: before.files, backUpFiles: before.backUpFiles });

    await join(target, (await state(pages.find((p) => p !== target)!)).host);
    await waitForPlacement(pages, names, SETTLE_MS.join);
    for (const name of names) expect(await getHash(target, name)).toBe(hashes.get(name));
  });
});
