/** Timeouts, sleeps and periodic tasks on an injected clock. */
import { describe, expect, it } from 'vitest';
import { every, sleep, withTimeout } from '../../shared/ring/timers';
import { SimClock } from '../../shared/sim/clock';

describe('withTimeout', () => {
  it('passes on the result or failure of work that settles in time, and leaves no timer behind', async () => {
    const clock = new SimClock();
    expect(await withTimeout(clock, 100, 'work', Promise.resolve(7))).toBe(7);
    await expect(withTimeout(clock, 100, 'work', Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(clock.pending).toBe(0);
  });

  it("rejects with 'timeout' once the clock passes the limit, and with 'aborted' when the signal fires", async () => {
    const clock = new SimClock();
    const never = new Promise<never>(() => undefined);
    const slow = withTimeout(clock, 100, 'slow work', never);
    slow.catch(() => undefined);
    await clock.runFor(99);
    await clock.settle();
    let settled = false;
    void slow.finally(() => (settled = true)).catch(() => undefined);
    await clock.settle();
    expect(settled).toBe(false);
    await clock.runFor(1);
    await expect(slow).rejects.toMatchObject({ code: 'timeout', message: 'slow work: no answer in 100 ms' });
    const controller = new AbortController();
    const cancelled = withTimeout(clock, 100, 'work', never, controller.signal);
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'aborted' });
    expect(clock.pending).toBe(0);
    await expect(withTimeout(clock, 100, 'work', never, AbortSignal.abort())).rejects.toMatchObject({ code: 'aborted' });
  });
});

describe('sleep', () => {
  it('resolves after its time and rejects when aborted', async () => {
    const clock = new SimClock();
    const slept = clock.drive(sleep(clock, 50), 1000);
    await expect(slept).resolves.toBeUndefined();
    expect(clock.now()).toBe(50);
    const controller = new AbortController();
    const cut = sleep(clock, 50, controller.signal);
    controller.abort();
    await expect(cut).rejects.toMatchObject({ code: 'aborted' });
  });
});

describe('every', () => {
  it('runs a task every period within ±10%, never overlapping itself, until stopped', async () => {
    const clock = new SimClock();
    const starts: number[] = [];
    let running = 0;
    let overlapped = false;
    const stop = every(clock, 100, () => 0.5, async () => {
      starts.push(clock.now());
      overlapped ||= running > 0;
      running++;
      await sleep(clock, 250); // longer than the period
      running--;
    });
    await clock.runFor(1000);
    // Each run starts a period after the last one ended: 100, then 100 + 250 + 100, ...
    expect(starts).toEqual([100, 450, 800]);
    expect(overlapped).toBe(false);
    stop();
    await clock.runFor(1000);
    expect(starts).toHaveLength(3);
  });

  it('jitters each period by the random draw, and survives a failing task', async () => {
    const clock = new SimClock();
    const draws = [0, 1, 0.5];
    const starts: number[] = [];
    const stop = every(clock, 100, () => draws.shift() ?? 0.5, async () => {
      starts.push(clock.now());
      throw new Error('task failed');
    });
    await clock.runFor(400);
    stop();
    expect(starts).toEqual([90, 200, 300, 400]);
  });
});
