/**
 * Tabs as peers that come and go, for the churn run (churn.test.ts) and the soak (soak/run.ts): opening them,
 * each crashable one in a browser of its own, joining them back, freezing them, and reading files back.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { Rng } from '../../shared/sim/rng';
import { launchCrashableBrowser, launchProfile, waitFor } from '../e2e/harness';
import { freeze } from '../e2e/lifecycle';
import { getHash, join, openPeer, putRandom, state } from '../e2e/ring';

/** How a peer goes down in a churn schedule. */
export type Action = 'crash' | 'close' | 'reload' | 'freeze';

export interface Peer {
  name: string;
  page: Page;
  host: string;
  /** Kills the peer's own browser process; only for crashable peers. */
  kill?: () => void;
}

/** Paces a schedule (an event every few seconds); every wait for an outcome is a polled condition with a deadline. */
export function pace(until: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now())));
}

/**
 * Opens tabs at `url`: normal ones in one shared profile on disk (the soak's dozen tabs hold over a gigabyte, past
 * what an off-the-record context keeps in memory), crashable ones each in a browser; all closed by `defer`.
 */
export function tabOpener(opts: { url: string; defer: (cleanup: () => unknown) => void }) {
  let context: BrowserContext | undefined;
  let opened = 0;
  return {
    async normal(): Promise<Peer> {
      context ??= await launchProfile(opts.defer);
      const name = `tab${opened++}`;
      const page = await openPeer(context, opts.url, name);
      return { name, page, host: (await state(page)).host };
    },
    async crashable(): Promise<Peer> {
      const crashable = await launchCrashableBrowser();
      opts.defer(() => crashable.close().catch(() => undefined));
      const name = `crashable${opened++}`;
      const page = await openPeer(await crashable.browser.newContext(), opts.url, name);
      return { name, page, host: (await state(page)).host, kill: crashable.kill };
    },
  };
}

/**
 * The next event of a churn schedule: the action next in `rotation` (by the events made so far, so a skipped
 * tick does not skip an action) and its victim, a random live peer (a crash takes a crashable one; with none
 * left it is a close). The victim leaves `live` and the event is counted in `events`.
 */
export function nextEvent(rotation: readonly Action[], events: Record<Action, number>, live: Set<Peer>, rng: Rng): { action: Action; victim: Peer } {
  let action = rotation[Object.values(events).reduce((a, b) => a + b, 0) % rotation.length]!;
  const crashable = [...live].filter((p) => p.kill);
  if (action === 'crash' && crashable.length === 0) action = 'close';
  const victim = rng.pick(action === 'crash' ? crashable : [...live]);
  live.delete(victim);
  events[action]++;
  return { action, victim };
}

/** What the churn's puts and gets came to; a get that returned other bytes is also named in `wrong`. */
export interface Workload {
  putsAttempted: number;
  putsFailed: number;
  getsAttempted: number;
  getsFailed: number;
  getsWrong: number;
  wrong: string[];
}

/**
 * `loops` loops of work beside a churn while `going()` (and for at most `rounds` each): from a random live peer,
 * 40 % puts of 1 to `maxKiB` KiB of random bytes (each stored one added to `stored`, name to SHA-256), the rest
 * gets of a stored file checked against its hash.
 */
export function churnWork(opts: {
  loops: number;
  rounds: number;
  prefix: string;
  maxKiB: number;
  rng: Rng;
  livePeer: () => Peer;
  stored: Map<string, string>;
  going: () => boolean;
}): { done: Promise<void>; counts: Workload } {
  const { rng, stored } = opts;
  const counts: Workload = { putsAttempted: 0, putsFailed: 0, getsAttempted: 0, getsFailed: 0, getsWrong: 0, wrong: [] };
  const loops = Array.from({ length: opts.loops }, async (_, w) => {
    for (let n = 0; opts.going() && n < opts.rounds; n++) {
      const peer = opts.livePeer();
      if (rng.chance(0.4)) {
        const name = `${opts.prefix}-${w}-${n}.bin`;
        counts.putsAttempted++;
        try {
          stored.set(name, await putRandom(peer.page, name, rng.int(1, opts.maxKiB) * 1024));
        } catch {
          counts.putsFailed++;
        }
      } else {
        const name = rng.pick([...stored.keys()]);
        counts.getsAttempted++;
        const hash = await getHash(peer.page, name).catch(() => undefined);
        if (hash === undefined || hash === null) counts.getsFailed++;
        else if (hash !== stored.get(name)) {
          counts.getsWrong++;
          counts.wrong.push(`${name} from ${peer.host}`);
        }
      }
    }
  });
  return { done: Promise.all(loops).then(() => undefined), counts };
}

/** Runs `work` on every item, at most `lanes` at a time, in the items' order; resolves to the results in that order. */
export async function inLanes<T, R>(items: readonly T[], lanes: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await work(items[i]!);
    }),
  );
  return out;
}

/** Joins `peer` through a peer `via` picks; the one asked may go down meanwhile, so up to three are tried. */
export async function rejoin(peer: Peer, via: () => Peer): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await join(peer.page, via().host);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** Freezes the tab for `ms`, thaws it, and waits until it is back in a ring by itself, as the same peer. */
export async function sleepFor(peer: Peer, ms: number): Promise<void> {
  const sleeper = await freeze(peer.page);
  await pace(Date.now() + ms);
  await sleeper.thaw();
  await waitFor(peer.page, () => window.dht?.joined && !!window.dht.successor, { timeoutMs: 15_000, what: `${peer.name} back after its freeze` });
}

/** SHA-256 of each named file as `page` gets it from the ring, `parallel` at a time; null for no file, 'error: ...' for a failed get. */
export function hashesFrom(page: Page, names: string[], parallel: number): Promise<Array<string | null>> {
  return page.evaluate(
    async ({ names, parallel }) => {
      const out: Array<string | null> = new Array(names.length);
      let next = 0;
      // No named function in here: tsx (esbuild) would wrap it in a __name helper the page does not have.
      const lanes = Array.from({ length: parallel }, async () => {
        for (let i = next++; i < names.length; i = next++) {
          try {
            const blob = await window.dht!.get(names[i]!);
            const digest = blob ? await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()) : null;
            out[i] = digest ? [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') : null;
          } catch (err) {
            out[i] = `error: ${(err as Error).message}`;
          }
        }
      });
      await Promise.all(lanes);
      return out;
    },
    { names, parallel },
  );
}

/** What a tab's ring node believes, for a diagnosis: its neighbours, and the role it gives each of `names`. */
export interface RoutingView {
  host: string;
  predecessor: string | null;
  predecessors: string[];
  successors: string[];
  roles: Record<string, string>;
}

export function routingView(page: Page, names: string[]): Promise<RoutingView> {
  return page.evaluate((names) => {
    type Node = { routing: { predecessor: string | null; predecessors: string[]; successors: string[]; roleOf(key: bigint): string } };
    const dht = window.dht!;
    const { routing } = (dht as unknown as { node: Node }).node;
    const key = (name: string) => BigInt(dht.hasher(name));
    return {
      host: dht.host,
      predecessor: routing.predecessor,
      predecessors: [...routing.predecessors],
      successors: [...routing.successors],
      roles: Object.fromEntries(names.map((name) => [name, routing.roleOf(key(name))])),
    };
  }, names);
}
