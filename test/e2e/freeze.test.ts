/**
 * A tab frozen as a background tab is (CDP Page.setWebLifecycleState) for 5 s, holding files: the others route
 * around it and keep every file at three copies; a file replaced meanwhile keeps its newer version; thawed, the
 * tab rejoins as the same peer, drops or hands back what it should no longer hold, and placement holds again.
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { logEvent, waitFor, withSession } from './harness';
import { freeze } from './lifecycle';
import { SETTLE_MS, busiest, expectedRing, formRing, getHash, openPeers, putRandom, state, waitForPlacement, waitForRing } from './ring';

const TABS = 6;
const FILES = 30;
/** The short freeze; the churn run and the soak freeze for other lengths. */
const FREEZE_MS = 5_000;

function rootsOf(page: Page, name: string): Promise<string | null> {
  return page.evaluate((name) => window.dht!.stored(name)?.root ?? null, name);
}

/** Paces the freeze (a schedule, not a wait for an outcome: every outcome below is polled with a deadline). */
function pace(until: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now())));
}

test(`a tab frozen for ${FREEZE_MS / 1000} s is routed around, rejoins as itself, and brings back no old version`, async () => {
  await withSession(async ({ server, browser }) => {
    const context = await browser.newContext();
    const pages = await openPeers(context, server.url, TABS);
    await formRing(pages);
    const names = Array.from({ length: FILES }, (_, i) => `sleep-${i}.bin`);
    const hashes = new Map<string, string>();
    for (const [i, name] of names.entries()) hashes.set(name, await putRandom(pages[i % TABS]!, name, 1500 + i * 400));
    await waitForPlacement(pages, names, SETTLE_MS.put);

    // The tab owning the most files, and one of them to replace while it sleeps.
    const { page: victim, state: most } = await busiest(pages, (s) => s.files.length);
    const others = pages.filter((p) => p !== victim);
    const replaced = most.files[0]!;
    const oldRoot = await rootsOf(victim, replaced);
    logEvent('freeze-victim', { peer: most.host, files: most.files.length, backUpFiles: most.backUpFiles.length, replaced });

    const frozenAt = Date.now();
    const sleeper = await freeze(victim);
    let thawed = false;
    let newRoot: string | null = null;
    try {
      // The others route around it: their pointers form the ring without it, every file on three of them.
      await waitForRing(others, SETTLE_MS.crash);
      const routedMs = Date.now() - frozenAt;
      hashes.set(replaced, await putRandom(others[0]!, replaced, 7777));
      await waitForPlacement(others, names, SETTLE_MS.crash);
      // Every copy among the others is one version (a backup may still be taking the new one when placement
      // holds: CI once read a backup's old root here first).
      const roots = await waitFor(
        async () => (await Promise.all(others.map((p) => rootsOf(p, replaced)))).filter((root) => root !== null),
        (roots) => roots.length > 0 && roots.every((root) => root === roots[0]),
        { timeoutMs: SETTLE_MS.put, what: `the others' copies of ${replaced} to be one version` },
      );
      newRoot = roots[0]!;
      logEvent('freeze-routed-around', { routedMs, placedMs: Date.now() - frozenAt });
      expect(Date.now() - frozenAt, 'routed around and re-placed within the freeze').toBeLessThan(FREEZE_MS);
      await pace(frozenAt + FREEZE_MS);
      await sleeper.thaw();
      thawed = true;
    } finally {
      if (!thawed) await sleeper.thaw().catch(() => undefined);
    }
    const thawAt = Date.now();

    // Thawed: back in the ring under the same id, placement right for all six, the new version everywhere.
    expect(newRoot).not.toBe(oldRoot);
    expect((await state(victim)).host).toBe(most.host);
    const after = await waitForPlacement(pages, names, SETTLE_MS.crash);
    logEvent('freeze-rejoined', { ms: Date.now() - thawAt, ring: expectedRing(after).map((p) => p.host.slice(0, 6)) });
    const holders = pages.filter((_, i) => after[i]!.files.includes(replaced) || after[i]!.backUpFiles.includes(replaced));
    expect(await Promise.all(holders.map((p) => rootsOf(p, replaced))), `every copy of ${replaced} is its newer version`).toEqual(holders.map(() => newRoot));
    for (const page of [victim, others[0]!]) {
      for (const name of names) expect(await getHash(page, name), `${name} from ${(await state(page)).host}`).toBe(hashes.get(name));
    }
  });
});
