/** Files between tabs: a 5 MiB file read back byte-identical everywhere, placement, and a graceful leave. */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { withSession } from './harness';
import { SETTLE_MS, formRing, getHash, openPeers, placementErrors, putRandom, state, states, waitForPlacement } from './ring';

const MiB = 1024 * 1024;

/** Files in a tab's download directory of the origin private file system. */
function downloadedFiles(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const downloads = await (await navigator.storage.getDirectory()).getDirectoryHandle('downloads');
    let count = 0;
    for await (const _ of (await downloads.getDirectoryHandle(window.dht!.host)).keys()) count++;
    return count;
  });
}

test('a 5 MiB file put from one tab is read back byte-identical from every other tab, on its owner and two backups', async () => {
  await withSession(async ({ server, browser }) => {
    const context = await browser.newContext();
    // Downloads over 4 MiB go to the origin private file system, as a large file does by default.
    const pages = await openPeers(context, server.url, 5, 'memory-mib=4');
    await formRing(pages);

    const hash = await putRandom(pages[0]!, 'big.bin', 5 * MiB);
    // put resolves once the owner holds it; the backups follow.
    expect(placementErrors(await states(pages), ['big.bin']).filter((e) => !/backup .* lacks it/.test(e))).toEqual([]);
    await waitForPlacement(pages, ['big.bin'], SETTLE_MS.put);
    // With `replicated`, placement is right as soon as the put resolves.
    await pages[1]!.evaluate(async () => {
      const bytes = new Uint8Array(2 * 1024 * 1024);
      for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      await window.dht!.put('replicated.bin', bytes, { replicated: true });
    });
    expect(placementErrors(await states(pages), ['replicated.bin'])).toEqual([]);
    for (const page of pages.slice(1)) expect(await getHash(page, 'big.bin')).toBe(hash);
    expect(await downloadedFiles(pages[1]!)).toBe(1);
    const small = await putRandom(pages[3]!, 'small.bin', 3 * MiB);
    expect(await getHash(pages[1]!, 'small.bin')).toBe(small);
    expect(await downloadedFiles(pages[1]!)).toBe(1); // held in memory
    expect(await getHash(pages[2]!, 'no-such-file.bin')).toBeNull();
  });
});

test('a tab that leaves hands its files over: all still gettable, placement restored', async () => {
  await withSession(async ({ server, browser }) => {
    const context = await browser.newContext();
    const pages = await openPeers(context, server.url, 5);
    await formRing(pages);

    const names = Array.from({ length: 20 }, (_, i) => `note-${i}.txt`);
    const hashes = new Map<string, string>();
    for (const [i, name] of names.entries()) hashes.set(name, await putRandom(pages[i % 5]!, name, 2000 + i * 1000));
    await waitForPlacement(pages, names, SETTLE_MS.put);

    // The leaver is the tab that owns the most files, so the hand-off is really exercised.
    const before = await states(pages);
    const leaverIndex = before.reduce((best, s, i) => (s.files.length > before[best]!.files.length ? i : best), 0);
    const leaver = pages[leaverIndex]!;
    expect((await state(leaver)).files.length).toBeGreaterThan(0);
    await leaver.evaluate(() => window.dht!.leave());
    await leaver.close();
    const rest = pages.filter((p) => p !== leaver);

    await waitForPlacement(rest, names, SETTLE_MS.leave);
    for (const [i, name] of names.entries()) expect(await getHash(rest[i % rest.length]!, name)).toBe(hashes.get(name));
  });
});
