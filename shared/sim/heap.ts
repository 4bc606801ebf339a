/**
 * The simulator's heap: tuned for its allocation pattern, and watched for the peak a run reaches.
 *
 * A thousand simulated peers keep a large old generation alive while every message allocates short-lived
 * promises and copies; with V8's default 16 MiB semi-spaces those survive into the old generation and the
 * collector took a third of the run. 64 MiB semi-spaces measured 1.5x faster at 1,000 peers. Only the
 * collector's tuning changes, never a result.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** Wall-clock ms between heap samples: a run's peak lasts seconds, and a sample costs about a microsecond. */
const HEAP_SAMPLE_MS = 50;

let tuned = false;

export function tuneHeapForSimulation(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--max-semi-space-size=64');
}

/**
 * The largest V8 heap in use seen while it runs, sampled on a real (unref'd) timer: a virtual timer would
 * change the simulation's own queue, and the event loop reaches real timers between the clock's instants.
 */
export class HeapWatch {
  private peakBytes = getHeapStatistics().used_heap_size;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor() {
    this.timer = setInterval(() => this.sample(), HEAP_SAMPLE_MS);
    this.timer.unref();
  }

  sample(): void {
    const used = getHeapStatistics().used_heap_size;
    if (used > this.peakBytes) this.peakBytes = used;
  }

  /** Stops sampling and returns the peak in MiB (one decimal). */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return Math.round((this.peakBytes / 2 ** 20) * 10) / 10;
  }
}
