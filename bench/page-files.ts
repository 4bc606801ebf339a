/**
 * Large files for a tab without holding them whole: random bytes written to a file on disk a slice at a time
 * and given to the tab through a file input (as a person picks a file), timed put and get through
 * `window.dht`, and a SHA-256 per slice so the copy that comes back can be checked against the original
 * without either being read into memory at once.
 *
 * A file made inside the tab (a Blob of Blobs) would be held by the browser in memory, and Chromium fails
 * every Blob past about 500 MiB of them: a file from disk is what a large put really reads.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, writeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DEFAULT_M, DEFAULT_REPLICAS } from '../shared/constants';
import { hashKey } from '../shared/ring/id';
import { expectedRing, type PeerState } from '../test/e2e/ring';

/** Slice of a generated file, and of the digests that check it. */
export const SLICE_BYTES = 1024 * 1024;
const INPUT_ID = 'bench-file-input';

declare global {
  interface Window {
    /** Files made by the bench, waiting to be put; dropped once put so the tab can free them. */
    benchFiles?: Map<string, Blob>;
  }
}

/** A directory for the files a bench section makes; `remove` deletes it and them. */
export function fileDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'ringshare-bench-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes `bytes` of random data to `dir`/`name` and gives the file to the tab under `name`; returns the SHA-256 of each slice, in order. */
export async function makeFile(page: Page, dir: string, name: string, bytes: number): Promise<string[]> {
  const path = join(dir, name);
  const digests: string[] = [];
  const slice = Buffer.alloc(SLICE_BYTES);
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < bytes; at += SLICE_BYTES) {
      const part = slice.subarray(0, Math.min(SLICE_BYTES, bytes - at));
      randomFillSync(part);
      digests.push(createHash('sha256').update(part).digest('hex'));
      writeSync(fd, part);
    }
  } finally {
    closeSync(fd);
  }
  await page.evaluate((id) => {
    if (document.getElementById(id)) return;
    const input = Object.assign(document.createElement('input'), { type: 'file', id, hidden: true });
    document.body.append(input);
  }, INPUT_ID);
  await page.setInputFiles(`#${INPUT_ID}`, path);
  await page.evaluate(
    ({ id, name }) => (window.benchFiles ??= new Map()).set(name, (document.getElementById(id) as HTMLInputElement).files![0]!),
    { id: INPUT_ID, name },
  );
  return digests;
}

/** Puts a file made by makeFile; returns how long the put took in ms. */
export function timedPut(page: Page, name: string): Promise<number> {
  return page.evaluate(async (name) => {
    const blob = window.benchFiles?.get(name);
    if (!blob) throw new Error(`no file ${name} was made in this tab`);
    const started = performance.now();
    await window.dht!.put(name, blob);
    const ms = performance.now() - started;
    window.benchFiles!.delete(name);
    return ms;
  }, name);
}

/**
 * Gets a file; how long the get took in ms, and the SHA-256 of each slice of what came back (computed after
 * the clock stopped, read through the file's stream into one buffer).
 */
export function timedGet(page: Page, name: string): Promise<{ ms: number; size: number; digests: string[] }> {
  return page.evaluate(
    async ({ name, sliceBytes }) => {
      const started = performance.now();
      const blob = await window.dht!.get(name);
      const ms = performance.now() - started;
      if (!blob) throw new Error(`get of ${name} found no such file`);
      const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
      const digests: string[] = [];
      const reader = blob.stream().getReader({ mode: 'byob' });
      let buffer = new ArrayBuffer(sliceBytes);
      for (let at = 0; at < blob.size; at += sliceBytes) {
        const length = Math.min(sliceBytes, blob.size - at);
        for (let filled = 0; filled < length; ) {
          const { done, value } = await reader.read(new Uint8Array(buffer, filled, length - filled));
          if (done || !value) throw new Error(`the file ended early at ${at + filled} of ${blob.size} bytes`);
          buffer = value.buffer as ArrayBuffer;
          filled += value.byteLength;
        }
        digests.push(hex(await crypto.subtle.digest('SHA-256', new Uint8Array(buffer, 0, length))));
      }
      return { ms, size: blob.size, digests };
    },
    { name, sliceBytes: SLICE_BYTES },
  );
}

/** Throws unless what a get returned is the file that was made. */
export function checkSame(name: string, made: string[], got: { size: number; digests: string[] }, bytes: number): void {
  if (got.size !== bytes) throw new Error(`get of ${name} returned ${got.size} bytes, put ${bytes}`);
  const bad = made.findIndex((d, i) => got.digests[i] !== d);
  if (bad >= 0 || got.digests.length !== made.length) throw new Error(`get of ${name} returned different bytes (first bad MiB: ${bad})`);
}

/**
 * Tabs for a clean tab-to-tab measurement of `name`: one that is neither its owner nor a backup to put it,
 * and another such tab to get it, so neither transfer is served from the tab's own store.
 */
export function transferRoles(peers: PeerState[], name: string, replicas = DEFAULT_REPLICAS): { putter: string; getter: string; holders: string[] } {
  const ring = expectedRing(peers);
  const key = hashKey(name, DEFAULT_M);
  let owner = ring.findIndex((p) => BigInt(p.key) >= key);
  if (owner < 0) owner = 0;
  const holders = new Set(Array.from({ length: Math.min(replicas, ring.length) }, (_, i) => ring[(owner + i) % ring.length]!.host));
  const others = ring.filter((p) => !holders.has(p.host));
  if (others.length < 2) throw new Error(`a clean transfer needs two tabs besides the ${holders.size} holders; the ring has ${ring.length}`);
  return { putter: others[0]!.host, getter: others[1]!.host, holders: [...holders] };
}
