/** A receive that fails keeps what it checked, for the next attempt, within named limits (issue #17). */
import { describe, expect, it } from 'vitest';
import { LocalFiles } from '../../shared/ring/files/local-files';
import { PARTIAL_MAX_AGE_MS, PARTIAL_MAX_BYTES } from '../../shared/ring/files/partials';
import { StoreError } from '../../shared/ring/errors';
import type { FileMeta } from '../../shared/ring/types';
import { SimClock } from '../../shared/sim/clock';
import { MemoryStore } from '../../shared/sim/memory-store';

function meta(name: string, chunks: number, root = name.padEnd(64, 'a'), chunkSize = 2): FileMeta {
  return { name, size: chunks * chunkSize, chunkSize, chunks, chunkHashes: Array.from({ length: chunks }, () => '0'.repeat(64)), root };
}

function setup() {
  const clock = new SimClock();
  const store = new MemoryStore();
  return { clock, store, local: new LocalFiles(store, clock, () => undefined) };
}

const chunk = (index: number) => new Uint8Array([index, index]);
type Write = (i: number, d: Uint8Array) => Promise<void>;

/** A receive that stores `indexes`, then fails with `err`. */
function failing(indexes: number[], err: Error = new Error('source gone')) {
  return async (write: Write) => {
    for (const i of indexes) await write(i, chunk(i));
    throw err;
  };
}

describe('partial copies', () => {
  it('a receive that failed is resumed with the chunks it checked, which are not served meanwhile', async () => {
    const { local, store } = setup();
    const m = meta('a', 4);
    await expect(local.receive(m, () => 'file', failing([0, 2]))).rejects.toThrow('source gone');
    expect([local.get('a'), local.partials.count, store.chunkCount]).toEqual([undefined, 1, 2]);
    await expect(local.chunk(m.root, 0, 100)).rejects.toMatchObject({ code: 'bad-message' });
    const asked: number[][] = [];
    await local.receive(m, () => 'file', async (write, have) => {
      asked.push([...have].sort());
      for (const i of [1, 3]) await write(i, chunk(i));
    });
    expect(asked).toEqual([[0, 2]]);
    expect([local.get('a')?.role, local.partials.count]).toEqual(['file', 0]);
    expect(await local.chunk(m.root, 2, 100)).toEqual(chunk(2));
  });

  it('a second receive of a file arriving adds its sources to the running one, first', async () => {
    const { local } = setup();
    const m = meta('a', 1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let seen: readonly string[] = [];
    const first = local.receive(
      m,
      () => 'file',
      async (write, _have, sources) => {
        await gate;
        seen = [...sources];
        await write(0, chunk(0));
      },
      ['dead'],
    );
    const second = local.receive(m, () => 'file', async () => expect.unreachable('joins the first'), ['live', 'dead']);
    release();
    await Promise.all([first, second]);
    expect(seen).toEqual(['live', 'dead']);
  });

  it('drops partial copies after PARTIAL_MAX_AGE_MS, when unwanted, when a newer version is stored, or on a full store', async () => {
    const { local, store, clock } = setup();
    await expect(local.receive(meta('old', 2), () => 'file', failing([0]))).rejects.toThrow();
    await clock.runFor(PARTIAL_MAX_AGE_MS + 1);
    await expect(local.receive(meta('unwanted', 2), () => 'file', failing([0]))).rejects.toThrow();
    await expect(local.receive(meta('v', 2, 'b'.repeat(64)), () => 'file', failing([0]))).rejects.toThrow();
    await local.partials.prune((m) => m.name !== 'unwanted');
    expect([local.partials.count, store.chunkCount]).toEqual([1, 1]);
    // Another version of 'v' stored: the partial one goes.
    await local.receive(meta('v', 1, 'c'.repeat(64)), () => 'file', (write) => write(0, chunk(0)));
    expect([local.partials.count, store.chunkCount]).toEqual([0, 1]);
    // A full store keeps nothing of the receive it refused.
    const full = new StoreError('quota-exceeded', 'storage is full (quota exceeded)');
    await expect(local.receive(meta('big', 3), () => 'file', failing([0, 1], full))).rejects.toMatchObject({ code: 'quota-exceeded' });
    expect([local.partials.count, store.chunkCount]).toEqual([0, 1]);
  });

  it('keeps at most PARTIAL_MAX_BYTES of partial chunks, dropping the oldest first', async () => {
    const { local, store } = setup();
    const chunkSize = PARTIAL_MAX_BYTES / 4;
    const big = (name: string) => meta(name, 8, name.padEnd(64, 'e'), chunkSize);
    // Each stores 2 (tiny) chunks, counted at their full chunk size: 2 partials fit the budget.
    for (const name of ['p1', 'p2', 'p3']) await expect(local.receive(big(name), () => 'file', failing([0, 1]))).rejects.toThrow();
    expect(local.partials.count).toBe(2);
    expect(local.metaByRoot(big('p1').root)).toBeUndefined();
    expect(local.metaByRoot(big('p3').root)?.name).toBe('p3');
    expect(store.chunkCount).toBe(4);
  });
});
