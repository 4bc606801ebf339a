/**
 * The page at desktop and at a phone's width (390 px): no horizontal scrolling, every control visible, inside
 * the viewport's width and on top where it is (so a tap reaches it). Screenshots of both go to test-output/.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { waitFor, withSession } from './harness';
import { SETTLE_MS, formRing, openPeers, waitForPlacement } from './ring';

const OUTPUT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];
/** Long unbroken names are what a narrow layout overflows on. */
const LONG_NAME = `a-file-name-with-no-spaces-to-break-at-${'x'.repeat(60)}.bin`;

interface Layout {
  scrollWidth: number;
  clientWidth: number;
  /** Controls that are hidden, outside the viewport's width, or covered by something else once scrolled to. */
  unreachable: string[];
  controls: number;
}

/** Scrolls to each control in turn and checks it is visible, inside the width and the topmost element at its centre. */
function measure(page: Page): Promise<Layout> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}`;
    const controls = [...document.querySelectorAll('button, input, select, textarea, a[href]')].filter((el) => !el.closest('[hidden]'));
    const unreachable: string[] = [];
    for (const el of controls) {
      el.scrollIntoView({ block: 'center', inline: 'nearest' });
      const rect = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      const why =
        rect.width === 0 || rect.height === 0 || style.visibility !== 'visible' ? 'not visible'
        : rect.left < 0 || rect.right > root.clientWidth ? `outside the width (${Math.round(rect.left)}..${Math.round(rect.right)} of ${root.clientWidth})`
        : (() => {
            const hit = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
            return hit && (hit === el || el.contains(hit) || hit.contains(el)) ? '' : `covered by ${hit ? describe(hit) : 'nothing'}`;
          })();
      if (why) unreachable.push(`${describe(el)}: ${why}`);
    }
    window.scrollTo(0, 0);
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, unreachable, controls: controls.length };
  });
}

test('desktop and phone widths: no horizontal scrolling, every control reachable, screenshots written', async () => {
  await withSession(async ({ server, browser }) => {
    await mkdir(OUTPUT_DIR, { recursive: true });
    const pages = await openPeers(await browser.newContext(), server.url, 2);
    await formRing(pages);
    const page = pages[0]!;
    // A real page's content: an upload row and file lists with a long name, a failed fetch's message.
    await page.setInputFiles('#file-input', [{ name: LONG_NAME, mimeType: 'application/octet-stream', buffer: Buffer.alloc(50_000, 7) }]);
    await waitForPlacement(pages, [LONG_NAME], SETTLE_MS.put * 4);
    await page.fill('#fetch-name', `missing-${'y'.repeat(80)}.bin`);
    await page.click('#fetch-button');
    await waitFor(page, () => document.querySelector('#messages')?.textContent?.includes('No such file'), { timeoutMs: SETTLE_MS.put, what: 'a "no such file" message' });

    for (const viewport of VIEWPORTS) {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await waitFor(() => page.evaluate(() => window.innerWidth), (w) => w === viewport.width, { timeoutMs: 5_000, what: `a ${viewport.width} px wide viewport` });
      const layout = await measure(page);
      await page.screenshot({ path: `${OUTPUT_DIR}layout-${viewport.name}.png`, fullPage: true });
      expect(layout.controls, 'the page has its controls').toBeGreaterThanOrEqual(3);
      expect(layout.scrollWidth, `${viewport.name}: scrollWidth within clientWidth`).toBeLessThanOrEqual(layout.clientWidth);
      expect(layout.unreachable, `${viewport.name}: unreachable controls`).toEqual([]);
    }
  });
});
