/** A transfer's speed over its last few seconds, and the time left at that speed. Pure: the clock is passed in. */

/** Speed is measured over this much of the recent past: long enough to smooth chunk bursts, short enough to follow a change. */
export const RATE_WINDOW_MS = 3000;

export interface Rate {
  /** Null until two reports some time apart. */
  bytesPerSecond: number | null;
  secondsLeft: number | null;
}

export interface RateMeter {
  sample(done: number, total: number): Rate;
}

export function createRateMeter(now: () => number): RateMeter {
  const samples: Array<{ at: number; done: number }> = [];
  return {
    sample(done, total) {
      const at = now();
      // A transfer that starts over (a newer version found) measures afresh.
      if (samples.length > 0 && done < samples[samples.length - 1]!.done) samples.length = 0;
      samples.push({ at, done });
      while (samples.length > 2 && at - samples[0]!.at > RATE_WINDOW_MS) samples.shift();
      const first = samples[0]!;
      const seconds = (at - first.at) / 1000;
      if (seconds <= 0) return { bytesPerSecond: null, secondsLeft: null };
      const bytesPerSecond = (done - first.done) / seconds;
      return { bytesPerSecond, secondsLeft: bytesPerSecond > 0 ? Math.max(0, total - done) / bytesPerSecond : null };
    },
  };
}
