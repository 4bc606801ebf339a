/** Ring-level helpers for end-to-end tests: tabs as ring peers, their state, and where files should be. */
import { createHash } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { DEFAULT_M, DEFAULT_REPLICAS } from '../../shared/constants';
import { hashKey } from '../../shared/ring/id';
import { logEvent, openTab, waitFor } from './harness';

export interface PeerState {
  host: string;
  key: string;
  successor: string;
  predecessor: string;
  joined: boolean;
  files: string[];
  backUpFiles: string[];
}

/** Settling limits from the seed's own grader, with room for a loaded 2-core machine. */
export const SETTLE_MS = { join: 10_000, put: 5_000, leave: 10_000, crash: 15_000 };

/**
 * What the ring helpers need of a tab: running a function in it. A Playwright Page is one; a tab of another
 * engine (Firefox through puppeteer, see firefox.ts) is adapted to it, so one ring can mix engines.
 */
export interface InPage {
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}

export function sha256(bytes: Uint8Array | Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function state(page: InPage): Promise<PeerState> {
  return page.evaluate(() => {
    const d = window.dht!;
    return {
      host: d.host,
      key: String(d.key),
      successor: d.successor,
      predecessor: d.predecessor,
      joined: d.joined,
      files: [...d.files],
      backUpFiles: [...d.backUpFiles],
    };
  });
}

export function states(pages: InPage[]): Promise<PeerState[]> {
  return Promise.all(pages.map(state));
}

/**
 * A new tab's id costs its puzzle, 2^13 hashes on average on the page's main thread (shared/trust/peer-id.ts):
 * 0.2-0.35 s alone, but the count is geometric (1 tab in 150 needs over five times the average) and the churn
 * test opens ten tabs in five browsers at once on two cores, where a CI run's tab had no id after 15 s.
 */
const PEER_ID_MS = 45_000;
/** An id that took longer than this is logged, with how long it took. */
const SLOW_PEER_ID_MS = 5_000;

/**
 * Opens a tab that waits to be told whom to join (`?join=manual`), and waits until it has its id. `slot` is
 * the peer-key slot its sessionStorage starts with (client/identity/peer-key), as a duplicated tab has its
 * original's; ids themselves cannot be chosen. `query` adds page options (`replicas=1`).
 */
export async function openPeer(context: BrowserContext, baseUrl: string, name: string, slot?: string, query = ''): Promise<Page> {
  if (slot) await context.addInitScript((kept) => sessionStorage.setItem('ringshare.peerKeySlot', kept), slot);
  const page = await openTab(context, `${baseUrl}/?join=manual${query ? `&${query}` : ''}`, name);
  const started = Date.now();
  await waitFor(page, () => Boolean(window.dht?.host), { timeoutMs: PEER_ID_MS, what: `${name} to get a peer id` });
  const ms = Date.now() - started;
  if (ms > SLOW_PEER_ID_MS) logEvent('slow-peer-id', { tab: name, ms });
  return page;
}

/** `count` manual-join tabs in one context, named tab0, tab1, ... */
export async function openPeers(context: BrowserContext, baseUrl: string, count: number, query = ''): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) pages.push(await openPeer(context, baseUrl, `tab${i}`, undefined, query));
  return pages;
}

export async function join(page: InPage, via: string): Promise<void> {
  await page.evaluate((address) => window.dht!.join(address), via);
}

/** The peers in ring order, and for each its neighbours as the sorted keys say they must be. */
export function expectedRing(peers: PeerState[]): PeerState[] {
  return [...peers].sort((a, b) => (BigInt(a.key) < BigInt(b.key) ? -1 : BigInt(a.key) > BigInt(b.key) ? 1 : 0));
}

/** Mismatches between each peer's pointers and the ring sorted by key; empty when the ring is right. */
export function ringErrors(peers: PeerState[]): string[] {
  const ring = expectedRing(peers);
  const errors: string[] = [];
  ring.forEach((peer, i) => {
    const succ = ring[(i + 1) % ring.length]!.host;
    const pred = ring[(i - 1 + ring.length) % ring.length]!.host;
    if (!peer.joined) errors.push(`${peer.host} not joined`);
    if (peer.successor !== succ) errors.push(`${peer.host}: successor ${peer.successor}, expected ${succ}`);
    if (peer.predecessor !== pred) errors.push(`${peer.host}: predecessor ${peer.predecessor}, expected ${pred}`);
  });
  return errors;
}

/** Errors a placement timeout names. */
const PLACEMENT_ERRORS_SHOWN = 20;

