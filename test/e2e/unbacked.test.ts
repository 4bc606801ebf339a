/** The page warns of files this tab owns that no backup holds (client/ui/unbacked-warning.ts), and clears once one does. */
import { expect, test } from 'vitest';
import { waitFor, withSession } from './harness';
import { SETTLE_MS, join, openPeers, putRandom, state, waitForPlacement } from './ring';
import { UNBACKED_GRACE_MS } from '../../client/ui/unbacked-warning';

/** The warning as the page shows it: its text, or null while it is hidden. */
const shown = () => {
  const warning = document.querySelector<HTMLElement>('#unbacked-warning');
  return warning && !warning.hidden ? warning.textContent : null;
};

test('a lone tab warns of the file it alone holds; the warning goes once a second tab backs it up', async () => {
  await withSession(async ({ server, browser }) => {
    const [lone, second] = await openPeers(await browser.newContext(), server.url, 2);
    await join(lone!, '');
    await putRandom(lone!, 'only-here.bin', 4096);
    // Quiet while the file is within its grace: a put to a lone tab resolves in well under the grace period.
    expect(await lone!.evaluate(shown)).toBeNull();
    const text = await waitFor(lone!, shown, { timeoutMs: UNBACKED_GRACE_MS + SETTLE_MS.put, what: 'the warning of a file at one copy' });
    expect(text).toContain('1 file this tab owns has no confirmed backup');
    expect(text).toContain('only-here.bin');

    await join(second!, (await state(lone!)).host);
    await waitForPlacement([lone!, second!], ['only-here.bin'], SETTLE_MS.join);
    // Whichever tab owns the file now, the other holds its backup: neither warns.
    for (const page of [lone!, second!]) {
      await waitFor(page, () => document.querySelector<HTMLElement>('#unbacked-warning')?.hidden === true, {
        timeoutMs: SETTLE_MS.join,
        what: 'the warning to go once the file has a backup',
      });
    }
  });
});
