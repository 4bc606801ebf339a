/**
 * Recovery from a crash: a tab in a browser process of its own joins a ring holding many files, takes its
 * share, and is killed with SIGKILL; timed until every file is back on its owner plus two backups.
 */
import { launchBrowser, launchCrashableBrowser, startServer, withCleanup } from '../test/e2e/harness';
import { formRing, join, openPeer, openPeers, putRandom, state, waitForPlacement } from '../test/e2e/ring';
import { newContext } from './browser';
import type { BenchPlan } from './options';
import type { Progress } from './progress';
import { median } from './stats';

export interface RecoveryResult {
  /** Tabs in the ring before the crash. */
  tabs: number;
  files: number;
  runs: number;
}

const KiB = 1024;
const PLACEMENT_TIMEOUT_MS = 60_000;

export async function benchRecovery(plan: BenchPlan, progress: Progress): Promise<{ recoveryMs: number; recovery: RecoveryResult }> {
  return withCleanup(async (defer) => {
    const server = await startServer();
    defer(() => server.close());
    const browser = await launchBrowser();
    defer(() => browser.close());
    const stable = await openPeers(await newContext(browser), server.url, plan.ringTabs - 1);
    await formRing(stable);
    const via = (await state(stable[0]!)).host;

    const names = Array.from({ length: plan.recoveryFiles }, (_, i) => `recovery-${i}.bin`);
    // Each tab puts its share one file at a time, all tabs at once.
    await Promise.all(
      stable.map(async (page, t) => {
        for (let i = t; i < names.length; i += stable.length) await putRandom(page, names[i]!, KiB * (1 + ((i * 37) % 64)));
      }),
    );
    await waitForPlacement(stable, names, PLACEMENT_TIMEOUT_MS);
    progress('recovery-files-stored', { files: names.length });

    const times: number[] = [];
    for (let run = 0; run < plan.runs; run++) {
      const crashable = await launchCrashableBrowser();
      defer(() => crashable.browser.close().catch(() => undefined));
      defer(() => crashable.kill());
      const victim = await openPeer(await newContext(crashable.browser), server.url, `victim${run}`);
      await join(victim, via);
      await waitForPlacement([...stable, victim], names, PLACEMENT_TIMEOUT_MS);
      const held = await state(victim);
      crashable.kill();
      const crashedAt = performance.now();
      await waitForPlacement(stable, names, PLACEMENT_TIMEOUT_MS);
      times.push(performance.now() - crashedAt);
      progress('recovery-measured', { run: run + 1, ms: Math.round(times.at(-1)!), victimFiles: held.files.length, victimBackups: held.backUpFiles.length });
    }
    return { recoveryMs: Math.round(median(times)), recovery: { tabs: plan.ringTabs, files: names.length, runs: plan.runs } };
  });
}
