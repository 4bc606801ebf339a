/** Waiting on an injected clock, so the simulator's virtual time drives every timeout. */
import { RingError } from './errors';
import type { Clock } from './types';

/** Rejects with a 'timeout' RingError if `work` has not settled after `ms`, or 'aborted' when `signal` fires. */
export function withTimeout<T>(clock: Clock, ms: number, what: string, work: Promise<T>, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(new RingError('aborted', `${what}: aborted`));
    const onAbort = () => finish(() => reject(new RingError('aborted', `${what}: aborted`)));
    const timer = clock.setTimeout(() => finish(() => reject(new RingError('timeout', `${what}: no answer in ${ms} ms`))), ms);
    let done = false;
    function finish(settle: () => void) {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    }
    signal?.addEventListener('abort', onAbort);
    work.then(
      (value) => finish(() => resolve(value)),
      (err: unknown) => finish(() => reject(err)),
    );
  });
}

/** Runs `task` every `periodMs` (with ±10% jitter so peers do not fall into step) until `stop` is called; never overlaps itself. */
export function every(clock: Clock, periodMs: number, random: () => number, task: () => Promise<void>): () => void {
  let stopped = false;
  let handle: unknown;
  const schedule = () => {
    if (stopped) return;
    handle = clock.setTimeout(run, periodMs * (0.9 + 0.2 * random()));
  };
  const run = () => {
    task().catch(() => undefined).finally(schedule);
  };
  schedule();
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}

/** Resolves after `ms` of the clock's time; rejects with 'aborted' when `signal` fires first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return withTimeout(clock, ms, 'sleep', new Promise<never>(() => undefined), signal).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'timeout') return;
    throw err;
  });
}
