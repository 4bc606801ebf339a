import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, truncate, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileMeta, Logger } from '../../shared/ring/types';
import { createFsStore, type FsStore } from '../../node-peer/fs-store';
import { tombstoneMeta } from '../../shared/ring/records';
import { SimSigners } from '../../shared/sim/sim-signer';
import { fileRecord, signRecord } from '../../shared/trust/record';
import { toWireMeta } from '../../shared/wire/file-meta';

const CHUNK = 4;
const hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** A file of `name` whose chunks are `chunks` (each CHUNK bytes but the last), with well-formed hashes. */
function file(name: string, version: string, chunks: Uint8Array[]): { meta: FileMeta; chunks: Uint8Array[] } {
  const size = chunks.reduce((sum, c) => sum + c.length, 0);
  const chunkHashes = chunks.map((c) => createHash('sha256').update(c).digest('hex'));
  return { meta: { name, size, chunkSize: CHUNK, chunks: chunks.length, chunkHashes, root: hex(`${name}/${version}`) }, chunks };
}

const bytes = (...values: number[]) => new Uint8Array(values);

async function put(store: FsStore, f: { meta: FileMeta; chunks: Uint8Array[] }): Promise<void> {
  for (const [i, c] of f.chunks.entries()) await store.putChunk(f.meta.root, i, c);
}

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (event) => warnings.push(event) };
}

