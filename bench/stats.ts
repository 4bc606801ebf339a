/** Summaries of repeated measurements. */

/** The value at quantile `q` by nearest rank (q = 0.5 is the lower median of an even sample). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

/** Median of repeated runs; the mean of the middle two for an even count, so two runs give their midpoint. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Decimal megabytes per second, the unit throughput is reported in. */
export function megabytesPerSecond(bytes: number, ms: number): number {
  if (!(ms > 0)) throw new RangeError(`a transfer needs a positive duration, got ${ms} ms`);
  return bytes / 1e6 / (ms / 1000);
}

export function round(x: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(x * scale) / scale;
}
