/**
 * A thousand simulated peers keep a large old generation alive while every message allocates short-lived
 * promises and copies; with V8's default 16 MiB semi-spaces those survive into the old generation and the
 * collector took a third of the run. 64 MiB semi-spaces measured 1.5x faster at 1,000 peers. Only the
 * collector's tuning changes, never a result.
 */
import { setFlagsFromString } from 'node:v8';

let tuned = false;

export function tuneHeapForSimulation(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--max-semi-space-size=64');
}
