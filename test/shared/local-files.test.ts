/** A node's own files: the index over its store, arrivals that can be read while they arrive, and puts it serves. */
import { describe, expect, it } from 'vitest';
import { LocalFiles } from '../../shared/ring/files/local-files';
import type { ChunkSource, FileMeta } from '../../shared/ring/types';
import { SimClock } from '../../shared/sim/clock';
import { MemoryStore } from '../../shared/sim/memory-store';

const WAIT_MS = 100;

function meta(name: string, chunks: number, root = name.padEnd(64, 'a')): FileMeta {
  return { name, size: chunks * 2, chunkSize: 2, chunks, chunkHashes: Array.from({ length: chunks }, () => '0'.repeat(64)), root };
}

function setup() {
  const clock = new SimClock();
  const store = new MemoryStore();
  let changes = 0;
  const local = new LocalFiles(store, clock, () => changes++);
  return { clock, store, local, changes: () => changes };
}

const chunk = (index: number) => new Uint8Array([index, index]);

describe('LocalFiles', () => {
  it('makes a received file visible only once committed, in the role decided at that moment', async () => {
    const { local, store, changes } = setup();
    const m = meta('a', 2);
    let role: 'file' | 'backup' = 'backup';
    await local.receive(m, () => role, async (write) => {
      await write(0, chunk(0));
      expect(local.get('a')).toBeUndefined();
      role = 'file';
      await write(1, chunk(1));
    });
    expect(local.get('a')).toEqual({ meta: m, role: 'file' });
    expect(await store.list()).toEqual([{ meta: m, role: 'file' }]);
    expect([local.holds('a', m.root), local.holds('a', 'b'.repeat(64))]).toEqual([true, false]);
    expect([local.version, changes()]).toEqual([1, 1]);
  });

  it('joins a second receive of one version to the first instead of pulling twice', async () => {
    const { local } = setup();
    const m = meta('a', 1);
    let pulls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pull = async (write: (i: number, d: Uint8Array) => Promise<void>) => {
      pulls++;
      await gate;
      await write(0, chunk(0));
    };
    const first = local.receive(m, () => 'file', pull);
    const second = local.receive(m, () => 'file', pull);
    release();
    await Promise.all([first, second]);
    await local.receive(m, () => 'file', pull); // held already
    expect(pulls).toBe(1);
  });

  it('answers a chunk of a file still arriving once it is stored, and times out or fails for one that never comes', async () => {
    const { local, clock } = setup();
    const m = meta('a', 3);
    let write!: (i: number, d: Uint8Array) => Promise<void>;
    let finish!: (err?: Error) => void;
    const arrival = local.receive(m, () => 'file', (w) => {
      write = w;
      return new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())));
    });
    arrival.catch(() => undefined);
    await clock.settle();
    const early = local.chunk(m.root, 1, WAIT_MS);
    await write(1, chunk(1));
    expect(await early).toEqual(chunk(1));
    // A chunk that does not arrive within the wait.
    await expect(clock.drive(local.chunk(m.root, 2, WAIT_MS), WAIT_MS * 2)).rejects.toMatchObject({ code: 'timeout' });
    // One that the transfer ends without.
    const never = local.chunk(m.root, 2, WAIT_MS);
    finish(new Error('source gone'));
    await expect(never).rejects.toMatchObject({ code: 'all-replicas-failed' });
    await expect(arrival).rejects.toThrow('source gone');
    // A failed arrival leaves nothing behind, not even its chunks.
    expect(local.get('a')).toBeUndefined();
    await expect(local.chunk(m.root, 1, WAIT_MS)).rejects.toMatchObject({ code: 'bad-message' });
  });

  it('serves the chunks of a put until told to stop', async () => {
    const { local } = setup();
    const m = meta('p', 2);
    const source: ChunkSource = { meta: m, read: async (i) => chunk(10 + i) };
    const stop = local.serve(source);
    expect([local.isServing(m.root), local.metaByRoot(m.root)]).toEqual([true, m]);
    expect(await local.chunk(m.root, 1, WAIT_MS)).toEqual(chunk(11));
    stop();
    expect([local.isServing(m.root), local.metaByRoot(m.root)]).toEqual([false, undefined]);
    await expect(local.chunk(m.root, 1, WAIT_MS)).rejects.toMatchObject({ code: 'bad-message' });
  });

  it('lists names by role, changes roles, removes files, and reloads what the store holds', async () => {
    const { local, store } = setup();
    for (const [name, role] of [['c', 'file'], ['a', 'file'], ['b', 'backup']] as const) {
      await local.receive(meta(name, 1), () => role, (write) => write(0, chunk(0)));
    }
    expect([local.names('file'), local.names('backup')]).toEqual([['a', 'c'], ['b']]);
    const version = local.version;
    await local.setRole('b', 'backup'); // no change, no new version
    expect(local.version).toBe(version);
    await local.setRole('b', 'file');
    await local.remove('c');
    await local.remove('missing');
    expect([local.names('file'), local.names('backup'), local.version]).toEqual([['a', 'b'], [], version + 2]);
    const reloaded = new LocalFiles(store, new SimClock(), () => undefined);
    await reloaded.load();
    expect(reloaded.all().map((f) => [f.meta.name, f.role]).sort()).toEqual([['a', 'file'], ['b', 'file']]);
  });
});
