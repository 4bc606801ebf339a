/**
 * Which digests a peer has sent us before. A digest from a peer that is moving files about (it dropped or
 * gained copies we counted on) makes us check it again (Replication's `forget`); the same digest again says
 * nothing new. Forgetting on every digest made an owner and its backup re-digest each other every
 * maintenance round, forever: a third of all requests in a quiet 64-peer ring (8.5 of 25.6 per peer per second).
 */
import type { Address } from '../types';
import type { DigestEntry } from '../../wire/peer';

/** Senders remembered; the oldest is forgotten first (a node's digests come from its few neighbours, and relocations). */
const SENDERS = 64;
/** Digests remembered per sender: one per batch of what it backs up for us, and a few of its relocations. */
const DIGESTS_PER_SENDER = 32;

export class DigestMemory {
  private readonly seen = new Map<Address, Set<number>>();

  /** Remembers `entries` from `from`; true unless it sent exactly these entries before. */
  isNew(from: Address, entries: readonly DigestEntry[]): boolean {
    const print = fingerprint(entries);
    let prints = this.seen.get(from);
    if (prints?.has(print)) return false;
    if (!prints) {
      if (this.seen.size >= SENDERS) this.seen.delete(this.seen.keys().next().value!);
      this.seen.set(from, (prints = new Set()));
    }
    if (prints.size >= DIGESTS_PER_SENDER) prints.delete(prints.values().next().value!);
    prints.add(print);
    return true;
  }

  /**
   * Forgets what `from` sent: it lacked files we hold, so what it holds changed since; the next digest it
   * sends, even one it sent before (a relocation dropping the same file again), is news again.
   */
  clear(from: Address): void {
    this.seen.delete(from);
  }
}

/**
 * Two 32-bit FNV-1a hashes (of different offsets) of every field of every entry, in order, as one number of 53
 * bits: a collision would only delay a re-check until the next resync round (RingConfig.resyncRounds).
 */
function fingerprint(entries: readonly DigestEntry[]): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  const mix = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
    }
    a = Math.imul(a ^ 0x1f, 0x01000193);
    b = Math.imul(b ^ 0x1f, 0x01000193);
  };
  for (const e of entries) {
    mix(e.name);
    mix(e.root);
    mix(e.writer ?? '');
    mix(e.version === undefined ? '' : String(e.version));
    mix(e.deleted === true ? 'd' : '');
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
