/**
 * The ring's files in the page and share links, in real tabs: a tab lists what three others put and not what
 * one of them deleted, the filter narrows the list, a click fetches the identical bytes; a share link opened in a fresh browser context
 * downloads the identical file, and a link to a missing file says so plainly.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { waitFor, withSession } from './harness';
import { SETTLE_MS, formRing, openPeers, putRandom, sha256, waitForPlacement } from './ring';

/** Names the page lists under "Files in the ring", in order. */
function listedNames(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('#ring-files li')].map((li) => (li as HTMLElement).dataset.name!));
}

/** Clicks "Refresh" and waits until the list shows exactly `names`. */
async function waitForListed(page: Page, names: string[], what: string): Promise<string[]> {
  return waitFor(
    async () => {
      await page.click('#ring-refresh');
      return listedNames(page);
    },
    (shown) => JSON.stringify(shown) === JSON.stringify(names),
    { timeoutMs: SETTLE_MS.put * 2, what },
  );
}

async function downloadHash(page: Page): Promise<{ name: string; hash: string }> {
  const link = page.locator('#download-link');
  await link.waitFor({ state: 'visible', timeout: SETTLE_MS.put * 4 });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { name: download.suggestedFilename(), hash: sha256(await readFile((await download.path())!)) };
}

test('a tab lists the files three others put and not a deleted one, the filter narrows the list, a click fetches the identical bytes, and share links work from a fresh context', async () => {
  await withSession(async ({ server, browser, defer }) => {
    const context = await browser.newContext({ acceptDownloads: true });
    defer(() => context.close());
    const pages = await openPeers(context, server.url, 4);
    await formRing(pages);
    const [browser0, ...putters] = pages as [Page, ...Page[]];

    const hashes = new Map<string, string>();
    const sizes = [1_000, 60_000, 700_000];
    for (const [i, putter] of putters.entries()) {
      for (const kind of ['photo', 'notes']) {
        const name = `${kind}-${i}.bin`;
        hashes.set(name, await putRandom(putter, name, sizes[i]! + kind.length));
      }
    }
    const names = [...hashes.keys()].sort();
    await waitForPlacement(pages, names, SETTLE_MS.put * 2);

    // The page's list and dht.list agree: every file, by name, each with its size and owner.
    expect(await waitForListed(browser0, names, 'the six files listed')).toEqual(names);
    const entries = await browser0.evaluate(() => window.dht!.list());
    expect(entries.map((e) => e.name)).toEqual(names);
    const hosts = await Promise.all(pages.map((p) => p.evaluate(() => window.dht!.host)));
    for (const entry of entries) expect(hosts).toContain(entry.owner);
    expect(entries.find((e) => e.name === 'notes-2.bin')?.size).toBe(700_005);

    // A file its writer deletes leaves the list, the page's and dht.list's.
    await putters[0]!.evaluate(() => window.dht!.delete('photo-0.bin'));
    const kept = names.filter((n) => n !== 'photo-0.bin');
    expect(await waitForListed(browser0, kept, 'the deleted file to leave the list')).toEqual(kept);
    expect((await browser0.evaluate(() => window.dht!.list())).map((e) => e.name)).toEqual(kept);

    // "contains" narrows the page's list at once; "starts with" asks the owners.
    await browser0.fill('#ring-filter', 'OTO');
    expect(await listedNames(browser0)).toEqual(kept.filter((n) => n.startsWith('photo')));
    await browser0.selectOption('#ring-filter-mode', 'prefix');
    await browser0.fill('#ring-filter', 'notes-');
    await waitForListed(browser0, names.filter((n) => n.startsWith('notes-')), 'the "starts with" filter to list the notes only');
    expect(await browser0.evaluate(() => window.dht!.list({ prefix: 'photo-1' }).then((list) => list.map((e) => e.name)))).toEqual(['photo-1.bin']);

    // A click on a listed name fetches it: the download is byte-identical.
    await browser0.click('#ring-files li[data-name="notes-2.bin"] button.name');
    expect(await downloadHash(browser0)).toEqual({ name: 'notes-2.bin', hash: hashes.get('notes-2.bin') });

    // Its share link, with a QR code drawn.
    await browser0.click('#ring-files li[data-name="notes-2.bin"] button.share');
    const shared = await browser0.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#share-qr')!;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let dark = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 128) dark++;
      return { url: document.querySelector<HTMLInputElement>('#share-url')!.value, width: canvas.width, darkShare: dark / (pixels.length / 4) };
    });
    expect(shared.url).toBe(`${server.url}/?get=notes-2.bin`);
    expect(shared.width).toBeGreaterThan(100);
    // A QR code is about half dark modules inside its quiet zone.
    expect(shared.darkShare).toBeGreaterThan(0.2);
    expect(shared.darkShare).toBeLessThan(0.6);

    // The link in a fresh browser context: the tab joins by itself, fetches, and offers the identical file.
    const fresh = await browser.newContext({ acceptDownloads: true });
    defer(() => fresh.close());
    const opened = await fresh.newPage();
    await opened.goto(shared.url);
    expect(await downloadHash(opened)).toEqual({ name: 'notes-2.bin', hash: hashes.get('notes-2.bin') });

    // A link to a file nobody has says so plainly.
    const missing = await fresh.newPage();
    await missing.goto(`${server.url}/?get=${encodeURIComponent('no such thing.bin')}`);
    await waitFor(missing, () => document.querySelector('#messages')?.textContent?.includes('No file named no such thing.bin in the ring'), {
      timeoutMs: SETTLE_MS.join + SETTLE_MS.put,
      what: 'a plain "no file named" message',
    });
    expect(await missing.evaluate(() => document.querySelector('#download-link')!.hasAttribute('hidden'))).toBe(true);
  });
});
