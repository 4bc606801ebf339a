/**
 * Two ring-adjacent peers crash for real: each runs in a browser process of its own, killed with SIGKILL.
 * The survivors must still serve every file and restore one owner plus two backups.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { DEFAULT_M } from '../../shared/constants';
import { hashKey } from '../../shared/ring/id';
import { launchCrashableBrowser, logEvent, withSession } from './harness';
import { SETTLE_MS, formRing, getHash, openPeer, putRandom, waitForPlacement } from './ring';

test('two adjacent peers killed with SIGKILL lose no file; replication is restored', async () => {
  await withSession(async ({ server, browser, defer }) => {

    // Ids chosen up front so that the two victims are neighbours on the ring.
    const ids = Array.from({ length: 6 }, (_, i) => `peer${i}-${randomBytes(4).toString('hex')}`).sort((a, b) =>
      hashKey(a, DEFAULT_M) < hashKey(b, DEFAULT_M) ? -1 : 1,
    );
    const victimIds = new Set([ids[2]!, ids[3]!]);

    const pages: Page[] = [];
    const victims: Array<{ page: Page; kill(): void }> = [];
    for (const id of ids) {
      if (victimIds.has(id)) {
        const crashable = await launchCrashableBrowser();
        defer(() => crashable.browser.close().catch(() => undefined));
        defer(() => crashable.kill());
        const page = await openPeer(await crashable.browser.newContext(), server.url, id, id);
        pages.push(page);
        victims.push({ page, kill: crashable.kill });
      } else {
        pages.push(await openPeer(await browser.newContext(), server.url, id, id));
      }
    }
    await formRing(pages);

    const names = Array.from({ length: 30 }, (_, i) => `crash-${i}.bin`);
    const hashes = new Map<string, string>();
    for (const [i, name] of names.entries()) hashes.set(name, await putRandom(pages[i % pages.length]!, name, 1024 * (1 + ((i * 37) % 200))));
    await waitForPlacement(pages, names, SETTLE_MS.put);

    for (const victim of victims) victim.kill();
    const crashedAt = Date.now();
    const survivors = pages.filter((p) => !victims.some((v) => v.page === p));

    await waitForPlacement(survivors, names, SETTLE_MS.crash);
    logEvent('crash-recovered', { ms: Date.now() - crashedAt });
    for (const [i, name] of names.entries()) expect(await getHash(survivors[i % survivors.length]!, name)).toBe(hashes.get(name));
  });
});
