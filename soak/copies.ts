/**
 * What the soak learns from its samples of the live tabs' files: how long each file sat at a single copy (one
 * crash from lost), and how long the ring took after each crash until every file had its r copies again.
 */

export interface Sample {
  atMs: number;
  /** Copies of each stored file among the live tabs (owner and backups alike). */
  copies: Map<string, number>;
}

export class CopyTracker {
  /** Total ms each file has spent at one copy, and the start of the episode it is in now. */
  private readonly oneCopyMs = new Map<string, number>();
  private readonly since = new Map<string, number>();
  private readonly longest = new Map<string, number>();
  private readonly crashes: Array<{ atMs: number; repairedMs?: number }> = [];
  private last: number | undefined;

  constructor(private readonly r: number) {}

  crashed(atMs: number): void {
    this.crashes.push({ atMs });
  }

  /** A sample: time between two samples counts for the state seen at the later one (resolution: the sample period). */
  add(sample: Sample, names: Iterable<string>): { underReplicated: number; oneCopy: number; noCopy: number } {
    const step = this.last === undefined ? 0 : sample.atMs - this.last;
    this.last = sample.atMs;
    let underReplicated = 0;
    let oneCopy = 0;
    let noCopy = 0;
    for (const name of names) {
      const copies = sample.copies.get(name) ?? 0;
      if (copies < this.r) underReplicated++;
      if (copies === 0) noCopy++;
      if (copies === 1) {
        oneCopy++;
        this.oneCopyMs.set(name, (this.oneCopyMs.get(name) ?? 0) + step);
        const start = this.since.get(name) ?? sample.atMs - step;
        this.since.set(name, start);
        this.longest.set(name, Math.max(this.longest.get(name) ?? 0, sample.atMs - start));
      } else {
        this.since.delete(name);
      }
    }
    if (underReplicated === 0) for (const crash of this.crashes) crash.repairedMs ??= sample.atMs - crash.atMs;
    return { underReplicated, oneCopy, noCopy };
  }

  /** Per file over `names`: total ms at one copy; and the longest single stretch of any file. */
  oneCopy(names: readonly string[]): { totalMs: number[]; longestMs: number; files: number } {
    return {
      totalMs: names.map((name) => this.oneCopyMs.get(name) ?? 0),
      longestMs: Math.max(0, ...this.longest.values()),
      files: [...this.oneCopyMs.values()].filter((ms) => ms > 0).length,
    };
  }

  /** Ms from each crash until a sample saw every file at r copies (undefined: never, before the soak ended). */
  repairs(): Array<number | undefined> {
    return this.crashes.map((c) => c.repairedMs);
  }
}
