/**
 * Repairs (transfers that make a copy) waiting for a slot, riskiest first. A node starts at most `total` at once
 * and at most `perLink` to any one peer, so a busy node does not start more than it can finish and one slow
 * peer holds up no other. Among repairs of equal risk the oldest goes first, except that large and small files
 * take turns: oldest-first alone left a 200-chunk repair queued behind 150 small ones of the same owner until
 * the last of them was done (simulator, sim-repair-resume). Small files that ride in their offer have a queue
 * of their own.
 */
import { QUOTA_BACKOFF_MAX_MS, QUOTA_BACKOFF_MS } from '../../constants';
import type { Address, Clock } from '../types';

export interface RepairJob {
  /** The peer the copy is made on. */
  peer: Address;
  /** Read when a slot frees: higher is more at risk (copies known missing). */
  risk(): number;
  /** Chunks the copy moves: a repair of more than LARGE_REPAIR_CHUNKS takes turns with smaller ones. */
  chunks: number;
  run(): Promise<void>;
}

/** Chunks above which a repair counts as large (4 MiB at the default chunk size). */
export const LARGE_REPAIR_CHUNKS = 16;

const isLarge = (job: RepairJob) => job.chunks > LARGE_REPAIR_CHUNKS;

interface Waiting {
  job: RepairJob;
  seq: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class RepairQueue {
  private readonly waiting: Waiting[] = [];
  private readonly perPeer = new Map<Address, number>();
  private running = 0;
  private seq = 0;
  /** Whether the last job started was large: the next pick prefers the other kind when both wait. */
  private lastLarge = false;

  constructor(
    private readonly total: number,
    private readonly perLink: number,
  ) {}

  /** Repairs waiting or running now. */
  get size(): number {
    return this.waiting.length + this.running;
  }

  /** Runs `job` once a slot is free and no riskier job waits for one; settles as the job does. */
  add(job: RepairJob): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ job, seq: this.seq++, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.total) {
      const next = this.pick();
      if (next === undefined) return;
      this.start(this.waiting.splice(next, 1)[0]!);
    }
  }

  /**
   * Index of the riskiest waiting job whose peer has a free slot; among equal risk, the oldest of the kind
   * (large or small) that did not start last, else the oldest.
   */
  private pick(): number | undefined {
    let best: number | undefined;
    let bestRisk = -Infinity;
    const rank = (w: Waiting) => (isLarge(w.job) !== this.lastLarge ? 0 : 1);
    for (let i = 0; i < this.waiting.length; i++) {
      const w = this.waiting[i]!;
      if ((this.perPeer.get(w.job.peer) ?? 0) >= this.perLink) continue;
      const risk = w.job.risk();
      const held = best === undefined ? undefined : this.waiting[best]!;
      if (risk > bestRisk || (risk === bestRisk && (rank(w) < rank(held!) || (rank(w) === rank(held!) && w.seq < held!.seq)))) {
        best = i;
        bestRisk = risk;
      }
    }
    return best;
  }

  private start(w: Waiting): void {
    const { peer } = w.job;
    this.lastLarge = isLarge(w.job);
    this.running++;
    this.perPeer.set(peer, (this.perPeer.get(peer) ?? 0) + 1);
    void w.job
      .run()
      .then(w.resolve, w.reject)
      .finally(() => {
        this.running--;
        const left = (this.perPeer.get(peer) ?? 1) - 1;
        if (left === 0) this.perPeer.delete(peer);
        else this.perPeer.set(peer, left);
        this.pump();
      });
  }
}

/**
 * Copies a peer refused for lack of space ('quota-exceeded'), by peer and version: not offered again until a
 * backoff that doubles with each refusal (../shared/repro/offer-flood.mts: a full backup was sent the same
 * file every round, 2,650 chunk requests in 20 s).
 */
export class QuotaBackoff {
  private readonly refused = new Map<string, { until: number; delayMs: number }>();

  constructor(private readonly clock: Clock) {}

  /** Whether a copy of `root` on `peer` waits out a backoff now. */
  waiting(peer: Address, root: string): boolean {
    const b = this.refused.get(`${peer}:${root}`);
    return b !== undefined && b.until > this.clock.now();
  }

  /** Records how the copy went: a quota refusal doubles the backoff, anything else ends it. */
  settled(peer: Address, root: string, code: string | undefined): void {
    const key = `${peer}:${root}`;
    if (code !== 'quota-exceeded') {
      this.refused.delete(key);
      return;
    }
    const delayMs = Math.min(QUOTA_BACKOFF_MAX_MS, (this.refused.get(key)?.delayMs ?? QUOTA_BACKOFF_MS / 2) * 2);
    this.refused.set(key, { until: this.clock.now() + delayMs, delayMs });
  }
}
