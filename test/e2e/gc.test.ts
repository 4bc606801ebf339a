/**
 * Garbage collection in the middle of transfers: with every page collecting garbage every few milliseconds
 * (Chromium's --expose-gc), a put hashes and stores its file and another tab reads it back byte-identical. A
 * pending read of a Blob's stream that only its own promises reached was collected and never settled, so a
 * put hung with nothing hashed (client/dht/blob-source.ts); here that hang came on every put.
 */
import { expect, test } from 'vitest';
import { within, withSession } from './harness';
import { formRing, getHash, openPeers, putRandom } from './ring';

const MiB = 1024 * 1024;
const GC_EVERY_MS = 2;
/** Downloads over 4 MiB go to a file in the origin private file system: its writes are under collection too. */
const OPFS_QUERY = 'memory-mib=4';
/** An 8 MiB put and get take a few seconds even while collecting this often; a hang fails naming its step. */
const STEP_MS = 60_000;

test('a put and a get finish while the pages collect garbage every 2 ms', async () => {
  await withSession(
    async ({ server, browser }) => {
      const context = await browser.newContext();
      await context.addInitScript((ms) => setInterval(() => (window as unknown as { gc(): void }).gc(), ms), GC_EVERY_MS);
      const pages = await openPeers(context, server.url, 2, OPFS_QUERY);
      await formRing(pages);
      const hash = await within(putRandom(pages[0]!, 'collected.bin', 8 * MiB), STEP_MS, 'the put while collecting garbage');
      expect(await within(getHash(pages[1]!, 'collected.bin'), STEP_MS, 'the get while collecting garbage')).toBe(hash);
    },
    { browserArgs: ['--js-flags=--expose-gc'] },
  );
});
