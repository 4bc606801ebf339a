/**
 * Where a transfer's time goes, per tab: a CDP CPU profile of the getter and of the replica serving it during
 * one get of a large file in a 5-tab ring (after its put and backups), or with `put` of the putter and the
 * owner during the put. Prints each profiled tab's top functions by self time.
 * `flock /tmp/browser.lock npx tsx bench/profile-transfer.ts [MiB] [put]` after `vite build`.
 */
import type { CDPSession, Page } from 'playwright-core';
import { launchBrowser, startServer, withCleanup } from '../test/e2e/harness';
import { formRing, openPeers, states, waitForPlacement } from '../test/e2e/ring';
import { newContext } from './browser';
import { fileDir, makeFile, timedGet, timedPut, transferRoles } from './page-files';

const MiB = 1024 * 1024;
const TABS = 5;
const TOP = 25;

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

function summarize(label: string, profile: Profile): void {
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totalUs = profile.endTime - profile.startTime;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const f = node.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  console.log(`\n== ${label}: ${(totalUs / 1000).toFixed(0)} ms profiled`);
  for (const [key, us] of rows) console.log(`${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}

async function profiler(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  return cdp;
}

await withCleanup(async (defer) => {
  const profilePut = process.argv[3] === 'put';
  const bytes = Number(process.argv[2] ?? 64) * MiB;
  const server = await startServer();
  defer(() => server.close());
  const browser = await launchBrowser();
  defer(() => browser.close());
  const dir = fileDir();
  defer(() => dir.remove());
  const pages = await openPeers(await newContext(browser), server.url, TABS);
  await formRing(pages);
  const peers = await states(pages);
  const page = (host: string) => pages[peers.findIndex((p) => p.host === host)]!;
  for (const name of ['warm-up.bin', 'profiled.bin']) {
    const size = name === 'warm-up.bin' ? 4 * MiB : bytes;
    const { putter, getter, holders } = transferRoles(peers, name);
    await makeFile(page(putter), dir.path, name, size);
    const profiled = name === 'profiled.bin' && profilePut ? [putter, holders[0]!] : [getter, ...holders];
    const sessions = name === 'profiled.bin' ? await Promise.all(profiled.map((h) => profiler(page(h)))) : [];
    if (profilePut) await Promise.all(sessions.map((s) => s.send('Profiler.start')));
    const putMs = await timedPut(page(putter), name);
    await waitForPlacement(pages, [name], 300_000);
    if (process.argv[3] !== 'put') await Promise.all(sessions.map((s) => s.send('Profiler.start')));
    const got = profilePut ? undefined : await timedGet(page(getter), name);
    const profiles = await Promise.all(sessions.map((s) => s.send('Profiler.stop')));
    console.log(`${name}: put ${(size / 1000 / putMs).toFixed(2)} MB/s${got ? `, get ${(size / 1000 / got.ms).toFixed(2)} MB/s` : ''}`);
    profiles.forEach((p, i) => summarize(`${i === 0 ? (profilePut ? 'putter' : 'getter') : `holder ${i}`} ${profiled[i]}`, p.profile as unknown as Profile));
  }
});
