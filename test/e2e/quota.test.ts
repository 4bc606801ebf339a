/**
 * One peer's browser storage is full. A put whose owner is that peer fails with the storage-full error and
 * never leaves a half-written file there; a put for which it is only a backup is stored on the other replicas
 * and read back intact from every tab. Either way no file is lost without the putter being told.
 *
 * The full peer has a browser profile of its own, with its quota lowered (harness launchQuotaProfile).
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { DEFAULT_M } from '../../shared/constants';
import { hashKey } from '../../shared/ring/id';
import { launchQuotaProfile, logEvent, waitFor, withSession } from './harness';
import { expectedRing, formRing, getHash, openPeer, state, type PeerState } from './ring';

const QUOTA_BYTES = 1024 * 1024;
const FILE_BYTES = 3 * QUOTA_BYTES;

interface StoreAudit {
  files: string[];
  /** Files whose metadata is visible but whose chunks are not all there. */
  incomplete: string[];
  /** Roots of chunks that belong to no visible file. */
  orphanRoots: string[];
}

/** What the tab's IndexedDB really holds, read past the ring node: visible files, and chunks of nothing. */
function auditStore(page: Page): Promise<StoreAudit> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(`ringshare-${window.dht!.host}`);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      const store = db.transaction('kv', 'readonly').objectStore('kv');
      const read = <T>(req: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((req.onsuccess = () => resolve(req.result)), (req.onerror = () => reject(req.error))));
      const [keys, values] = await Promise.all([read(store.getAllKeys()), read(store.getAll())]);
      const metas: Array<{ name: string; root: string; chunks: number }> = [];
      const chunks = new Map<string, number>();
      keys.forEach((key, i) => {
        const [kind, root] = key as [string, string];
        if (kind === 'meta') metas.push((values[i] as { meta: { name: string; root: string; chunks: number } }).meta);
        else if (kind === 'chunk') chunks.set(root, (chunks.get(root) ?? 0) + 1);
      });
      const roots = new Set(metas.map((m) => m.root));
      return {
        files: metas.map((m) => m.name).sort(),
        incomplete: metas.filter((m) => (chunks.get(m.root) ?? 0) !== m.chunks).map((m) => m.name),
        orphanRoots: [...chunks.keys()].filter((root) => !roots.has(root)),
      };
    } finally {
      db.close();
    }
  });
}

/**
 * A name whose replicas (owner first) have the peer `host` at `position`, and the one peer of a ring of
 * r + 1 that holds no replica of it (the owner's predecessor), to put it from.
 */
function nameAt(ring: PeerState[], host: string, position: number, prefix: string): { name: string; putter: string } {
  const at = ring.findIndex((p) => p.host === host);
  const owner = ring[(at - position + ring.length) % ring.length]!;
  const pred = ring[(at - position - 1 + 2 * ring.length) % ring.length]!;
  const [lo, hi] = [BigInt(pred.key), BigInt(owner.key)];
  for (let i = 0; i < 1000; i++) {
    const key = hashKey(`${prefix}-${i}.bin`, DEFAULT_M);
    if (lo < hi ? lo < key && key <= hi : key > lo || key <= hi) return { name: `${prefix}-${i}.bin`, putter: pred.host };
  }
  throw new Error(`no name among 1000 falls in ${owner.host}'s range`);
}

/** Puts random bytes and reports their SHA-256 whether or not the put succeeded, with the error if it failed. */
function putReporting(page: Page, name: string, size: number): Promise<{ hash: string; error?: { code?: string; message: string } }> {
  return page.evaluate(
    async ({ name, size }) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      const hash = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      try {
        await window.dht!.put(name, bytes);
        return { hash };
      } catch (err) {
        return { hash, error: { code: (err as { code?: string }).code, message: (err as Error).message } };
      }
    },
    { name, size },
  );
}

test("a full peer's storage: its put fails clearly, nothing half-written stays, its backups live on elsewhere", async () => {
  await withSession(async ({ server, browser, defer }) => {
    const fullProfile = await launchQuotaProfile(server.url, QUOTA_BYTES, defer);

    const roomy = await browser.newContext();
    const others: Page[] = [];
    for (let i = 0; i < 3; i++) others.push(await openPeer(roomy, server.url, `roomy${i}`));
    const full = await openPeer(fullProfile, server.url, 'full');
    const pages = [...others, full];
    const ring = expectedRing(await formRing(pages));
    const byHost = new Map(await Promise.all(pages.map(async (p) => [(await state(p)).host, p] as const)));
    const fullHost = (await state(full)).host;

    // ---- the full peer owns the file: the put fails with the storage-full error ------------------------------
    const owned = nameAt(ring, fullHost, 0, 'owned');
    const ownedPut = await putReporting(byHost.get(owned.putter)!, owned.name, FILE_BYTES);
    expect(ownedPut.error).toMatchObject({ code: 'quota-exceeded', message: expect.stringMatching(/storage is full \(quota exceeded\)/i) });

    // ---- the full peer is a backup: the file is stored on the others and read back everywhere ---------------
    const backedUp = nameAt(ring, fullHost, 1, 'backed-up');
    const backedUpPut = await putReporting(byHost.get(backedUp.putter)!, backedUp.name, FILE_BYTES);
    expect(backedUpPut.error).toBeUndefined();
    for (const [host, page] of byHost) expect(await getHash(page, backedUp.name), `${backedUp.name} from ${host}`).toBe(backedUpPut.hash);

    // Whatever the full peer's replication tries again, it never shows a file it could not store whole, and
    // the chunks of a failed transfer do not outlive it for long.
    const audit = await waitFor(() => auditStore(full), (a) => a.orphanRoots.length === 0, { timeoutMs: 10_000, what: 'the full peer to discard partial chunks' });
    expect(audit.incomplete).toEqual([]);
    expect(audit.files).not.toContain(owned.name);
    expect(audit.files).not.toContain(backedUp.name);
    const seen = await state(full);
    expect([...seen.files, ...seen.backUpFiles]).not.toContain(owned.name);

    // The put that failed did not half-succeed: a reader finds the whole file (its backups may have got it
    // before the owner failed) or nothing at all, never a broken one.
    const ownedRead = await getHash(others[0]!, owned.name);
    logEvent('quota-owned-read', { found: ownedRead !== null });
    expect([null, ownedPut.hash]).toContain(ownedRead);
  });
});
