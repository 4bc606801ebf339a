/**
 * In real Firefox, which has no `showSaveFilePicker`: a share link to a file over the in-memory threshold streams
 * it through the service worker into the browser's download folder (a temporary one here), byte-identical,
 * and leaves nothing in the origin private file system.
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { launchFirefox, newFirefoxTab, openFirefoxPeer } from './firefox';
import { logEvent, waitFor, withSession } from './harness';
import { SETTLE_MS, formRing, openPeer, putRandom, sha256 } from './ring';

const FILE_NAME = 'big file.bin';
const FILE_BYTES = 3 * 1024 * 1024 + 12_345;
/** Over 1 MiB a download leaves memory; one copy keeps the put short. */
const QUERY = 'replicas=1&memory-mib=1';

test('Firefox streams a share link over the threshold to its download folder through the service worker, byte-identical, no private copy', async () => {
  await withSession(async ({ server, browser, defer }) => {
    const folder = await mkdtemp(join(tmpdir(), 'ringshare-ff-downloads-'));
    defer(() => rm(folder, { recursive: true, force: true }));
    const firefox = await launchFirefox({
      'browser.download.folderList': 2,
      'browser.download.dir': folder,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
      'browser.helperApps.neverAsk.saveToDisk': 'application/octet-stream',
    });
    defer(() => firefox.close());

    const chromiumTab = await openPeer(await browser.newContext(), server.url, 'chromium', undefined, QUERY);
    const firefoxTab = await openFirefoxPeer(firefox.browser, server.url, 'firefox', QUERY);
    await formRing([chromiumTab, firefoxTab]);
    const hash = await putRandom(chromiumTab, FILE_NAME, FILE_BYTES);

    const page = await newFirefoxTab(firefox.browser, 'firefox-get');
    await page.goto(`${server.url}/?get=${encodeURIComponent(FILE_NAME)}&${QUERY}`);
    // Firefox writes `<name>.part` beside it until the download is done.
    const saved = join(folder, FILE_NAME);
    // The fetch row rides along so that a timeout says how far the get got (a CI run once saw only "-1").
    await waitFor(
      async () => {
        const files = await readdir(folder);
        const size = files.includes(FILE_NAME) && !files.some((f) => f.endsWith('.part')) ? (await stat(saved)).size : -1;
        const row = await page.evaluate(() => {
          const transfer = document.querySelector<HTMLElement>('#fetch-status .transfer');
          return { state: transfer?.dataset.state, text: transfer?.textContent, joined: window.dht?.joined };
        }).catch((err: Error) => ({ threw: err.message }));
        return { files, size, row };
      },
      (seen) => seen.size === FILE_BYTES,
      { timeoutMs: SETTLE_MS.join + SETTLE_MS.put * 4, what: `${FILE_NAME} whole in the download folder` },
    );
    expect(sha256(await readFile(saved))).toBe(hash);
    const after = await waitFor(() => page.evaluate(async () => {
      const row = document.querySelector<HTMLElement>('#fetch-status .transfer');
      const files: string[] = [];
      const root = await navigator.storage.getDirectory();
      const downloads = await root.getDirectoryHandle('downloads').catch(() => undefined);
      if (downloads) {
        for await (const [peer, dir] of downloads as unknown as AsyncIterable<[string, FileSystemDirectoryHandle]>) {
          for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) files.push(`${peer}/${name}`);
        }
      }
      const scopes = (await navigator.serviceWorker.getRegistrations()).map((r) => new URL(r.scope).pathname);
      return { state: row?.dataset.state, text: row?.querySelector('.state')?.textContent, files, scopes, picker: typeof (window as { showSaveFilePicker?: unknown }).showSaveFilePicker };
    }), (seen) => seen.state !== undefined && !['waiting', 'running'].includes(seen.state), { timeoutMs: SETTLE_MS.put, what: 'the fetch row to finish' });
    logEvent('firefox-streamed-download', { ...after, folder: await readdir(folder) });
    expect(after).toEqual({ state: 'done', text: 'saved to your downloads (3.0 MiB)', files: [], scopes: ['/download/'], picker: 'undefined' });
  });
});