/** The hosts that should hold `name` in `ring` (sorted by key, as expectedRing gives): its owner, then r - 1 backups. */
export function replicaHosts(ring: PeerState[], name: string, r = DEFAULT_REPLICAS): string[] {
  const key = hashKey(name, DEFAULT_M);
  const owner = Math.max(0, ring.findIndex((p) => BigInt(p.key) >= key));
  return Array.from({ length: Math.min(r, ring.length) }, (_, i) => ring[(owner + i) % ring.length]!.host);
}

/** Where each file is against where it must be: the owner's files and the next r - 1 peers' backups, nowhere else. */
export function placementErrors(peers: PeerState[], names: string[], r = DEFAULT_REPLICAS): string[] {
  const ring = expectedRing(peers);
  const errors: string[] = [];
  for (const name of names) {
    const [owner, ...rest] = replicaHosts(ring, name, r);
    const backups = new Set(rest);
    for (const peer of ring) {
      const owns = peer.files.includes(name);
      const backs = peer.backUpFiles.includes(name);
      if (peer.host === owner && !owns) errors.push(`${name}: owner ${owner} lacks it`);
      if (peer.host !== owner && owns) errors.push(`${name}: ${peer.host} owns it, owner is ${owner}`);
      if (backups.has(peer.host) && !backs) errors.push(`${name}: backup ${peer.host} lacks it`);
      if (!backups.has(peer.host) && backs) errors.push(`${name}: ${peer.host} holds a stray backup`);
    }
  }
  return errors;
}

/** Waits until the pointers of all `pages` form the ring sorted by key. */
export function waitForRing(pages: InPage[], timeoutMs = SETTLE_MS.join): Promise<PeerState[]> {
  return waitFor(() => states(pages), (s) => ringErrors(s).length === 0, { timeoutMs, what: 'successor/predecessor pointers to match the ring sorted by key' });
}

export async function waitForPlacement(pages: InPage[], names: string[], timeoutMs: number): Promise<PeerState[]> {
  const what = `every file on its owner plus ${DEFAULT_REPLICAS - 1} backups`;
  try {
    return await waitFor(() => states(pages), (s) => ringErrors(s).length === 0 && placementErrors(s, names).length === 0, { timeoutMs, what });
  } catch (err) {
    // The whole state is too long to read in a log: name what is wrong instead, first things first.
    const last = await states(pages).catch(() => null);
    if (!last) throw err;
    const errors = [...ringErrors(last), ...placementErrors(last, names)];
    // Each peer in key order as `host<pred|succ>` (8 characters each): enough to see a ring that does not close.
    const ring = expectedRing(last).map((p) => `${p.host.slice(0, 8)}<${p.predecessor.slice(0, 8)}|${p.successor.slice(0, 8)}>${p.joined ? '' : '(not joined)'}`);
    throw new Error(
      `timed out after ${timeoutMs} ms waiting for ${what}: ${errors.length} errors, the first ${PLACEMENT_ERRORS_SHOWN}: ${errors.slice(0, PLACEMENT_ERRORS_SHOWN).join('; ')}; the ring: ${ring.join(' ')}`,
    );
  }
}

/**
 * The tab with the most of what `weigh` counts (by default every file and backup it holds), with its state.
 * Peer ids are random, so a fixed tab can hold nothing: with 4 tabs, 12 files and 3 copies, the tab whose
 * successor's arc covers every file's key holds none (about 0.1-0.4% of runs for link-faults' names; a CI run
 * saw its tab 1 hold nothing, for a reason not yet found).
 */
export async function busiest(pages: Page[], weigh = (s: PeerState) => s.files.length + s.backUpFiles.length): Promise<{ page: Page; state: PeerState }> {
  const all = await states(pages);
  const at = all.reduce((best, s, i) => (weigh(s) > weigh(all[best]!) ? i : best), 0);
  return { page: pages[at]!, state: all[at]! };
}

/** Builds a ring of the given tabs, joined one at a time through the first. */
export async function formRing(pages: InPage[]): Promise<PeerState[]> {
  const [first, ...rest] = pages;
  await join(first!, '');
  const via = (await state(first!)).host;
  for (const page of rest) await join(page, via);
  return waitForRing(pages);
}

/** Random bytes put from `page` under `name`; returns their SHA-256. */
export async function putRandom(page: InPage, name: string, size: number): Promise<string> {
  return page.evaluate(
    async ({ name, size }) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
      await window.dht!.put(name, bytes);
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    },
    { name, size },
  );
}

/** SHA-256 of the file `page` gets from the ring, or null when the ring says there is no such file. */
export async function getHash(page: InPage, name: string): Promise<string | null> {
  return page.evaluate(async (name) => {
    const blob = await window.dht!.get(name);
    if (!blob) return null;
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }, name);
}
