/** Join latency: a tab opened without ?join=manual joins by itself; timed until its own pointers are right. */
import type { Page } from 'playwright-core';
import { launchBrowser, openTab, startServer, waitFor, withCleanup } from '../test/e2e/harness';
import { expectedRing, formRing, openPeers, state, waitForRing, type PeerState } from '../test/e2e/ring';
import { newContext } from './browser';
import type { BenchPlan } from './options';
import type { Progress } from './progress';
import { median } from './stats';

export interface JoinResult {
  /** Tabs in the ring once the new one is in. */
  tabs: number;
  runs: number;
  /** Median time until every tab's pointers, not only the new one's, match the ring. */
  ringMs: number;
}

const JOIN_TIMEOUT_MS = 30_000;

/** True when `joiner` is in the ring with the successor and predecessor the sorted keys give it. */
export function joinedCorrectly(joiner: PeerState, others: PeerState[]): boolean {
  if (!joiner.joined || !joiner.host) return false;
  const ring = expectedRing([...others, joiner]);
  const i = ring.findIndex((p) => p.host === joiner.host);
  return joiner.successor === ring[(i + 1) % ring.length]!.host && joiner.predecessor === ring[(i - 1 + ring.length) % ring.length]!.host;
}

export async function benchJoin(plan: BenchPlan, progress: Progress): Promise<{ joinMs: number; join: JoinResult }> {
  return withCleanup(async (defer) => {
    const server = await startServer();
    defer(() => server.close());
    const browser = await launchBrowser();
    defer(() => browser.close());
    const context = await newContext(browser);
    const pages = await openPeers(context, server.url, plan.ringTabs - 1);
    const others = await formRing(pages);
    const joins: number[] = [];
    const rings: number[] = [];
    for (let run = 0; run < plan.runs; run++) {
      const opened = performance.now();
      const joiner: Page = await openTab(context, `${server.url}/`, `joiner${run}`);
      await waitFor(() => state(joiner), (s) => joinedCorrectly(s, others), { timeoutMs: JOIN_TIMEOUT_MS, what: 'the new tab to join with the right successor and predecessor' });
      joins.push(performance.now() - opened);
      await waitForRing([...pages, joiner], JOIN_TIMEOUT_MS);
      rings.push(performance.now() - opened);
      progress('join-measured', { run: run + 1, joinMs: Math.round(joins.at(-1)!), ringMs: Math.round(rings.at(-1)!) });
      // The next run joins the same ring of plan.ringTabs - 1.
      await joiner.evaluate(() => window.dht!.leave());
      await joiner.close();
      await waitForRing(pages, JOIN_TIMEOUT_MS).catch((err: Error) => {
        throw new Error(`the ring did not close up again after the joiner left: ${err.message}`);
      });
    }
    return { joinMs: Math.round(median(joins)), join: { tabs: plan.ringTabs, runs: plan.runs, ringMs: Math.round(median(rings)) } };
  });
}
