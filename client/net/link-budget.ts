/**
 * How many connections other peers may make us build. Every offer or connection request costs a new
 * RTCPeerConnection, and Chromium refuses new ones after about 500 in a page's lifetime: without a budget,
 * one peer replaying offers (or many ids doing it together) could leave this tab unable to connect to anyone.
 * Token buckets: one per peer, with a burst for a peer that reloads or reconnects a few times, and one for all
 * peers together, wide enough for a whole ring connecting to a newcomer at once.
 */
import type { Address } from '../../shared/ring/types';

export const PEER_BURST = 6;
export const PEER_REFILL_MS = 2000;
export const TOTAL_BURST = 40;
export const TOTAL_REFILL_MS = 500;
/** Peers tracked at once; buckets that are full again carry no information and are the first forgotten. */
const MAX_TRACKED = 1024;

class Bucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  available(now: number): number {
    const earned = Math.floor((now - this.at) / this.refillMs);
    if (earned > 0) {
      this.tokens = Math.min(this.burst, this.tokens + earned);
      this.at += earned * this.refillMs;
    }
    return this.tokens;
  }

  full(now: number): boolean {
    return this.available(now) >= this.burst;
  }

  spend(): void {
    this.tokens -= 1;
  }
}

export class LinkBudget {
  private readonly peers = new Map<Address, Bucket>();
  private readonly total: Bucket;

  constructor(private readonly now: () => number = () => Date.now()) {
    this.total = new Bucket(TOTAL_BURST, TOTAL_REFILL_MS, now());
  }

  /** Spends one connection of `peer`'s budget and of the total; false when either is used up. */
  take(peer: Address): boolean {
    const now = this.now();
    const bucket = this.peers.get(peer) ?? new Bucket(PEER_BURST, PEER_REFILL_MS, now);
    this.peers.delete(peer); // re-inserted last: the map stays in order of use
    if (this.peers.size >= MAX_TRACKED) this.forget(now);
    this.peers.set(peer, bucket);
    if (bucket.available(now) < 1 || this.total.available(now) < 1) return false;
    bucket.spend();
    this.total.spend();
    return true;
  }

  private forget(now: number): void {
    for (const [peer, bucket] of this.peers) if (bucket.full(now)) this.peers.delete(peer);
    // Every tracked peer is still spending: the least recently seen go first.
    for (const peer of this.peers.keys()) {
      if (this.peers.size < MAX_TRACKED) break;
      this.peers.delete(peer);
    }
  }
}
