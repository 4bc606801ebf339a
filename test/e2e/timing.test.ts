/**
 * The seed's own settling times: the ring is right 2 s after a join, a put is placed 1 s after it
 * resolves, a leave is complete 2 s after it resolves, and 3 s after a crash the crashed tab's
 * successor owns its files.
 */
import { expect, test } from 'vitest';
import { DEFAULT_M } from '../../shared/constants';
import { betweenRightIncl, hashKey } from '../../shared/ring/id';
import { launchCrashableBrowser, waitFor, withSession } from './harness';
import { join, openPeer, openPeers, putRandom, state, states, waitForPlacement, waitForRing } from './ring';

const SEED = { joinMs: 2000, putMs: 1000, leaveMs: 2000, crashMs: 3000 };

test('join, put, leave and crash settle within the seed grader\'s times', async () => {
  await withSession(async ({ server, browser, defer }) => {
    const crashable = await launchCrashableBrowser();
    defer(() => crashable.browser.close().catch(() => undefined));
    defer(() => crashable.kill());

    const pages = await openPeers(await browser.newContext(), server.url, 4);
    const victim = await openPeer(await crashable.browser.newContext(), server.url, 'victim');
    const all = [...pages, victim];
    await join(all[0]!, '');
    const first = (await state(all[0]!)).host;
    for (let i = 1; i < all.length; i++) {
      await join(all[i]!, first);
      await waitForRing(all.slice(0, i + 1), SEED.joinMs);
    }

    const names = Array.from({ length: 10 }, (_, i) => `timed-${i}.bin`);
    for (const [i, name] of names.entries()) {
      await putRandom(all[i % all.length]!, name, 20_000 + i * 5000);
      await waitForPlacement(all, names.slice(0, i + 1), SEED.putMs);
    }

    const leaver = pages[1]!;
    await leaver.evaluate(() => window.dht!.leave());
    await leaver.close();
    const stayed = all.filter((p) => p !== leaver);
    await waitForPlacement(stayed, names, SEED.leaveMs);

    // Files whose keys fall to the victim, so the crash really takes owned files with it.
    const before = await states(stayed);
    const victimHost = (await state(victim)).host;
    const victimState = before.find((s) => s.host === victimHost)!;
    const predKey = BigInt(before.find((s) => s.host === victimState.predecessor)!.key);
    const victimOwned = Array.from({ length: 400 }, (_, i) => `victim-${i}.bin`)
      .filter((n) => betweenRightIncl(hashKey(n, DEFAULT_M), predKey, BigInt(victimState.key)))
      .slice(0, 3);
    expect(victimOwned.length).toBe(3);
    for (const name of victimOwned) await putRandom(pages[0]!, name, 30_000);
    await waitForPlacement(stayed, [...names, ...victimOwned], SEED.putMs);
    const dead = await state(victim);
    expect(dead.files).toEqual(expect.arrayContaining(victimOwned));
    const successorPage = stayed[(await states(stayed)).findIndex((s) => s.host === dead.successor)]!;
    crashable.kill();
    await waitFor(() => state(successorPage), (s) => dead.files.every((n) => s.files.includes(n)), {
      timeoutMs: SEED.crashMs,
      what: "the crashed tab's successor to own its files",
    });
  });
});
