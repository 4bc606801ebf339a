import { describe, expect, it } from 'vitest';
import { asksWhereToSave, downloadFolder, downloadPlace, downloadTarget } from '../../client/dht/download-target';
import type { FileMeta } from '../../shared/ring/types';
import type { ChunkStream } from '../../client/save/in-order-writer';
import type { StreamedSave } from '../../client/save/sw-download';

/** An in-memory stand-in for the origin private file system: directories of byte arrays. */
class FakeDir {
  readonly dirs = new Map<string, FakeDir>();
  readonly files = new Map<string, Uint8Array>();
  failNext = false;

  async getDirectoryHandle(name: string, opts?: { create?: boolean }): Promise<FakeDir> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('storage blocked');
    }
    if (!this.dirs.has(name) && opts?.create) this.dirs.set(name, new FakeDir());
    const dir = this.dirs.get(name);
    if (!dir) throw new Error(`no directory ${name}`);
    return dir;
  }

  async getFileHandle(name: string, opts?: { create?: boolean }) {
    if (!this.files.has(name) && opts?.create) this.files.set(name, new Uint8Array());
    if (!this.files.has(name)) throw new Error(`no file ${name}`);
    return {
      createWritable: async () =>
        new WritableStream<{ type: 'write'; position: number; data: Uint8Array }>({
          write: ({ position, data }) => {
            const old = this.files.get(name)!;
            const grown = new Uint8Array(Math.max(old.length, position + data.length));
            grown.set(old);
            grown.set(data, position);
            this.files.set(name, grown);
          },
        }),
      getFile: async () => new Blob([this.files.get(name)! as Uint8Array<ArrayBuffer>]),
    };
  }

  async removeEntry(name: string): Promise<void> {
    if (!this.files.delete(name) && !this.dirs.delete(name)) throw new Error(`no entry ${name}`);
  }
}

const CHUNK = 10;
function file(size: number): { meta: FileMeta; bytes: Uint8Array; chunk(i: number): Uint8Array } {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 31) % 256);
  const chunks = Math.ceil(size / CHUNK);
  const meta: FileMeta = { name: 'f', size, chunkSize: CHUNK, chunks, chunkHashes: [], root: `root-${size}` };
  return { meta, bytes, chunk: (i) => bytes.slice(i * CHUNK, (i + 1) * CHUNK) };
}

async function fill(target: Awaited<ReturnType<typeof downloadTarget>>, f: ReturnType<typeof file>, order: number[]) {
  await Promise.all(order.map((i) => target.add(i, f.chunk(i))));
}

describe('downloadTarget', () => {
  it('keeps a file up to the threshold in memory, never touching the file system', async () => {
    const root = new FakeDir();
    const f = file(95);
    const target = await downloadTarget(f.meta, 95, downloadFolder('peer', async () => root as unknown as FileSystemDirectoryHandle));
    await fill(target, f, [9, 3, 0, 1, 2, 8, 4, 5, 6, 7]);
    expect(new Uint8Array(await (await target.file()).arrayBuffer())).toEqual(f.bytes);
    expect(root.dirs.size).toBe(0);
  });

  it('writes a bigger file at each chunk offset, in any order, into downloads/<peer id>; discard deletes it', async () => {
    const root = new FakeDir();
    const folder = downloadFolder('peer', async () => root as unknown as FileSystemDirectoryHandle);
    const f = file(96);
    const target = await downloadTarget(f.meta, 95, folder);
    await fill(target, f, [9, 3, 0, 1, 2, 8, 4, 5, 6, 7]);
    expect(new Uint8Array(await (await target.file()).arrayBuffer())).toEqual(f.bytes);
    const dir = root.dirs.get('downloads')!.dirs.get('peer')!;
    expect(dir.files.size).toBe(1);

    const other = await downloadTarget(file(200).meta, 95, folder);
    expect(dir.files.size).toBe(2);
    await other.discard();
    expect(dir.files.size).toBe(1);
  });

  it("empties the tab's directory on first use in a page load only, and tries again after a failure", async () => {
    const root = new FakeDir();
    const leftover = await (await root.getDirectoryHandle('downloads', { create: true })).getDirectoryHandle('peer', { create: true });
    leftover.files.set('old', new Uint8Array(5));
    const folder = downloadFolder('peer', async () => root as unknown as FileSystemDirectoryHandle);

    root.failNext = true;
    await expect(folder()).rejects.toThrow('storage blocked');
    const dir = (await folder()) as unknown as FakeDir;
    expect(dir.files.size).toBe(0);
    dir.files.set('new', new Uint8Array(1));
    expect(await folder()).toBe(dir);
    expect(dir.files.has('new')).toBe(true);
  });
});

