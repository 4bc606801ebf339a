/**
 * Two ring-adjacent peers crash for real: each runs in a browser process of its own, killed with SIGKILL.
 * The survivors must still serve every file and restore one owner plus two backups.
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { DEFAULT_M } from '../../shared/constants';
import { hashKey } from '../../shared/ring/id';
import { launchCrashableBrowser, logEvent, withSession } from './harness';
import { SETTLE_MS, formRing, getHash, openPeer, putRandom, waitForPlacement } from './ring';

const SURVIVORS = 4;
/** The shorter arc holds at most half the ring: 4 tabs outside it take 8 tries on average, 24 almost surely. */
const MAX_SURVIVOR_TRIES = 24;

test('two adjacent peers killed with SIGKILL lose no file; replication is restored', async () => {
  await withSession(async ({ server, browser, defer }) => {

    // Ids are derived from each tab's own key, so they cannot be chosen: the victims open first, each in a
    // browser process of its own, then survivors are opened until SURVIVORS lie outside the shorter arc
    // between the two victims, so the victims are neighbours on the ring (a tab landing inside is closed).
    const victims: Array<{ page: Page; kill(): void }> = [];
    for (let i = 0; i < 2; i++) {
      const crashable = await launchCrashableBrowser();
      defer(() => crashable.browser.close().catch(() => undefined));
      defer(() => crashable.kill());
      victims.push({ page: await openPeer(await crashable.browser.newContext(), server.url, `victim${i}`), kill: crashable.kill });
    }
    const [a, b] = (await Promise.all(victims.map(async (v) => hashKey(await v.page.evaluate(() => window.dht!.host), DEFAULT_M)))) as [bigint, bigint];
    const size = 1n << BigInt(DEFAULT_M);
    // The clockwise arc from lo to hi, or the other one if it is the longer: a survivor must not land in it.
    const [lo, hi] = (b - a + size) % size <= (a - b + size) % size ? [a, b] : [b, a];
    const inArc = (key: bigint) => (lo < hi ? lo < key && key < hi : key > lo || key < hi);
    const survivors: Page[] = [];
    for (let tries = 0; survivors.length < SURVIVORS && tries < MAX_SURVIVOR_TRIES; tries++) {
      const page = await openPeer(await browser.newContext(), server.url, `peer${tries}`);
      if (inArc(hashKey(await page.evaluate(() => window.dht!.host), DEFAULT_M))) await page.context().close();
      else survivors.push(page);
    }
    expect(survivors, `${SURVIVORS} tabs outside the victims' arc in ${MAX_SURVIVOR_TRIES} tries`).toHaveLength(SURVIVORS);
    const pages = [...survivors, ...victims.map((v) => v.page)];
    await formRing(pages);

    const names = Array.from({ length: 30 }, (_, i) => `crash-${i}.bin`);
    const hashes = new Map<string, string>();
    for (const [i, name] of names.entries()) hashes.set(name, await putRandom(pages[i % pages.length]!, name, 1024 * (1 + ((i * 37) % 200))));
    await waitForPlacement(pages, names, SETTLE_MS.put);

    for (const victim of victims) victim.kill();
    const crashedAt = Date.now();

    await waitForPlacement(survivors, names, SETTLE_MS.crash);
    logEvent('crash-recovered', { ms: Date.now() - crashedAt });
    for (const [i, name] of names.entries()) expect(await getHash(survivors[i % survivors.length]!, name)).toBe(hashes.get(name));
  });
});
