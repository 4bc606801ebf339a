/**
 * A tab put to sleep as Chromium does to a background tab (laptop lid, energy saver): no script, timer or
 * message handler of its runs, while nothing closes (its data channels stay open, messages to it wait).
 *
 * CDP Page.setWebLifecycleState 'frozen' is asked for first, but headless Chromium 156 does not freeze a visible
 * page with it: measured, a 100 ms interval went on ticking (15 ticks in 1.5 s) and no 'freeze' event fired.
 * So the freeze is also made with the debugger: Debugger.pause stops the page's main thread at its next
 * statement (the same interval: no tick in 1.5 s), Debugger.resume lets everything that waited run.
 * Nothing may be evaluated in a frozen page (it would wait for the thaw).
 */
import type { Page } from 'playwright-core';

export interface Frozen {
  /** Wakes the tab and lets go of its CDP session. */
  thaw(): Promise<void>;
}

export async function freeze(page: Page): Promise<Frozen> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await cdp.send('Debugger.enable');
  await cdp.send('Debugger.pause');
  return {
    async thaw() {
      try {
        await cdp.send('Debugger.resume');
        await cdp.send('Debugger.disable');
        await cdp.send('Page.setWebLifecycleState', { state: 'active' });
      } finally {
        await cdp.detach().catch(() => undefined);
      }
    },
  };
}
