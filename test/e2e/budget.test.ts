/**
 * The connection budget in a ring of 12 tabs: sampled again and again while files are put and fetched, no
 * tab has more open links than its budget (2·ceil(log2 N) + r for its estimate of N), the ring stays correct,
 * every file is where it must be and can be fetched from every tab. A tab whose budget is then cut closes links
 * by agreement, and neither end takes such a close for the other peer failing.
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { estimateRingSize, linkBudget } from '../../client/net/connection-budget';
import { DEFAULT_M, DEFAULT_REPLICAS } from '../../shared/constants';
import { recordPeersDown, peersDown, transportStats } from './faults';
import { logEvent, waitFor, withSession } from './harness';
import { SETTLE_MS, expectedRing, formRing, getHash, openPeers, putRandom, ringErrors, states, waitForPlacement, type PeerState } from './ring';

const TABS = 12;
const FILES = 12;
const SAMPLE_MS = 250;
const SAMPLE_FOR_MS = 4_000;
/** r successors and r predecessors, and one link more. */
const SQUEEZED_BUDGET = 2 * DEFAULT_REPLICAS + 1;
/** A ping's answer, once its link is open (opening has a timeout of its own). */
const PING_MS = 5_000;

/** Replaces the tab's link policy by one with a fixed budget, keeping the ring's neighbours and fingers. */
function setLinkBudget(page: Page, budget: number): Promise<void> {
  return page.evaluate((budget) => {
    const transport = window.ringshare!.transport!;
    const ring = (window.dht as unknown as { node: { routing: { successors: string[]; predecessors: string[]; fingers: (string | null)[] } } }).node.routing;
    transport.setLinkPolicy({
      budget: () => budget,
      neighbours: () => new Set([...ring.successors, ...ring.predecessors]),
      fingers: () => new Set(ring.fingers.filter((f): f is string => f !== null)),
      inRing: () => true,
    });
  }, budget);
}

/**
 * Per tab, the peers neither end uses for the ring: not among its neighbours or fingers, and it not among theirs.
 * A link between them carries nothing once a test is done with it, so the trimmer may close it.
 */
async function coldPeers(pages: Page[]): Promise<string[][]> {
  const views = await Promise.all(
    pages.map((page) =>
      page.evaluate(() => {
        const ring = (window.dht as unknown as { node: { routing: { successors: string[]; predecessors: string[]; fingers: (string | null)[] } } }).node.routing;
        return { host: window.dht!.host, uses: [...ring.successors, ...ring.predecessors, ...ring.fingers.filter((f): f is string => f !== null)] };
      }),
    ),
  );
  return views.map((view) => views.filter((other) => other.host !== view.host && !view.uses.includes(other.host) && !other.uses.includes(view.host)).map((other) => other.host));
}

/** The ring size a tab reads from its true successor and predecessor lists, knowing every other tab. */
function trueRingSize(ring: PeerState[], host: string): number {
  const at = ring.findIndex((peer) => peer.host === host);
  const key = (offset: number) => BigInt(ring[(at + offset + ring.length) % ring.length]!.key);
  const r = DEFAULT_REPLICAS;
  return estimateRingSize({
    m: DEFAULT_M,
    selfKey: key(0),
    successorKeys: Array.from({ length: r }, (_, i) => key(i + 1)),
    predecessorKeys: Array.from({ length: r }, (_, i) => key(-(i + 1))),
    wrapped: false,
    known: ring.length - 1,
  });
}

async function linkSample(pages: Page[]): Promise<Array<{ links: number; budget: number | null }>> {
  return Promise.all(pages.map(async (page) => {
    const { links, budget } = await transportStats(page);
    return { links, budget };
  }));
}

/** Samples every tab's open links until `work` is done and SAMPLE_FOR_MS has passed; fails on the first tab over budget. */
async function sampleWhile(pages: Page[], work: Promise<unknown>): Promise<number> {
  let done = false;
  const finished = work.finally(() => (done = true));
  const until = Date.now() + SAMPLE_FOR_MS;
  let samples = 0;
  let over: Array<{ tab: number; links: number; budget: number | null }> = [];
  for (let round = 0; round < 1_000 && (!done || Date.now() < until) && over.length === 0; round++) {
    const sample = await linkSample(pages);
    samples++;
    over = sample.map((s, i) => ({ tab: i, ...s })).filter((s) => s.budget === null || s.links > s.budget);
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  }
  // The work's own failure, if any, is the one to report; it never outlives the test.
  await finished;
  expect(over, `tabs over their budget at sample ${samples}`).toEqual([]);
  return samples;
}

