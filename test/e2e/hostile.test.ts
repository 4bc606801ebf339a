/**
 * Hostile peers in a ring of real tabs. A replica that serves corrupted chunks is caught by the SHA-256
 * check, the chunks come from another replica, the file arrives intact, and the page is told. A tab that
 * claims a live peer's key slot (as a duplicated tab would) is given a key and id of its own, so it can
 * neither take that peer's place nor its key.
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { DEFAULT_M } from '../../shared/constants';
import { hashKey } from '../../shared/ring/id';
import { corruptChunkReplies, corruptedReplies, nodeStats, notices, recordNotices } from './faults';
import { withSession } from './harness';
import { SETTLE_MS, expectedRing, formRing, getHash, join, openPeer, putRandom, states, waitForPlacement, waitForRing } from './ring';

const CHUNKS = 6;
const CHUNK_BYTES = 60 * 1024;
/** Reads at most, for one that the liar serves: each leaves it out with a chance of about 1/3. */
const READS_UNTIL_LIED = 12;

test('corrupted chunks from a lying replica are detected, fetched elsewhere and reported; a stolen id is refused', async () => {
  await withSession(async ({ server, browser }) => {
    const honest = await browser.newContext();
    const lying = await browser.newContext();
    await corruptChunkReplies(lying);
    const pages: Page[] = [];
    for (let i = 0; i < 3; i++) pages.push(await openPeer(honest, server.url, `honest${i}`));
    const liar = await openPeer(lying, server.url, 'liar');
    pages.push(liar);
    const ring = expectedRing(await formRing(pages));
    const byHost = new Map(await Promise.all(pages.map(async (p) => [(await states([p]))[0]!.host, p] as const)));

    // A name the liar owns, so it is a replica. With 4 peers and 3 replicas the one
    // peer that is not a replica of that name is the liar's predecessor; it puts the file and reads it back.
    const liarAt = ring.findIndex((p) => byHost.get(p.host) === liar);
    const liarKey = BigInt(ring[liarAt]!.key);
    const predKey = BigInt(ring[(liarAt + ring.length - 1) % ring.length]!.key);
    const owned = (key: bigint) => (predKey < liarKey ? predKey < key && key <= liarKey : key > predKey || key <= liarKey);
    let name = '';
    for (let i = 0; i < 1000 && !name; i++) if (owned(hashKey(`evil-${i}.bin`, DEFAULT_M))) name = `evil-${i}.bin`;
    expect(name, 'a name whose key falls in the liar’s range').not.toBe('');
    const reader = byHost.get(ring[(liarAt + ring.length - 1) % ring.length]!.host)!;
    await recordNotices(reader);

    const hash = await putRandom(reader, name, CHUNKS * CHUNK_BYTES - 1000);
    await waitForPlacement(pages, [name], SETTLE_MS.put);
    // A get reads from the replicas whose answers made a majority first, which leaves the liar out about one
    // read in three: read until it has served the reader one (each read byte-identical). Its lies to others
    // do not count: a backup pulling the file from it met them first in one full run.
    for (let read = 0; read < READS_UNTIL_LIED && (read === 0 || (await nodeStats(reader)).corruptChunks === 0); read++) {
      expect(await getHash(reader, name)).toBe(hash);
    }

    // The liar did lie, and the reader caught it for what it was.
    expect(await corruptedReplies(liar)).toBeGreaterThan(0);
    const liarHost = ring[liarAt]!.host;
    const stats = await nodeStats(reader);
    expect(stats.corruptChunks).toBeGreaterThan(0);
    const told = await notices(reader);
    expect(told.length).toBe(stats.corruptChunks);
    expect(told[0]).toMatchObject({ level: 'warn', message: expect.stringContaining(`peer ${liarHost} failed its SHA-256 check`) });
    // The page shows it, too.
    await expect.poll(() => reader.locator('#messages').textContent(), { timeout: 5000 }).toContain('SHA-256');

    // ---- a tab that claims a live peer's key slot gets a key and id of its own, and joins as itself -------
    const victim = ring[(liarAt + 1) % ring.length]!.host;
    const victimPage = byHost.get(victim)!;
    const victimSlot = (await victimPage.evaluate(() => sessionStorage.getItem('ringshare.peerKeySlot')))!;
    const impostor = await openPeer(honest, server.url, 'impostor', victimSlot);
    const impostorHost = await impostor.evaluate(() => window.dht!.host);
    expect(impostorHost).not.toBe(victim);
    expect(await impostor.evaluate(() => sessionStorage.getItem('ringshare.peerKeySlot'))).not.toBe(victimSlot);
    expect(await victimPage.evaluate(() => window.ringshare!.signal.status)).toBe('online');
    await join(impostor, victim);
    const all = [...pages, impostor];
    const after = await waitForRing(all, SETTLE_MS.join);
    expect(new Set(after.map((s) => s.host)).size).toBe(all.length);
    expect(after.map((s) => s.host)).toContain(victim);
    expect(await getHash(impostor, name)).toBe(hash);
  });
});
