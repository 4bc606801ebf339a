/**
 * Helpers of the trust tests: people as browser contexts (one signing identity each), puts that report
 * their outcome instead of throwing, and a scan of every IndexedDB value a tab's origin holds.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openPeer } from './ring';

/** A person: a browser context of their own (own IndexedDB, so own identity) with one tab in the ring. */
export interface Person {
  name: string;
  context: BrowserContext;
  tab: Page;
}

export async function openPerson(browser: Browser, baseUrl: string, name: string, defer: (cleanup: () => unknown) => void): Promise<Person> {
  const context = await browser.newContext();
  defer(() => context.close());
  return { name, context, tab: await openPeer(context, baseUrl, name) };
}

/** How a put or delete in a tab ended: the put's result, or the code it rejected with. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export interface PutReport {
  name: string;
  size: number;
  writer: string;
  link: string;
  /** SHA-256 of the bytes put, hex. */
  hash: string;
  /** Hex of MARKER_BYTES random bytes written every MARKER_EVERY bytes of the file, to look for in storage. */
  marker: string;
}

export const MARKER_BYTES = 32;
/** A marker in every chunk's worth of bytes: a leak of any single plaintext chunk would show. */
export const MARKER_EVERY = 64 * 1024;

/** Puts `size` random bytes marked with a random marker from `page`; never throws in the page. */
export function putMarked(page: Page, name: string, size: number, options: { private?: boolean; replicated?: boolean } = {}): Promise<Outcome<PutReport>> {
  return page.evaluate(
    async ({ name, size, options, markerBytes, every }) => {
      const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
      const marker = crypto.getRandomValues(new Uint8Array(markerBytes));
      for (let at = 0; at + markerBytes <= size; at += every) bytes.set(marker, at);
      const hash = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
      try {
        const result = await window.dht!.put(name, bytes, options);
        return { ok: true as const, value: { ...result, hash, marker: hex(marker) } };
      } catch (err) {
        return { ok: false as const, code: String((err as { code?: unknown }).code), message: (err as Error).message };
      }
    },
    { name, size, options, markerBytes: MARKER_BYTES, every: MARKER_EVERY },
  );
}

export function deleteIn(page: Page, name: string): Promise<Outcome<null>> {
  return page.evaluate(async (name) => {
    try {
      await window.dht!.delete(name);
      return { ok: true as const, value: null };
    } catch (err) {
      return { ok: false as const, code: String((err as { code?: unknown }).code), message: (err as Error).message };
    }
  }, name);
}

/** SHA-256 of what `get` gives, null for null, or the code it rejected with. */
export function getOutcome(page: Page, name: string): Promise<Outcome<string | null>> {
  return page.evaluate(async (name) => {
    try {
      const blob = await window.dht!.get(name);
      if (!blob) return { ok: true as const, value: null };
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
      return { ok: true as const, value: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') };
    } catch (err) {
      return { ok: false as const, code: String((err as { code?: unknown }).code), message: (err as Error).message };
    }
  }, name);
}

export interface ScanReport {
  databases: string[];
  values: number;
  /** 'database/store' of each value holding the marker. */
  hits: string[];
}

/**
 * Reads every value of every object store of every IndexedDB database of `page`'s origin and says which hold
 * `markerHex`'s bytes: in a byte array or buffer, in a string (as UTF-8 or as hex), at any depth of an object.
 */
export function scanIndexedDb(page: Page, markerHex: string): Promise<ScanReport> {
  return page.evaluate(async (markerHex) => {
    const marker = Uint8Array.from(markerHex.match(/../g)!, (h) => parseInt(h, 16));
    const holds = (bytes: Uint8Array): boolean => {
      for (let at = bytes.indexOf(marker[0]!); at >= 0 && at + marker.length <= bytes.length; at = bytes.indexOf(marker[0]!, at + 1)) {
        let k = 1;
        while (k < marker.length && bytes[at + k] === marker[k]) k++;
        if (k === marker.length) return true;
      }
      return false;
    };
    const encoder = new TextEncoder();
    const inValue = (value: unknown, depth: number): boolean => {
      if (value instanceof ArrayBuffer) return holds(new Uint8Array(value));
      if (ArrayBuffer.isView(value)) return holds(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      if (typeof value === 'string') return value.includes(markerHex) || holds(encoder.encode(value));
      if (depth > 8 || value === null || typeof value !== 'object') return false;
      const parts = value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Object.values(value);
      return parts.some((part) => inValue(part, depth + 1));
    };
    const request = <T>(req: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((req.onsuccess = () => resolve(req.result)), (req.onerror = () => reject(req.error))));
    const report = { databases: [] as string[], values: 0, hits: [] as string[] };
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue;
      report.databases.push(name);
      const db = await request(indexedDB.open(name));
      try {
        for (const store of Array.from(db.objectStoreNames)) {
          const cursor = db.transaction(store, 'readonly').objectStore(store).openCursor();
          await new Promise<void>((resolve, reject) => {
            cursor.onerror = () => reject(cursor.error);
            cursor.onsuccess = () => {
              const at = cursor.result;
              if (!at) return resolve();
              report.values++;
              if (inValue(at.value, 0) || inValue(at.key, 0)) report.hits.push(`${name}/${store}`);
              at.continue();
            };
          });
        }
      } finally {
        db.close();
      }
    }
    return report;
  }, markerHex);
}

/** What a request the hostile tab sent got back: the reply's type, or the code of the error reply. */
export type Answer = { ok: true; type: string } | { ok: false; code: string; message: string };

/**
 * Sends one ring request from `page` straight through its transport (not window.dht), as a peer that speaks
 * the protocol by hand would; `data` rides as the envelope's binary payload (a small file's inline bytes).
 */
export function requestRaw(page: Page, to: string, body: Record<string, unknown>, data?: Uint8Array): Promise<Answer> {
  return page.evaluate(
    async ({ to, body, data }) => {
      const envelope = { body: body as { type: string }, ...(data === null ? {} : { data: Uint8Array.from(atob(data), (c) => c.charCodeAt(0)) }) };
      try {
        const reply = await window.ringshare!.transport!.request(to, envelope, { timeoutMs: 10_000 });
        return { ok: true as const, type: reply.body.type };
      } catch (err) {
        return { ok: false as const, code: String((err as { code?: unknown }).code), message: (err as Error).message };
      }
    },
    { to, body, data: data === undefined ? null : Buffer.from(data).toString('base64') },
  );
}
