import { describe, expect, it } from 'vitest';
import { SimClock } from '../../shared/sim/clock';
import { Rng } from '../../shared/sim/rng';

describe('SimClock', () => {
  it('fires timers by time, then by insertion, and skips cleared ones', async () => {
    const clock = new SimClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`b1@${clock.now()}`), 20);
    const cleared = clock.setTimeout(() => fired.push('never'), 15);
    clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20);
    clock.clearTimeout(cleared);
    clock.clearTimeout(cleared);
    expect(clock.pending).toBe(4);
    await clock.runFor(25);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20']);
    expect(clock.now()).toBe(25);
    expect(clock.pending).toBe(1);
    await clock.runFor(100);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(clock.now()).toBe(125);
  });

  it('keeps order when most timers are cleared (the heap compacts itself)', async () => {
    const clock = new SimClock();
    const rng = new Rng(4);
    const timers = Array.from({ length: 20_000 }, (_, id) => {
      const due = rng.int(0, 5000);
      return { id, due, handle: clock.setTimeout(() => fired.push(id), due), keep: rng.chance(0.1) };
    });
    const fired: number[] = [];
    for (const t of timers) if (!t.keep) clock.clearTimeout(t.handle);
    const survivors = timers.filter((t) => t.keep);
    expect(clock.pending).toBe(survivors.length);
    await clock.runFor(6000);
    const expected = [...survivors].sort((a, b) => a.due - b.due || a.id - b.id).map((t) => t.id);
    expect(fired).toEqual(expected);
    expect(clock.pending).toBe(0);
  });

  it('rounds due times up to its resolution, so jittered timers share instants', async () => {
    const coarse = new SimClock();
    const at: number[] = [];
    for (const ms of [10.2, 10.7, 11, 0.1]) coarse.setTimeout(() => at.push(coarse.now()), ms);
    await coarse.runFor(20);
    expect(at).toEqual([1, 11, 11, 11]);
    const exact = new SimClock({ resolutionMs: 0 });
    const exactAt: number[] = [];
    for (const ms of [10.2, 10.7]) exact.setTimeout(() => exactAt.push(exact.now()), ms);
    await exact.runFor(20);
    expect(exactAt).toEqual([10.2, 10.7]);
  });

  it('lets every promise continuation of an instant settle before time moves on', async () => {
    const clock = new SimClock();
    const seen: Array<[number, number]> = [];
    let depth = 0;
    const longChain = async (): Promise<void> => {
      for (let i = 0; i < 200; i++) await Promise.resolve();
      depth = 200;
    };
    clock.setTimeout(() => void longChain(), 10);
    clock.setTimeout(() => seen.push([clock.now(), depth]), 11);
    await clock.runFor(20);
    expect(seen).toEqual([[11, 200]]);
  });

  it('fires zero-delay timers set by continuations at the same instant, after the current round', async () => {
    const clock = new SimClock();
    const order: string[] = [];
    clock.setTimeout(() => {
      order.push('first');
      void Promise.resolve().then(() => clock.setTimeout(() => order.push(`zero@${clock.now()}`), 0));
    }, 5);
    clock.setTimeout(() => order.push('second'), 5);
    clock.setTimeout(() => order.push(`later@${clock.now()}`), 6);
    await clock.runFor(10);
    expect(order).toEqual(['first', 'second', 'zero@5', 'later@6']);
  });

  it('runUntil stops at the instant the condition holds, or at the limit', async () => {
    const clock = new SimClock();
    let count = 0;
    const tick = (): void => {
      count++;
      clock.setTimeout(tick, 7);
    };
    clock.setTimeout(tick, 7);
    expect(await clock.runUntil(() => count === 3, 1000)).toBe(true);
    expect(clock.now()).toBe(21);
    expect(await clock.runUntil(() => count === 1000, 70)).toBe(false);
    expect(clock.now()).toBe(91);
    expect(count).toBe(13);
  });

  it('drive returns a value, rethrows a rejection, and fails past its virtual limit', async () => {
    const clock = new SimClock();
    const after = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => clock.setTimeout(() => resolve(value), ms));
    expect(await clock.drive(after(50, 'done'), 100)).toBe('done');
    expect(clock.now()).toBe(50);
    await expect(clock.drive(after(10, 0).then(() => Promise.reject(new Error('boom'))), 100)).rejects.toThrow('boom');
    await expect(clock.drive(after(500, 'late'), 100)).rejects.toMatchObject({ code: 'sim-timeout' });
    expect(clock.now()).toBe(160);
  });

  it('refuses a second driver while one runs', async () => {
    const clock = new SimClock();
    const first = clock.runFor(10);
    await expect(clock.runFor(10)).rejects.toThrow(/already has a driver/);
    await first;
    expect(clock.now()).toBe(10);
  });

  it('refuses an endless zero-delay loop instead of hanging, whether direct or through promises', async () => {
    const direct = new SimClock();
    const again = (): void => void direct.setTimeout(again, 0);
    direct.setTimeout(again, 1);
    await expect(direct.runFor(10)).rejects.toMatchObject({ code: 'timer-loop' });
    expect(direct.now()).toBe(1);

    const viaPromise = new SimClock();
    const spin = (): void => void Promise.resolve().then(() => viaPromise.setTimeout(spin, 0));
    // Many spinners so the loop hits the limit in few macrotask turns.
    for (let i = 0; i < 10_000; i++) viaPromise.setTimeout(spin, 2);
    await expect(viaPromise.runFor(10)).rejects.toMatchObject({ code: 'timer-loop' });
    expect(viaPromise.now()).toBe(2);
  });

  it('replays a random workload identically and runs a million timers in seconds', async () => {
    const run = async (seed: number): Promise<{ trace: number; fired: number; wallMs: number }> => {
      const clock = new SimClock();
      const rng = new Rng(seed);
      let trace = 0;
      // 1,000 periodic "nodes" every 100 ms, each tick also sending a "message" 1-10 ms later.
      for (let n = 0; n < 1000; n++) {
        const tick = (): void => {
          trace = (Math.imul(trace, 31) + n + clock.now()) | 0;
          clock.setTimeout(() => void Promise.resolve().then(() => (trace = (trace ^ n) | 0)), rng.int(1, 10));
          clock.setTimeout(tick, 100);
        };
        clock.setTimeout(tick, rng.int(0, 99));
      }
      const start = performance.now();
      await clock.runFor(50_000);
      return { trace, fired: clock.fired, wallMs: performance.now() - start };
    };
    const a = await run(11);
    const b = await run(11);
    console.log(JSON.stringify({ event: 'clock-throughput', timers: a.fired, wallMs: Math.round(a.wallMs), perSecond: Math.round(a.fired / (a.wallMs / 1000)) }));
    expect(a.fired).toBeGreaterThanOrEqual(999_000);
    expect(b.trace).toBe(a.trace);
    expect(a.wallMs).toBeLessThan(20_000);
  });
});
