/**
 * Signaling through the ring: with the signaling server stopped, a tab linked to one ring tab joins through
 * another tab it has no link to, so every connection it needs is signaled hop by hop over data channels. Puts,
 * gets and the repair after a SIGKILLed tab all happen with the server down, and no tab sends it a signal.
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { transportStats } from './faults';
import { launchBrowser, launchCrashableBrowser, logEvent, startServer, waitFor, withCleanup } from './harness';
import { SETTLE_MS, formRing, getHash, join, openPeer, openPeers, putRandom, state, states, waitForPlacement, waitForRing } from './ring';

const RING_TABS = 5;

async function putFiles(pages: Page[], prefix: string, count: number, hashes: Map<string, string>): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}.bin`);
  for (const [i, name] of names.entries()) hashes.set(name, await putRandom(pages[i % pages.length]!, name, 3_000 + i * 11_000));
  return names;
}

test('with the signaling server down, a tab joins through the overlay, files are stored and served, a crash is repaired', async () => {
  await withCleanup(async (defer) => {
    const server = await startServer();
    defer(() => server.close());
    const browser = await launchBrowser();
    defer(() => browser.close());
    const crashable = await launchCrashableBrowser();
    defer(() => crashable.close().catch(() => undefined));
    defer(() => crashable.kill());
    const context = await browser.newContext();

    const ring = [...(await openPeers(context, server.url, RING_TABS - 1)), await openPeer(await crashable.browser.newContext(), server.url, 'victim')];
    const victim = ring.at(-1)!;
    await formRing(ring);
    const hashes = new Map<string, string>();
    const before = await putFiles(ring, 'before', 6, hashes);
    await waitForPlacement(ring, before, SETTLE_MS.put);

    // The newcomer's one link, made while the server is up: a ping to the first ring tab.
    const newcomer = await openPeer(context, server.url, 'newcomer');
    const ids = (await states(ring)).map((s) => s.host);
    const [contact, via] = [ids[0]!, ids[1]!];
    await newcomer.evaluate((to) => window.ringshare!.transport!.request(to, { body: { type: 'ping' } }, { timeoutMs: 10_000 }), contact);
    expect(await newcomer.evaluate(() => window.ringshare!.transport!.connections())).toEqual([contact]);

    const everyone = [...ring, newcomer];
    const serverSignals = await Promise.all(everyone.map(async (page) => (await transportStats(page)).viaServer));
    await server.close();
    for (const page of everyone) await waitFor(page, () => window.dht!.status !== 'online', { timeoutMs: 5_000, what: 'the tab to see the server gone' });

    // Joining through a tab it has no link to: the lookup, its successor and its predecessor are all reached through the overlay.
    const joinedAt = Date.now();
    await join(newcomer, via);
    await waitForRing(everyone, SETTLE_MS.join);
    logEvent('overlay-join', { ms: Date.now() - joinedAt });
    const joined = await transportStats(newcomer);
    expect(joined.viaOverlay).toBeGreaterThan(0);
    expect(joined.overlayIn).toBeGreaterThan(0);
    expect((await newcomer.evaluate(() => window.ringshare!.transport!.connections())).length).toBeGreaterThan(1);

    const during = await putFiles([newcomer, ...ring], 'server-down', 6, hashes);
    await waitForPlacement(everyone, [...before, ...during], SETTLE_MS.join);
    for (const page of [newcomer, ring[0]!, ring[2]!]) {
      for (const [name, hash] of hashes) expect(await getHash(page, name), name).toBe(hash);
    }

    crashable.kill();
    const crashedAt = Date.now();
    const survivors = everyone.filter((page) => page !== victim);
    await waitForPlacement(survivors, [...hashes.keys()], SETTLE_MS.crash);
    logEvent('overlay-crash-recovered', { ms: Date.now() - crashedAt });
    for (const [name, hash] of hashes) expect(await getHash(newcomer, name), name).toBe(hash);

    const after = await Promise.all(survivors.map(transportStats));
    logEvent('overlay-stats', { stats: after.map(({ viaServer, viaOverlay, relayed, overlayIn, overlayFallbacks, linksCreated, links }) => ({ viaServer, viaOverlay, relayed, overlayIn, overlayFallbacks, linksCreated, links })) });
    expect(after.map((s) => s.viaServer)).toEqual(serverSignals.filter((_, i) => everyone[i] !== victim));
    expect(after.reduce((sum, s) => sum + s.relayed, 0)).toBeGreaterThan(0);
    expect((await state(newcomer)).joined).toBe(true);
  });
});
