/**
 * Tabs opened as a person opens them: no `?join=manual`, all at once. They find each other through the
 * peers the signaling server suggests (two rings started at the same moment merge), and each page shows
 * its own id and its neighbours.
 */
import { expect, test } from 'vitest';
import { openTab, waitFor, withSession } from './harness';
import { SETTLE_MS, getHash, putRandom, waitForRing } from './ring';

test('tabs opened together join one ring by themselves and show their ids and neighbours', async () => {
  await withSession(async ({ server, browser }) => {
    const context = await browser.newContext();
    const pages = await Promise.all(['a', 'b', 'c', 'd'].map((name) => openTab(context, `${server.url}/`, name)));
    const ring = await waitForRing(pages, SETTLE_MS.join * 2);

    for (const [i, page] of pages.entries()) {
      const me = ring[i]!;
      const shown = () => ({
        id: document.querySelector('#peer-id')?.textContent ?? '',
        successor: document.querySelector('#successor')?.textContent ?? '',
        predecessor: document.querySelector('#predecessor')?.textContent ?? '',
        status: document.querySelector<HTMLElement>('#status')?.dataset.state ?? '',
      });
      await waitFor(
        () => page.evaluate(shown),
        (s) => s.id === me.host && s.successor === me.successor && s.predecessor === me.predecessor && s.status === 'joined',
        { timeoutMs: 5000, what: `tab ${i} to show its id ${me.host}, successor ${me.successor} and predecessor ${me.predecessor}` },
      );
    }
    const hash = await putRandom(pages[0]!, 'hello.txt', 4096);
    expect(await getHash(pages[3]!, 'hello.txt')).toBe(hash);
  });
});
