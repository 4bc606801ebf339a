/**
 * Large files in a tab without holding them whole: random bytes made a slice at a time into a Blob of
 * Blobs, timed put and get through `window.dht`, and a SHA-256 per slice so the copy that comes back can be
 * checked against the original without either being read into memory at once.
 */
import type { Page } from 'playwright-core';
import { DEFAULT_M, DEFAULT_REPLICAS } from '../shared/constants';
import { hashKey } from '../shared/ring/id';
import { expectedRing, type PeerState } from '../test/e2e/ring';

/** Slice of a generated file, and of the digests that check it. */
export const SLICE_BYTES = 1024 * 1024;

declare global {
  interface Window {
    /** Files made by the bench, waiting to be put; dropped once put so the tab can free them. */
    benchFiles?: Map<string, Blob>;
  }
}

/** Makes `bytes` of random data in the tab under `name`; returns the SHA-256 of each slice, in order. */
export function makeFile(page: Page, name: string, bytes: number): Promise<string[]> {
  return page.evaluate(
    async ({ name, bytes, sliceBytes }) => {
      const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
      const parts: Blob[] = [];
      const digests: string[] = [];
      for (let at = 0; at < bytes; at += sliceBytes) {
        const slice = new Uint8Array(Math.min(sliceBytes, bytes - at));
        // getRandomValues fills at most 64 KiB per call.
        for (let i = 0; i < slice.length; i += 65536) crypto.getRandomValues(slice.subarray(i, Math.min(slice.length, i + 65536)));
        digests.push(hex(await crypto.subtle.digest('SHA-256', slice)));
        parts.push(new Blob([slice]));
      }
      (window.benchFiles ??= new Map()).set(name, new Blob(parts));
      return digests;
    },
    { name, bytes, sliceBytes: SLICE_BYTES },
  );
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

/** Gets a file; how long the get took in ms, and the SHA-256 of each slice of what came back (computed after the clock stopped). */
export function timedGet(page: Page, name: string): Promise<{ ms: number; size: number; digests: string[] }> {
  return page.evaluate(
    async ({ name, sliceBytes }) => {
      const started = performance.now();
      const blob = await window.dht!.get(name);
      const ms = performance.now() - started;
      if (!blob) throw new Error(`get of ${name} found no such file`);
      const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
      const digests: string[] = [];
      for (let at = 0; at < blob.size; at += sliceBytes) {
        digests.push(hex(await crypto.subtle.digest('SHA-256', await blob.slice(at, at + sliceBytes).arrayBuffer())));
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
