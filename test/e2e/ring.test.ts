/** Five tabs form the ring the sorted keys say; a sixth takes over exactly the files that now fall to it. */
import { expect, test } from 'vitest';
import { hashKey, betweenRightIncl } from '../../shared/ring/id';
import { DEFAULT_M } from '../../shared/constants';
import { withSession } from './harness';
import { SETTLE_MS, formRing, join, openPeer, openPeers, putRandom, state, waitForPlacement, waitForRing } from './ring';

test('five tabs form the ring sorted by key; a joining tab takes over exactly its share of files', async () => {
  await withSession(async ({ server, browser }) => {
    const context = await browser.newContext();
    const pages = await openPeers(context, server.url, 5);

    const ring = await formRing(pages);
    expect(new Set(ring.map((p) => p.host)).size).toBe(5);

    const names = Array.from({ length: 24 }, (_, i) => `doc-${i}.txt`);
    for (const [i, name] of names.entries()) await putRandom(pages[i % pages.length]!, name, 1024 + i * 97);
    await waitForPlacement(pages, names, SETTLE_MS.put);

    const newcomer = await openPeer(context, server.url, 'tab5');
    await join(newcomer, ring[0]!.host);
    const all = [...pages, newcomer];
    const settled = await waitForPlacement(all, names, SETTLE_MS.join);
    await waitForRing(all);

    const me = await state(newcomer);
    const mine = names.filter((n) => betweenRightIncl(hashKey(n, DEFAULT_M), BigInt(settled.find((p) => p.host === me.predecessor)!.key), BigInt(me.key)));
    expect([...me.files].sort()).toEqual([...mine].sort());
    // Nobody else still claims them.
    for (const peer of settled.filter((p) => p.host !== me.host)) for (const name of mine) expect(peer.files).not.toContain(name);
  });
});
