/**
 * A tab that is closed or reloaded says goodbye on pagehide: its successor owns its range (its predecessor
 * pointer skips the tab) well within the 1 s a heartbeat takes to time out. Measured in the successor's own
 * clock from just before the close, beside a close whose goodbye is switched off, for comparison.
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { logEvent, waitFor, withSession } from './harness';
import { SETTLE_MS, expectedRing, formRing, getHash, join, openPeers, putRandom, state, states, waitForPlacement } from './ring';

const TABS = 6;
/** Well under one heartbeat timeout (RPC_TIMEOUT_MS, 1 s) and a suspicion after two. */
const TAKEOVER_LIMIT_MS = 500;

/** The tab at ring index `i` among `pages`, with its successor's and predecessor's pages. */
async function neighbours(pages: Page[], i: number): Promise<{ victim: Page; successor: Page; host: string; predecessorHost: string }> {
  const ring = expectedRing(await states(pages));
  const at = (k: number) => ring[(k + ring.length) % ring.length]!;
  const pageOf = async (host: string) => {
    for (const page of pages) if ((await state(page)).host === host) return page;
    throw new Error(`no page for ${host}`);
  };
  return { victim: await pageOf(at(i).host), successor: await pageOf(at(i + 1).host), host: at(i).host, predecessorHost: at(i - 1).host };
}

/** Starts recording, in `successor`, when its predecessor becomes `to`; `takenOverAt` reads it (Date.now()). */
function watchTakeover(successor: Page, to: string): Promise<void> {
  return successor.evaluate((to) => {
    const w = window as { takenOverAt?: number };
    delete w.takenOverAt;
    const off = window.dht!.on('change', () => {
      if (window.dht!.predecessor !== to) return;
      w.takenOverAt = Date.now();
      off();
    });
  }, to);
}

/** Takes the tab down with `go` and returns how long its successor took to own its range. */
async function takeover(pages: Page[], i: number, what: string, go: (victim: Page) => Promise<unknown>): Promise<{ ms: number; victim: Page; host: string }> {
  const { victim, successor, host, predecessorHost } = await neighbours(pages, i);
  await watchTakeover(successor, predecessorHost);
  const start = Date.now();
  await go(victim);
  const at = await waitFor(successor, () => (window as { takenOverAt?: number }).takenOverAt ?? 0, { timeoutMs: SETTLE_MS.crash, what: `the successor to own the range of ${host} (${what})` });
  const ms = at - start;
  logEvent('goodbye-takeover', { what, ms, peer: host });
  return { ms, victim, host };
}

test(`a closed or reloaded tab's successor owns its range within ${TAKEOVER_LIMIT_MS} ms`, async () => {
  await withSession(async ({ server, browser }) => {
    const context = await browser.newContext();
    let pages = await openPeers(context, server.url, TABS);
    await formRing(pages);
    const names = Array.from({ length: 24 }, (_, i) => `bye-${i}.bin`);
    const hashes = new Map<string, string>();
    for (const [i, name] of names.entries()) hashes.set(name, await putRandom(pages[i % TABS]!, name, 2000 + i * 300));
    await waitForPlacement(pages, names, SETTLE_MS.put);

    // For comparison: a close without the goodbye (the page's pagehide listener calls dht.goodbye, made a no-op here).
    const silent = await takeover(pages, 0, 'close, goodbye off', async (victim) => {
      await victim.evaluate(() => Object.assign(window.dht!, { goodbye: () => undefined }));
      await victim.close();
    });
    pages = pages.filter((p) => p !== silent.victim);
    await waitForPlacement(pages, names, SETTLE_MS.crash);

    const closed = await takeover(pages, 0, 'close', (victim) => victim.close());
    pages = pages.filter((p) => p !== closed.victim);
    await waitForPlacement(pages, names, SETTLE_MS.crash);

    const reloaded = await takeover(pages, 1, 'reload', (victim) => victim.reload());
    await waitFor(reloaded.victim, () => Boolean(window.dht?.host), { timeoutMs: 15_000, what: 'the reloaded tab to get its id back' });
    expect((await state(reloaded.victim)).host).toBe(reloaded.host);
    await join(reloaded.victim, (await state(pages.find((p) => p !== reloaded.victim)!)).host);
    await waitForPlacement(pages, names, SETTLE_MS.join);
    for (const name of names) expect(await getHash(pages[0]!, name)).toBe(hashes.get(name));

    logEvent('goodbye-summary', { closeMs: closed.ms, reloadMs: reloaded.ms, withoutGoodbyeMs: silent.ms });
    expect(closed.ms).toBeLessThan(TAKEOVER_LIMIT_MS);
    expect(reloaded.ms).toBeLessThan(TAKEOVER_LIMIT_MS);
  });
});