describe('the Node peer disk store', () => {
  let dir: string;
  let log: ReturnType<typeof recordingLog>;
  const open = () => createFsStore(dir, log);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ringshare-store-'));
    log = recordingLog();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('hides a file until its commit, then returns its chunks byte for byte, also after a reopen', async () => {
    const a = file('a.txt', 'v1', [bytes(1, 2, 3, 4), bytes(5, 6)]);
    const store = open();
    await put(store, a);
    expect(await store.list()).toEqual([]);
    await store.commit(a.meta, 'file');
    expect(await store.list()).toEqual([{ meta: a.meta, role: 'file' }]);
    expect(await store.getChunk(a.meta.root, 1)).toEqual(bytes(5, 6));
    expect(await store.getChunk(a.meta.root, 2)).toBeUndefined();
    expect(await store.getChunk(hex('never'), 0)).toBeUndefined();

    const reopened = open();
    expect(await reopened.list()).toEqual([{ meta: a.meta, role: 'file' }]);
    expect(await reopened.getChunk(a.meta.root, 0)).toEqual(bytes(1, 2, 3, 4));
    expect(log.warnings).toEqual([]);
  });

  it('keeps the signed record of a version and a tombstone across a reopen, and drops metadata its record does not describe', async () => {
    const writer = new SimSigners().identity('writer');
    const a = file('a.txt', 'v1', [bytes(1, 2, 3, 4), bytes(5, 6)]);
    const signedA = { ...a.meta, signed: await signRecord(writer, fileRecord(toWireMeta(a.meta), 3, writer.publicKey, false)) };
    const gone = tombstoneMeta(await signRecord(writer, { kind: 'delete', name: 'gone.txt', version: 2, writer: writer.publicKey, deletedAt: 1_700_000_000_000 }));
    const store = open();
    await put(store, a);
    await store.commit(signedA, 'file');
    await store.commit(gone, 'backup');
    const reopened = open();
    const sorted = async (s: FsStore) => (await s.list()).sort((x, y) => x.meta.name.localeCompare(y.meta.name));
    expect(await sorted(reopened)).toEqual([
      { meta: signedA, role: 'file' },
      { meta: gone, role: 'backup' },
    ]);
    expect(log.warnings).toEqual([]);

    // A record naming another root than the metadata's is not kept.
    const liar = file('liar.txt', 'v1', [bytes(9)]);
    await put(reopened, liar);
    await reopened.commit({ ...liar.meta, signed: signedA.signed }, 'file');
    expect((await sorted(open())).map((f) => f.meta.name)).toEqual(['a.txt', 'gone.txt']);
    expect(log.warnings).toEqual(['store-dropped-metadata']);
  });

  it('refuses to commit a file whose chunks were not all written', async () => {
    const a = file('a', 'v1', [bytes(1, 1, 1, 1), bytes(2)]);
    const store = open();
    await store.putChunk(a.meta.root, 0, a.chunks[0]!);
    await expect(store.commit(a.meta, 'file')).rejects.toMatchObject({ code: 'missing-chunk' });
    expect(await store.list()).toEqual([]);
  });

  it('replaces an older version of a name and deletes its chunks', async () => {
    const v1 = file('a', 'v1', [bytes(1, 1, 1, 1), bytes(1)]);
    const v2 = file('a', 'v2', [bytes(2, 2)]);
    const store = open();
    await put(store, v1);
    await store.commit(v1.meta, 'backup');
    await put(store, v2);
    await store.commit(v2.meta, 'file');
    expect(await store.list()).toEqual([{ meta: v2.meta, role: 'file' }]);
    expect(await store.getChunk(v1.meta.root, 0)).toBeUndefined();
    expect(await readdir(join(dir, 'chunks'))).toEqual([v2.meta.root]);
  });

  it('changes roles and removes files, on disk', async () => {
    const a = file('a', 'v1', [bytes(1)]);
    const b = file('b', 'v1', [bytes(2)]);
    const store = open();
    for (const f of [a, b]) {
      await put(store, f);
      await store.commit(f.meta, 'backup');
    }
    await store.setRole('a', 'file');
    await store.remove('b');
    await store.remove('never-stored');
    await expect(store.setRole('b', 'file')).rejects.toMatchObject({ code: 'not-found' });
    expect(await store.getChunk(b.meta.root, 0)).toBeUndefined();
    expect(await open().list()).toEqual([{ meta: a.meta, role: 'file' }]);
  });

  it('discards an unfinished transfer but never the chunks of a version it holds', async () => {
    const held = file('a', 'v1', [bytes(1, 2, 3, 4)]);
    const unfinished = file('b', 'v1', [bytes(5, 5, 5, 5), bytes(6)]);
    const store = open();
    await put(store, held);
    await store.commit(held.meta, 'file');
    await store.putChunk(unfinished.meta.root, 0, unfinished.chunks[0]!);
    await store.discard(unfinished.meta.root, unfinished.meta.chunks);
    // A failed second transfer of the version already held.
    await store.discard(held.meta.root, held.meta.chunks);
    expect(await store.getChunk(unfinished.meta.root, 0)).toBeUndefined();
    expect(await store.getChunk(held.meta.root, 0)).toEqual(bytes(1, 2, 3, 4));
  });

  it('runs commits and discards of one root in the order they were asked for', async () => {
    const a = file('a', 'v1', [bytes(1)]);
    const first = open();
    await put(first, a);
    await Promise.all([first.commit(a.meta, 'file'), first.discard(a.meta.root, 1)]);
    expect(await first.getChunk(a.meta.root, 0)).toEqual(bytes(1));

    const b = file('b', 'v1', [bytes(2)]);
    await put(first, b);
    const [discarded, committed] = await Promise.allSettled([first.discard(b.meta.root, 1), first.commit(b.meta, 'file')]);
    expect(discarded.status).toBe('fulfilled');
    expect(committed).toMatchObject({ status: 'rejected', reason: { code: 'missing-chunk' } });
    expect((await first.list()).map((f) => f.meta.name)).toEqual(['a']);
  });

  it('drops, when it opens, files with a missing or short chunk or bad metadata, stray chunks and temporary files', async () => {
    const good = file('good', 'v1', [bytes(1, 1, 1, 1), bytes(1)]);
    const missing = file('missing', 'v1', [bytes(2, 2, 2, 2), bytes(2)]);
    const short = file('short', 'v1', [bytes(3, 3, 3, 3), bytes(3)]);
    const store = open();
    for (const f of [good, missing, short]) {
      await put(store, f);
      await store.commit(f.meta, 'file');
    }
    await store.putChunk(hex('unfinished'), 0, bytes(9));
    await rm(join(dir, 'chunks', missing.meta.root, '1'));
    await truncate(join(dir, 'chunks', short.meta.root, '0'), 2);
    await writeFile(join(dir, 'files', `${hex('garbage')}.json`), '{"meta": nonsense');
    // Valid metadata filed under another name's path: it would be found by the wrong name.
    await writeFile(join(dir, 'files', `${hex('elsewhere')}.json`), JSON.stringify({ meta: good.meta, role: 'file' }));
    await writeFile(join(dir, 'chunks', good.meta.root, '0.123.tmp'), 'partial');
    await mkdir(join(dir, 'chunks', 'not-a-root'));

    const reopened = open();
    expect(await reopened.list()).toEqual([{ meta: good.meta, role: 'file' }]);
    expect((await readdir(join(dir, 'chunks'))).sort()).toEqual([good.meta.root]);
    expect((await readdir(join(dir, 'chunks', good.meta.root))).sort()).toEqual(['0', '1']);
    expect(await readdir(join(dir, 'files'))).toEqual([`${hex('good')}.json`]);
    expect(log.warnings.sort()).toEqual(['store-dropped-incomplete', 'store-dropped-incomplete', 'store-dropped-metadata', 'store-dropped-metadata']);
  });

  it('refuses a root or index that is not one, so no path leaves its folder', async () => {
    const store = open();
    await expect(store.putChunk('../../escape', 0, bytes(1))).rejects.toThrow(RangeError);
    await expect(store.putChunk(hex('x'), -1, bytes(1))).rejects.toThrow(RangeError);
    await expect(store.getChunk(`${hex('x')}/../..`, 0)).rejects.toThrow(RangeError);
    await expect(store.discard('..', 1)).rejects.toThrow(RangeError);
    expect(await readdir(join(dir, 'chunks'))).toEqual([]);
  });
});
