/**
 * Throughput in one Chromium: first the raw data channel between two plain tabs (the ceiling), then put and
 * get of one file in a 5-tab ring, each between tabs that do not hold the file.
 */
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openTab, startServer, withCleanup } from '../test/e2e/harness';
import { formRing, openPeers, states, waitForPlacement } from '../test/e2e/ring';
import { newContext } from './browser';
import type { BenchPlan } from './options';
import { checkSame, fileDir, makeFile, timedGet, timedPut, transferRoles } from './page-files';
import type { Progress } from './progress';
import { connectRaw, rawTransfer } from './raw-channel';
import { median, megabytesPerSecond, round } from './stats';

export interface TransferResult {
  fileBytes: number;
  /** Message size that gave the raw channel its best throughput. */
  rawChunkBytes: number;
  rawMBps: number;
  /** The short probe of each message size the best was chosen from. */
  rawProbeMBps: Record<string, number>;
  /** Null until the ring part has run (or when it failed: the raw figure is still reported). A put resolves once the owner holds the file. */
  putMBps: number | null;
  /** File bytes over the time from the put's start until the owner and both backups hold the file. */
  replicatedMBps: number | null;
  getMBps: number | null;
  /** min(put, get) / raw. */
  ratio: number | null;
  tabs: number;
  runs: number;
}

const KiB = 1024;
const RAW_CHUNK_SIZES = [16 * KiB, 64 * KiB, 256 * KiB];
/** The chunk-size sweep and the raw channel's warm-up move this share of the file: enough to rank, short enough to be cheap. */
const PROBE_SHARE = 1 / 4;
const RING_TABS = 5;
/** The ring's warm-up file: enough to open and warm every link a transfer uses, small enough that its backups take seconds. */
const RING_WARM_UP_BYTES = 4 * 1024 * 1024;
/** The backups of a 64 MiB file take tens of seconds on a loaded 2-core machine; this only bounds a hung run. */
const REPLICATION_TIMEOUT_MS = 300_000;

async function rawThroughput(browser: Browser, baseUrl: string, plan: BenchPlan, progress: Progress): Promise<{ chunkBytes: number; mbps: number; probes: Record<string, number> }> {
  const context = await newContext(browser);
  try {
    // The browser asks every page's origin for a favicon; /healthz's origin has none to give.
    await context.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
    // A page of the product's origin without the product: /healthz is plain JSON.
    const [sender, receiver] = [await openTab(context, `${baseUrl}/healthz`, 'raw-sender'), await openTab(context, `${baseUrl}/healthz`, 'raw-receiver')] as [Page, Page];
    await connectRaw(sender, receiver);
    const probeBytes = Math.round(plan.transferBytes * PROBE_SHARE);
    // The first transfer on a fresh channel runs at about half speed: warm up before anything counts.
    await rawTransfer(sender, receiver, probeBytes, 64 * KiB);
    let best = { chunkBytes: 0, mbps: 0 };
    const probes: Record<string, number> = {};
    for (const chunkBytes of RAW_CHUNK_SIZES) {
      const mbps = megabytesPerSecond(probeBytes, await rawTransfer(sender, receiver, probeBytes, chunkBytes));
      probes[String(chunkBytes)] = round(mbps);
      progress('raw-probe', { chunkBytes, MBps: round(mbps) });
      if (mbps > best.mbps) best = { chunkBytes, mbps };
    }
    const runs: number[] = [];
    for (let run = 0; run < plan.runs; run++) {
      runs.push(megabytesPerSecond(plan.transferBytes, await rawTransfer(sender, receiver, plan.transferBytes, best.chunkBytes)));
      progress('raw-measured', { run: run + 1, chunkBytes: best.chunkBytes, MBps: round(runs.at(-1)!) });
    }
    return { chunkBytes: best.chunkBytes, mbps: median(runs), probes };
  } finally {
    await context.close();
  }
}

/**
 * Puts a fresh file from a tab that will not hold it and, once its backups are made, gets it from another:
 * a get measured while the ring still copies the file would share the cores with it. Returns ms of each,
 * after checking the bytes.
 */
async function putAndGet(pages: Page[], dir: string, name: string, bytes: number): Promise<{ putMs: number; replicatedMs: number; getMs: number }> {
  const peers = await states(pages);
  const { putter, getter } = transferRoles(peers, name);
  const page = (host: string) => pages[peers.findIndex((p) => p.host === host)]!;
  const made = await makeFile(page(putter), dir, name, bytes);
  const started = performance.now();
  const putMs = await timedPut(page(putter), name);
  await waitForPlacement(pages, [name], REPLICATION_TIMEOUT_MS);
  const replicatedMs = performance.now() - started;
  const got = await timedGet(page(getter), name);
  checkSame(name, made, got, bytes);
  return { putMs, replicatedMs, getMs: got.ms };
}

/** `partial` gets the raw figure as soon as it is known, so a failure in the ring part does not lose it. */
export async function benchTransfer(plan: BenchPlan, progress: Progress, partial: (result: TransferResult) => void): Promise<TransferResult> {
  return withCleanup(async (defer) => {
    const server = await startServer();
    defer(() => server.close());
    const browser = await launchBrowser();
    defer(() => browser.close());

    const raw = await rawThroughput(browser, server.url, plan, progress);
    const result: TransferResult = {
      fileBytes: plan.transferBytes,
      rawChunkBytes: raw.chunkBytes,
      rawMBps: round(raw.mbps),
      rawProbeMBps: raw.probes,
      putMBps: null,
      replicatedMBps: null,
      getMBps: null,
      ratio: null,
      tabs: RING_TABS,
      runs: plan.runs,
    };
    partial(result);

    const dir = fileDir();
    defer(() => dir.remove());
    const pages = await openPeers(await newContext(browser), server.url, RING_TABS);
    await formRing(pages);
    progress('ring-formed', { tabs: RING_TABS });
    await putAndGet(pages, dir.path, 'bench-warm-up.bin', RING_WARM_UP_BYTES);
    const puts: number[] = [];
    const replicated: number[] = [];
    const gets: number[] = [];
    for (let run = 0; run < plan.runs; run++) {
      const { putMs, replicatedMs, getMs } = await putAndGet(pages, dir.path, `bench-transfer-${run}.bin`, plan.transferBytes);
      puts.push(megabytesPerSecond(plan.transferBytes, putMs));
      replicated.push(megabytesPerSecond(plan.transferBytes, replicatedMs));
      gets.push(megabytesPerSecond(plan.transferBytes, getMs));
      progress('ring-transfer-measured', { run: run + 1, putMBps: round(puts.at(-1)!), replicatedMBps: round(replicated.at(-1)!), getMBps: round(gets.at(-1)!) });
    }
    const [putMBps, getMBps] = [median(puts), median(gets)];
    return {
      ...result,
      putMBps: round(putMBps),
      replicatedMBps: round(median(replicated)),
      getMBps: round(getMBps),
      ratio: round(Math.min(putMBps, getMBps) / raw.mbps),
    };
  });
}