describe('choosing where a download goes', () => {
  const picker = () => undefined;

  it('asks where to save only for a file known to be over the threshold, where the browser has a save picker', () => {
    expect(asksWhereToSave(96, 95, picker)).toBe(true);
    expect(asksWhereToSave(95, 95, picker)).toBe(false);
    // Size unknown (a name typed in): no prompt, the private file system takes a big file.
    expect(asksWhereToSave(undefined, 95, picker)).toBe(false);
    // Firefox and Safari have no showSaveFilePicker.
    expect(asksWhereToSave(96, 95, undefined)).toBe(false);
  });

  it('writes into a picked file whatever its size, else memory up to the threshold, else the private file system', () => {
    expect(downloadPlace(10, 95, true)).toBe('picked-file');
    expect(downloadPlace(1000, 95, true)).toBe('picked-file');
    expect(downloadPlace(95, 95, false)).toBe('memory');
    expect(downloadPlace(96, 95, false)).toBe('private-folder');
    expect(downloadPlace(95, 95, false, true)).toBe('memory');
    expect(downloadPlace(96, 95, false, true)).toBe('streamed');
    expect(downloadPlace(96, 95, true, true)).toBe('picked-file');
  });

  it('streams a file over the threshold in order when offered a stream, never touching the private file system; discard aborts it', async () => {
    const root = new FakeDir();
    const folder = downloadFolder('peer', async () => root as unknown as FileSystemDirectoryHandle);
    const streams: Array<{ name: string; size: number; bytes: number[]; closed: boolean; aborted: boolean }> = [];
    const save: StreamedSave = {
      open: async (name, size) => {
        const record = { name, size, bytes: [] as number[], closed: false, aborted: false };
        streams.push(record);
        const stream: ChunkStream = {
          write: async (data) => void record.bytes.push(...data),
          close: async () => void (record.closed = true),
          abort: async () => void (record.aborted = true),
        };
        return stream;
      },
    };
    const f = file(200);
    const target = await downloadTarget(f.meta, 95, folder, undefined, save);
    await fill(target, f, [19, 3, ...Array.from({ length: 20 }, (_, i) => i)]);
    expect((await target.file()).size).toBe(0);
    expect(streams[0]).toMatchObject({ name: 'f', size: 200, closed: true, aborted: false });
    expect(Uint8Array.from(streams[0]!.bytes)).toEqual(f.bytes);
    expect(root.dirs.size).toBe(0);

    // Up to the threshold it stays in memory: no stream opened.
    const s = file(50);
    const small = await downloadTarget(s.meta, 95, folder, undefined, save);
    await fill(small, s, [4, 0, 1, 2, 3]);
    expect(new Uint8Array(await (await small.file()).arrayBuffer())).toEqual(s.bytes);
    expect(streams).toHaveLength(1);

    const dropped = await downloadTarget(file(120).meta, 95, folder, undefined, save);
    await dropped.discard();
    expect(streams[1]).toMatchObject({ closed: false, aborted: true });
  });

  it('falls back on the private file system when the stream cannot be opened (no service worker)', async () => {
    const root = new FakeDir();
    const folder = downloadFolder('peer', async () => root as unknown as FileSystemDirectoryHandle);
    const f = file(200);
    const target = await downloadTarget(f.meta, 95, folder, undefined, { open: () => Promise.reject(new Error('no service workers')) });
    await fill(target, f, Array.from({ length: 20 }, (_, i) => i));
    expect(new Uint8Array(await (await target.file()).arrayBuffer())).toEqual(f.bytes);
    expect(root.dirs.get('downloads')?.dirs.get('peer')?.files.size).toBe(1);
  });

  it('writes a picked file at each chunk offset and never touches the private file system; discard leaves the picked file alone', async () => {
    const root = new FakeDir();
    const folder = downloadFolder('peer', async () => root as unknown as FileSystemDirectoryHandle);
    const picked = new FakeDir();
    const handle = (await picked.getFileHandle('chosen.bin', { create: true })) as unknown as FileSystemFileHandle;
    const f = file(200);
    const target = await downloadTarget(f.meta, 95, folder, handle);
    await fill(target, f, [19, 0, ...Array.from({ length: 18 }, (_, i) => i + 1)]);
    expect(new Uint8Array(await (await target.file()).arrayBuffer())).toEqual(f.bytes);
    expect(picked.files.get('chosen.bin')).toEqual(f.bytes);
    expect(root.dirs.size).toBe(0);

    const aborted = await downloadTarget(file(50).meta, 95, folder, handle);
    await aborted.discard();
    expect(picked.files.has('chosen.bin')).toBe(true);
  });
});
