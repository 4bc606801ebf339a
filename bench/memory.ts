/**
 * Memory of a large transfer: a file from disk put into a ring and got by another tab (which keeps it in the
 * origin private file system, as every large download), while the JS heap of every tab is sampled.
 *
 * The ring keeps one copy (`?replicas=1`): the heap of the sending and receiving tabs does not depend on the
 * backups, which take the same windowed path on other tabs, and on two cores making them would more than
 * double the section's time (the transfer section measures the ring with its backups).
 */
import type { Page } from 'playwright-core';
import { launchBrowser, startServer, withCleanup } from '../test/e2e/harness';
import { formRing, openPeer, states } from '../test/e2e/ring';
import { newContext } from './browser';
import { watchHeap } from './heap';
import type { BenchPlan } from './options';
import { checkSame, fileDir, makeFile, timedGet, timedPut, transferRoles } from './page-files';
import type { Progress } from './progress';
import { round } from './stats';

export interface MemoryResult {
  fileBytes: number;
  senderPeakHeapMiB: number;
  receiverPeakHeapMiB: number;
  /** The highest peak among the owner and its backups, which receive the file during the put and serve it during the get. */
  holdersPeakHeapMiB: number;
  putSeconds: number;
  getSeconds: number;
  /** Tabs in the ring and copies it keeps of every file. */
  tabs: number;
  replicas: number;
}

/** The putter, the getter and the owner. */
const RING_TABS = 3;
const REPLICAS = 1;
const NAME = 'bench-memory.bin';

/** One run, not a median: at the default 1 GiB a run takes minutes, and a peak is a maximum anyway. */
export async function benchMemory(plan: BenchPlan, progress: Progress): Promise<MemoryResult> {
  return withCleanup(async (defer) => {
    const server = await startServer();
    defer(() => server.close());
    const browser = await launchBrowser();
    defer(() => browser.close());
    // A context per tab, as if each were a browser of its own: a private context keeps an origin's storage in
    // memory under a quota that the owner's stored gigabyte and the getter's downloaded one together exceed.
    const pages: Page[] = [];
    for (let i = 0; i < RING_TABS; i++) pages.push(await openPeer(await newContext(browser), server.url, `tab${i}`, undefined, `replicas=${REPLICAS}`));
    await formRing(pages);
    const peers = await states(pages);
    const { putter, getter, holders } = transferRoles(peers, NAME, REPLICAS);
    const page = (host: string) => pages[peers.findIndex((p) => p.host === host)]!;

    const watches = new Map(await Promise.all(peers.map(async (p) => [p.host, await watchHeap(page(p.host))] as const)));
    defer(() => Promise.all([...watches.values()].map((w) => w.stop())));
    const peak = (host: string) => watches.get(host)!.peakMiB();

    const dir = fileDir();
    defer(() => dir.remove());
    const made = await makeFile(page(putter), dir.path, NAME, plan.memoryBytes);
    progress('memory-file-made', { bytes: plan.memoryBytes, putterHeapMiB: round(peak(putter), 1) });
    const putMs = await timedPut(page(putter), NAME);
    progress('memory-put', { seconds: round(putMs / 1000, 1), putterHeapMiB: round(peak(putter), 1) });
    const got = await timedGet(page(getter), NAME);
    checkSame(NAME, made, got, plan.memoryBytes);
    progress('memory-get', { seconds: round(got.ms / 1000, 1), getterHeapMiB: round(peak(getter), 1) });
    return {
      fileBytes: plan.memoryBytes,
      senderPeakHeapMiB: round(peak(putter), 1),
      receiverPeakHeapMiB: round(peak(getter), 1),
      holdersPeakHeapMiB: round(Math.max(...holders.map(peak)), 1),
      putSeconds: round(putMs / 1000, 1),
      getSeconds: round(got.ms / 1000, 1),
      tabs: RING_TABS,
      replicas: REPLICAS,
    };
  });
}
