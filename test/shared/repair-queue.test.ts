/** Repairs in order of risk, bounded per node and per link (issue #17). */
import { describe, expect, it } from 'vitest';
import { LARGE_REPAIR_CHUNKS, RepairQueue } from '../../shared/ring/files/repair-queue';

/** A job that records when it starts and finishes when released. */
function gate() {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const job = (name: string, peer: string, risk: number, chunks = 1) => ({
    peer,
    risk: () => risk,
    chunks,
    run: () => {
      started.push(name);
      return new Promise<void>((resolve) => release.set(name, resolve));
    },
  });
  const finish = async (name: string) => {
    release.get(name)!();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { started, job, finish };
}

describe('RepairQueue', () => {
  it('starts at most `total` at once, the riskiest first, the oldest first among equals', async () => {
    const { started, job, finish } = gate();
    const queue = new RepairQueue(2, 2);
    const done = [
      queue.add(job('first', 'a', 0)),
      queue.add(job('second', 'b', 0)),
      queue.add(job('two-copies-old', 'c', 1)),
      queue.add(job('small-newer', 'd', 0)),
      queue.add(job('one-copy', 'e', 2)),
      queue.add(job('two-copies-new', 'f', 1)),
    ];
    expect(started).toEqual(['first', 'second']);
    expect(queue.size).toBe(6);
    await finish('first');
    expect(started.at(-1)).toBe('one-copy');
    await finish('second');
    expect(started.at(-1)).toBe('two-copies-old');
    await finish('one-copy');
    await finish('two-copies-old');
    expect(started.slice(4)).toEqual(['two-copies-new', 'small-newer']);
    await finish('two-copies-new');
    await finish('small-newer');
    await Promise.all(done);
    expect(queue.size).toBe(0);
  });

  it('starts at most `perLink` to one peer while others wait for theirs, and a failure frees its slot', async () => {
    const { started, job, finish } = gate();
    const queue = new RepairQueue(3, 1);
    const failing = queue.add({ peer: 'a', risk: () => 5, chunks: 1, run: () => Promise.reject(new Error('peer gone')) });
    const rest = [queue.add(job('a2', 'a', 5)), queue.add(job('b1', 'b', 0)), queue.add(job('a3', 'a', 5))];
    await expect(failing).rejects.toThrow('peer gone');
    // One to 'a' at a time: 'b1' starts beside the failing one although 'a2' is riskier; 'a2' once it failed.
    expect(started).toEqual(['b1', 'a2']);
    await finish('a2');
    expect(started).toEqual(['b1', 'a2', 'a3']);
    await finish('b1');
    await finish('a3');
    await Promise.all(rest);
  });

  it('among equal risk, large and small repairs take turns, so a large one queued last is not starved', async () => {
    const { started, job, finish } = gate();
    const queue = new RepairQueue(1, 1);
    const large = LARGE_REPAIR_CHUNKS + 1;
    const done = [
      queue.add(job('small-0', 'a', 0)),
      queue.add(job('small-1', 'a', 0)),
      queue.add(job('small-2', 'a', 0)),
      queue.add(job('large', 'a', 0, large)),
      queue.add(job('small-3', 'a', 0)),
    ];
    for (const name of ['small-0', 'large', 'small-1', 'small-2']) await finish(name);
    // Oldest first alone would have started the large one fourth, after every small one queued before it.
    expect(started).toEqual(['small-0', 'large', 'small-1', 'small-2', 'small-3']);
    await finish('small-3');
    await Promise.all(done);
  });
});
