/** Peak JS heap of a tab, sampled through the DevTools protocol while the tab works. */
import type { Page } from 'playwright-core';

const SAMPLE_MS = 100;
const MiB = 1024 * 1024;

export interface HeapWatch {
  /** Highest JSHeapUsedSize seen so far, in MiB. */
  peakMiB(): number;
  stop(): Promise<void>;
}

/** Samples `Performance.getMetrics` every SAMPLE_MS until stopped; a sample that fails (tab busy closing) is skipped. */
export async function watchHeap(page: Page): Promise<HeapWatch> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  let peak = 0;
  let running = true;
  const sample = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const used = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value;
    if (used !== undefined && used > peak) peak = used;
  };
  await sample();
  const loop = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      if (running) await sample().catch(() => undefined);
    }
  })();
  return {
    peakMiB: () => peak / MiB,
    stop: async () => {
      running = false;
      await loop;
      await cdp.detach().catch(() => undefined);
    },
  };
}
