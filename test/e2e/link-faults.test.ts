/**
 * Link faults in a ring of real tabs. A tab whose data channels are all closed by the other tabs, and one
 * that closes all of its own, comes back into the ring with its files. The signaling server restarted mid-run
 * (stopped, then started on the same port): files stay readable and writable over the open channels while it
 * is down, and afterwards the tabs are back under their ids and a newcomer joins through it.
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { cutLinks, peersDown, recordPeersDown } from './faults';
import { launchBrowser, logEvent, startServer, waitFor, withCleanup, withSession } from './harness';
import { SETTLE_MS, busiest, formRing, getHash, join, openPeer, openPeers, putRandom, ringErrors, state, states, waitForPlacement } from './ring';

async function putFiles(pages: Page[], prefix: string, count: number, hashes: Map<string, string>): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}.bin`);
  for (const [i, name] of names.entries()) hashes.set(name, await putRandom(pages[i % pages.length]!, name, 2_000 + i * 9_000));
  return names;
}

async function expectAllReadable(page: Page, hashes: Map<string, string>): Promise<void> {
  for (const [name, hash] of hashes) expect(await getHash(page, name), name).toBe(hash);
}

test('a tab that loses every data channel, from either side, rejoins the ring and keeps its files', async () => {
  await withSession(async ({ server, browser }) => {
    const pages = await openPeers(await browser.newContext(), server.url, 4);
    await formRing(pages);
    const hashes = new Map<string, string>();
    const names = await putFiles(pages, 'links', 12, hashes);
    await waitForPlacement(pages, names, SETTLE_MS.put);

    const { page: victim, state: held } = await busiest(pages);
    const others = pages.filter((p) => p !== victim);
    const victimId = held.host;
    logEvent('links-victim', { peer: victimId, files: held.files.length, backUpFiles: held.backUpFiles.length });
    expect(held.files.length + held.backUpFiles.length).toBeGreaterThan(0);
    await recordPeersDown(victim);

    // Closed from the other side: every other tab drops its channel to the victim.
    const linked = await Promise.all(others.map((p) => cutLinks(p, [victimId])));
    expect(linked.flat()).toEqual([victimId, victimId, victimId]);
    const otherIds = (await states(others)).map((s) => s.host);
    await waitFor(() => peersDown(victim), (down) => otherIds.every((id) => down.includes(id)), {
      timeoutMs: 10_000,
      what: 'the victim to see each of its channels closed by the far end',
    });
    const cutAt = Date.now();
    await waitForPlacement(pages, names, SETTLE_MS.crash);
    logEvent('links-cut-by-peers-recovered', { ms: Date.now() - cutAt });
    expect(await state(victim)).toMatchObject({ host: victimId, files: held.files, backUpFiles: held.backUpFiles });
    await expectAllReadable(victim, hashes);

    // Closed from its own side: the victim drops every channel it has.
    expect((await cutLinks(victim)).length).toBeGreaterThan(0);
    const names2 = await putFiles(others, 'after-cut', 3, hashes);
    const cut2At = Date.now();
    await waitForPlacement(pages, [...names, ...names2], SETTLE_MS.crash);
    logEvent('links-cut-by-self-recovered', { ms: Date.now() - cut2At });
    await expectAllReadable(victim, hashes);
    expect(await victim.evaluate(() => window.dht!.connectionCount())).toBeGreaterThan(0);
  });
});

test('the ring keeps working while the signaling server restarts, and the tabs come back under their ids', async () => {
  await withCleanup(async (defer) => {
    const first = await startServer();
    let server = first;
    defer(() => server.close());
    const browser = await launchBrowser();
    defer(() => browser.close());
    const context = await browser.newContext();
    const pages = await openPeers(context, first.url, 4);
    await formRing(pages);
    const ids = (await states(pages)).map((s) => s.host);
    const hashes = new Map<string, string>();
    const names = await putFiles(pages, 'restart', 8, hashes);
    await waitForPlacement(pages, names, SETTLE_MS.put);
    // Every tab reads every file, so every pair of tabs has a channel before the server goes away.
    for (const page of pages) await expectAllReadable(page, hashes);
    await waitFor(() => Promise.all(pages.map((p) => p.evaluate(() => window.dht!.connectionCount()))), (counts) => counts.every((n) => n === 3), {
      timeoutMs: 10_000,
      what: 'a data channel between every pair of tabs',
    });

    await first.close();
    for (const page of pages) await waitFor(page, () => window.dht!.status !== 'online', { timeoutMs: 5_000, what: 'the tab to see the server gone' });
    // The ring needs no server: puts and gets go over the open channels, and the pointers hold.
    const downNames = await putFiles(pages, 'server-down', 3, hashes);
    await waitForPlacement(pages, [...names, ...downNames], SETTLE_MS.put);
    for (const page of pages) await expectAllReadable(page, hashes);
    expect(ringErrors(await states(pages))).toEqual([]);

    server = await startServer({ port: first.port });
    for (const [i, page] of pages.entries()) {
      await waitFor(page, () => window.dht!.status === 'online', { timeoutMs: 15_000, what: `tab${i} back online` });
      expect((await state(page)).host).toBe(ids[i]);
    }
    expect(server.peers().sort()).toEqual([...ids].sort());
    // A newcomer needs the server to reach anyone: it joins, and every file is where it must be.
    const newcomer = await openPeer(context, server.url, 'newcomer');
    await join(newcomer, ids[0]!);
    const everyone = [...pages, newcomer];
    await putFiles(everyone, 'after-restart', 3, hashes);
    await waitForPlacement(everyone, [...hashes.keys()], SETTLE_MS.join);
    await expectAllReadable(newcomer, hashes);
  });
});
