/**
 * Downloads over the in-memory threshold in Chromium, which has `showSaveFilePicker`. A share link (no click, and
 * the size unknown until the get looks it up) streams the file to the browser's downloads through the service
 * worker: the file on disk is byte-identical and nothing is left in the origin private file system. A click on a
 * listed file, whose size the list gives, writes it straight into the file the user picks (the dialog is stood in
 * for by a handle in the origin private file system, outside the downloads folder). Firefox, which has no save
 * dialog, streams through the worker too (firefox-download.test.ts). (A cancel from the page is in abort.test.ts.)
 */
import { readFile, stat } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { logEvent, waitFor, withSession } from './harness';
import { SETTLE_MS, formRing, openPeers, putRandom, sha256 } from './ring';

const MiB = 1024 * 1024;
/** Downloads over 1 MiB leave memory; one copy per file keeps the puts short. */
const QUERY = 'replicas=1&memory-mib=1';

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

test('over the threshold, a share link streams to disk through the service worker and a listed file goes to the picked file, byte-identical, no private copy', async () => {
  await withSession(async ({ server, browser, defer }) => {
    const context = await browser.newContext({ acceptDownloads: true });
    defer(() => context.close());
    const pages = await openPeers(context, server.url, 2, QUERY);
    await formRing(pages);
    const hash = await putRandom(pages[0]!, 'big file.bin', 3 * MiB + 12_345);

    const opened = await context.newPage();
    const [download] = await Promise.all([
      opened.waitForEvent('download', { timeout: SETTLE_MS.join + SETTLE_MS.put * 2 }),
      opened.goto(`${server.url}/?get=${encodeURIComponent('big file.bin')}&${QUERY}`),
    ]);
    expect(await opened.evaluate(() => typeof (window as { showSaveFilePicker?: unknown }).showSaveFilePicker)).toBe('function');
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

    // A click on the listed file: its size is known, so the page asks where to save and writes the bytes there.
    const picker = pages[1]!;
    await picker.evaluate(() => {
      const picked: string[] = [];
      (window as { pickedNames?: string[] }).pickedNames = picked;
      Object.defineProperty(window, 'showSaveFilePicker', {
        configurable: true,
        value: async ({ suggestedName }: { suggestedName: string }) => {
          picked.push(suggestedName);
          const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true });
          return dir.getFileHandle(suggestedName, { create: true });
        },
      });
    });
    const listed = '#ring-files li[data-name="big file.bin"] button.name';
    await waitFor(async () => {
      await picker.click('#ring-refresh');
      return picker.locator(listed).count();
    }, (count) => count === 1, { timeoutMs: SETTLE_MS.put * 2, what: 'the big file in the ring\'s list' });
    await picker.click(listed);
    const saved = await waitFor(() => rowState(picker), (row) => row.state !== undefined && !['waiting', 'running'].includes(row.state), { timeoutMs: SETTLE_MS.put * 2, what: 'the picked-file fetch to finish' });
    expect(saved.text).toBe('saved to big file.bin (3.0 MiB)');
    const written = await picker.evaluate(async () => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked');
      const bytes = new Uint8Array(await (await (await dir.getFileHandle('big file.bin')).getFile()).arrayBuffer());
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      return { picked: (window as { pickedNames?: string[] }).pickedNames, size: bytes.length, hash: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') };
    });
    expect(written).toEqual({ picked: ['big file.bin'], size: 3 * MiB + 12_345, hash });
    expect(await picker.evaluate(() => document.querySelector('#download-link')!.hasAttribute('hidden'))).toBe(true);
    expect(await privateDownloads(picker)).toEqual([]);
  });
});
