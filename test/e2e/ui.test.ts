/** The page's own controls: file picker, drag and drop, fetch with a download link; filenames stay text. */
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { waitFor, withSession } from './harness';
import { SETTLE_MS, formRing, getHash, openPeers, sha256, waitForPlacement } from './ring';

test('upload by file picker and by drop, fetch by name through the page, download matches', async () => {
  await withSession(async ({ server, browser }) => {
    const context = await browser.newContext({ acceptDownloads: true });
    const pages = await openPeers(context, server.url, 3);
    await formRing(pages);
    const [uploader, dropper, fetcher] = pages as [typeof pages[0], typeof pages[0], typeof pages[0]];
    const dialogs: string[] = [];
    for (const page of pages) page.on('dialog', (d) => void d.dismiss().then(() => dialogs.push(d.message())));

    const picked = randomBytes(300_000);
    const evil = '<img src=x onerror=alert(1)>.txt';
    await uploader.setInputFiles('#file-input', [
      { name: 'picked.bin', mimeType: 'application/octet-stream', buffer: picked },
      { name: evil, mimeType: 'text/plain', buffer: Buffer.from('not html') },
    ]);
    await waitFor(uploader, () => document.querySelectorAll('#uploads .transfer[data-state="done"]').length === 2, {
      timeoutMs: SETTLE_MS.put * 4,
      what: 'both picked files to show as stored',
    });

    const dropped = randomBytes(120_000);
    await dropper.evaluate((bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'dropped.bin'));
      document.querySelector('#drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, [...dropped]);
    await waitFor(dropper, () => document.querySelector('#uploads .transfer[data-state="done"]') !== null, {
      timeoutMs: SETTLE_MS.put * 4,
      what: 'the dropped file to show as stored',
    });
    await waitForPlacement(pages, ['picked.bin', 'dropped.bin', evil], SETTLE_MS.put);
    expect(await getHash(fetcher, 'dropped.bin')).toBe(sha256(dropped));

    await fetcher.fill('#fetch-name', 'picked.bin');
    await fetcher.click('#fetch-button');
    const link = fetcher.locator('#download-link');
    await link.waitFor({ state: 'visible', timeout: SETTLE_MS.put * 4 });
    const [download] = await Promise.all([fetcher.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('picked.bin');
    expect(sha256(await readFile((await download.path())!))).toBe(sha256(picked));

    await fetcher.fill('#fetch-name', 'missing.bin');
    await fetcher.click('#fetch-button');
    await waitFor(fetcher, () => document.querySelector('#messages')?.textContent?.includes('No such file: missing.bin'), {
      timeoutMs: SETTLE_MS.put,
      what: 'a "no such file" message',
    });

    // The hostile name is shown as text everywhere and no script ran.
    const shown = await waitFor(
      () => Promise.all(pages.map((p) => p.evaluate((n) => [...document.querySelectorAll('#files li, #backups li')].some((li) => li.textContent?.includes(n)), evil))),
      (seen) => seen.every(Boolean),
      { timeoutMs: SETTLE_MS.put, what: 'the hostile filename listed as text on every tab' },
    );
    expect(shown).toEqual([true, true, true]);
    for (const page of pages) expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
