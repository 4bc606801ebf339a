/**
 * A download over the in-memory threshold where the browser has no `showSaveFilePicker` (hidden here, as in
 * Firefox): opened by its share link, it streams to the browser's downloads through the service worker, the
 * file on disk is byte-identical, and nothing is left in the origin private file system. (A cancel from the page
 * is not tested here: a second automatic download in this context never reached Playwright's download event.)
 */
import { readFile, stat } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { logEvent, waitFor, withSession } from './harness';
import { SETTLE_MS, formRing, openPeers, putRandom, sha256 } from './ring';

const MiB = 1024 * 1024;
/** Downloads over 1 MiB leave memory; one copy per file keeps the puts short. */
const QUERY = 'replicas=1&memory-mib=1';

/** Every page of the context without the File System Access API's save dialog. */
async function withoutSavePicker(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true }));
}

/** Files in the origin private file system, anywhere under `downloads/`. */
function privateDownloads(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const found: string[] = [];
    const walk = async (dir: FileSystemDirectoryHandle, path: string): Promise<void> => {
      for await (const [name, handle] of (dir as unknown as AsyncIterable<[string, FileSystemHandle]>)) {
        if (handle.kind === 'file') found.push(`${path}/${name}`);
        else await walk(handle as FileSystemDirectoryHandle, `${path}/${name}`);
      }
    };
    const root = await navigator.storage.getDirectory();
    const downloads = await root.getDirectoryHandle('downloads').catch(() => undefined);
    if (downloads) await walk(downloads, 'downloads');
    return found;
  });
}

function rowState(page: Page): Promise<{ state: string | undefined; text: string | null | undefined }> {
  return page.evaluate(() => {
    const row = document.querySelector<HTMLElement>('#fetch-status .transfer');
    return { state: row?.dataset.state, text: row?.querySelector('.state')?.textContent };
  });
}

test('a share link to a file over the threshold streams it to disk through the service worker, byte-identical, with no private copy', async () => {
  await withSession(async ({ server, browser, defer }) => {
    const context = await browser.newContext({ acceptDownloads: true });
    defer(() => context.close());
    await withoutSavePicker(context);
    const pages = await openPeers(context, server.url, 2, QUERY);
    await formRing(pages);
    const hash = await putRandom(pages[0]!, 'big file.bin', 3 * MiB + 12_345);

    const opened = await context.newPage();
    const [download] = await Promise.all([
      opened.waitForEvent('download', { timeout: SETTLE_MS.join + SETTLE_MS.put * 2 }),
      opened.goto(`${server.url}/?get=${encodeURIComponent('big file.bin')}&${QUERY}`),
    ]);
    expect(await opened.evaluate(() => typeof (window as { showSaveFilePicker?: unknown }).showSaveFilePicker)).toBe('undefined');
    // Served by the worker at /download/<id>/<name>, under the file's own name.
    expect(download.url()).toMatch(new RegExp(`^${server.url}/download/[0-9a-f-]{36}/big%20file\\.bin$`));
    expect(download.suggestedFilename()).toBe('big file.bin');
    const path = (await download.path())!;
    expect((await stat(path)).size).toBe(3 * MiB + 12_345);
    expect(sha256(await readFile(path))).toBe(hash);
    const done = await waitFor(() => rowState(opened), (row) => row.state !== undefined && !['waiting', 'running'].includes(row.state), { timeoutMs: SETTLE_MS.put, what: 'the fetch row to finish' });
    expect(done.text).toBe('saved to your downloads (3.0 MiB)');
    expect(await opened.evaluate(() => document.querySelector('#download-link')!.hasAttribute('hidden'))).toBe(true);
    expect(await privateDownloads(opened)).toEqual([]);
    logEvent('streamed-download', { url: download.url(), path });

  });
});
