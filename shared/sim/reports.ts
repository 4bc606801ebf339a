/**
 * What the simulation's operations report (failed joins, puts and gets, lookup hops), and the helpers that
 * read a whole file back through a node and judge it, and the lookup measurement, kept apart from the ring-driving Simulation.
 */
import type { ChordNode } from '../ring/node';
import { summarize, type LivePeer, type RingView } from './checks';
import type { Rng } from './rng';

export interface GetReport {
  checked: number;
  /** Files a get returned null for. */
  missing: string[];
  /** Files whose bytes differed from what was put. */
  corrupt: string[];
  /** Files whose get failed with an error. */
  failed: Failure[];
}

export interface LookupReport {
  samples: number;
  mean: number;
  p99: number;
  max: number;
  /** Lookups that named someone other than the true owner, or failed. */
  wrong: number;
}

/** An operation that failed: on what (a file name or an address), its error code and message. */
export interface Failure {
  what: string;
  code?: string;
  message: string;
}


/**
 * Lookups of random keys, run at once: `samples` from random live peers, or with `fromEvery` that many from
 * each live peer. Reports hops and whether each found the true owner.
 */
export async function measureLookups(view: RingView, rng: Rng, m: number, samples: number, fromEvery: boolean): Promise<LookupReport> {
  const origins = fromEvery ? view.peers.flatMap((p) => Array<LivePeer>(samples).fill(p)) : Array.from({ length: samples }, () => rng.pick(view.peers));
  const hops: number[] = [];
  let wrong = 0;
  const lookups = origins.map(async (from) => {
    const key = rng.bigint(m);
    try {
      const found = await from.node.lookup(key);
      hops.push(found.hops);
      if (found.owner !== view.ownerOf(key).address) wrong++;
    } catch {
      wrong++;
    }
  });
  await Promise.all(lookups);
  return { samples: origins.length, ...summarize(hops), wrong };
}

/** A file read whole through `node`, chunk by chunk; null when the ring says no such file. */
export async function readWhole(node: ChordNode, name: string): Promise<Uint8Array | null> {
  const parts = new Map<number, Uint8Array>();
  const meta = await node.get(name, (index, data) => void parts.set(index, new Uint8Array(data)));
  if (!meta) return null;
  if (parts.size !== meta.chunks) throw new Error(`get of ${name} resolved with ${parts.size} of ${meta.chunks} chunks`);
  const out = new Uint8Array(meta.size);
  for (const [index, data] of parts) out.set(data, index * meta.chunkSize);
  return out;
}

export function failure(what: string, err: unknown): Failure {
  const code = (err as { code?: unknown } | null)?.code;
  return { what, code: typeof code === 'string' ? code : undefined, message: err instanceof Error ? err.message : String(err) };
}

export function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