test('12 tabs stay within their connection budgets while files are put and fetched, and the ring stays correct', async () => {
  await withSession(async ({ server, browser }) => {
    const pages = await openPeers(await browser.newContext(), server.url, TABS);
    const started = Date.now();
    await formRing(pages);
    logEvent('budget-ring-formed', { ms: Date.now() - started });
    // Formation itself may leave a tab over budget for a moment: idle links go within a trim period or two.
    await waitFor(() => linkSample(pages), (s) => s.every(({ links, budget }) => budget !== null && links <= budget), {
      timeoutMs: 10_000,
      what: 'every tab within its connection budget after the ring formed',
    });

    const names = Array.from({ length: FILES }, (_, i) => `budget-${i}.bin`);
    const hashes = new Map<string, string>();
    const work = (async () => {
      for (const [i, name] of names.entries()) hashes.set(name, await putRandom(pages[(i * 5) % TABS]!, name, 2_000 + i * 7_000));
      await waitForPlacement(pages, names, SETTLE_MS.join);
      for (const [i, page] of pages.entries()) {
        const name = names[i % FILES]!;
        expect(await getHash(page, name), `${name} from tab${i}`).toBe(hashes.get(name));
      }
    })();
    const samples = await sampleWhile(pages, work);

    expect(ringErrors(await states(pages))).toEqual([]);
    const ids = (await states(pages)).map((s) => s.host);
    const stats = await Promise.all(pages.map(transportStats));
    logEvent('budget-stats', {
      samples,
      tabs: stats.map(({ links, budget, budgetClosed, linksCreated }) => ({ links, budget, budgetClosed, linksCreated })),
    });
    // N is at least the peers a tab knows (its 6 neighbours and a finger), and at most what the ring's true
    // successor and predecessor lists read as: where random ids bunch, six gaps can span an eighth of the ring
    // (0.17% of 12-tab rings put some tab's budget past linkBudget(48)), so the bound comes from the ids.
    const ring = expectedRing(await states(pages));
    for (const [i, { budget }] of stats.entries()) {
      expect(budget, `tab${i}`).toBeGreaterThanOrEqual(linkBudget(8, DEFAULT_REPLICAS));
      expect(budget, `tab${i}`).toBeLessThanOrEqual(linkBudget(trueRingSize(ring, ids[i]!), DEFAULT_REPLICAS));
    }
    // Links kept for a while stay few: no tab opened and closed connections over and over.
    for (const { linksCreated } of stats) expect(linksCreated).toBeLessThan(4 * TABS);

    // Squeezed to its 6 neighbours and one more link, a tab closes links by agreement: neither end reports the other down.
    // Only idle links are closed, and a link is idle only if neither end uses it for the ring: fix-fingers asks a
    // finger every 100 ms, so a link to a finger, or from a tab whose finger we are, is never idle for LINK_IDLE_MS.
    // How many such cold peers a tab has depends on where the random ids fall (a CI run squeezed tab0 with none
    // and timed out waiting for its closes): the test squeezes the tab with the most. It first links to every
    // other tab, with its budget lifted so nothing closes meanwhile: then it holds 11 links, 5 of them not neighbours.
    const cold = await coldPeers(pages);
    const at = cold.reduce((best, peers, i) => (peers.length > cold[best]!.length ? i : best), 0);
    const wanted = Math.min(2, cold[at]!.length);
    logEvent('budget-squeeze', { tab: at, cold: cold.map((peers) => peers.length) });
    expect(wanted, 'a tab with a peer neither end uses for the ring').toBeGreaterThanOrEqual(1);
    const squeezed = pages[at]!;
    for (const page of pages) await recordPeersDown(page);
    await setLinkBudget(squeezed, TABS);
    await squeezed.evaluate(async ({ peers, timeoutMs }) => {
      const transport = window.ringshare!.transport!;
      await Promise.all(peers.map((peer) => transport.request(peer, { body: { type: 'ping' } }, { timeoutMs })));
    }, { peers: ids.filter((_, i) => i !== at), timeoutMs: PING_MS });
    expect((await transportStats(squeezed)).links, `links of tab${at} before the squeeze`).toBeGreaterThanOrEqual(SQUEEZED_BUDGET + 2);
    const closedBefore = (await transportStats(squeezed)).budgetClosed;
    await setLinkBudget(squeezed, SQUEEZED_BUDGET);
    // It closes what is idle; what the ring keeps using stays open (never a link in use), so only the closes are waited for.
    await waitFor(() => transportStats(squeezed), (s) => s.budgetClosed >= closedBefore + wanted, { timeoutMs: 10_000, what: `tab${at} to close ${wanted} links for its budget` });
    expect(await peersDown(squeezed)).toEqual([]);
    for (const [i, page] of pages.entries()) expect(await peersDown(page), `tab${i} about tab${at}`).not.toContain(ids[at]);
    expect(ringErrors(await states(pages))).toEqual([]);
    expect(await getHash(squeezed, names[1]!)).toBe(hashes.get(names[1]!));
  });
});
