/**
 * Debian's firefox-esr as a ring peer: puppeteer-core drives the stock browser over WebDriver BiDi (no browser
 * download; playwright-core cannot drive a stock Firefox), and its tabs are adapted to the ring helpers' InPage.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { logEvent, waitFor } from './harness';
import type { InPage } from './ring';

export const FIREFOX_PATH = '/usr/bin/firefox-esr';

/**
 * Loopback WebRTC with Chromium on one machine (measured, shared/notes/firefox.md): loopback candidates allowed,
 * host candidates as real addresses rather than mDNS names Chromium cannot resolve, and every address gathered.
 */
const FIREFOX_PREFS = {
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.default_address_only': false,
};

/** A Firefox that fails to quit within this long is killed: `close()` must never hang a test's cleanup. */
const CLOSE_MS = 10_000;

export interface FirefoxPeerBrowser {
  browser: Browser;
  /** SIGKILL to the browser process: its peers vanish without a goodbye. */
  kill(): void;
  /** Quits the browser, killing it if it does not quit in time; safe after `kill()`. */
  close(): Promise<void>;
}

/** `prefs` are added to the loopback WebRTC ones (a test's download folder, say). */
export async function launchFirefox(prefs: Record<string, unknown> = {}): Promise<FirefoxPeerBrowser> {
  if (!existsSync(FIREFOX_PATH)) throw new Error(`${FIREFOX_PATH} not found: apt-get install firefox-esr`);
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX_PATH, headless: true, extraPrefsFirefox: { ...FIREFOX_PREFS, ...prefs } });
  const proc = browser.process();
  const alive = () => !!proc && proc.exitCode === null && proc.signalCode === null;
  const kill = () => {
    if (alive()) proc!.kill('SIGKILL');
  };
  return {
    browser,
    kill,
    close: async () => {
      if (alive()) {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_MS)));
        await Promise.race([browser.close().catch((err: Error) => logEvent('firefox-close-failed', { message: err.message })), late]);
        clearTimeout(timer);
      }
      kill();
    },
  };
}

/** A Firefox tab as the ring helpers see it: only `evaluate`, which puppeteer's Page has in another shape. */
function inPage(page: Page): InPage {
  const evaluate = (fn: (arg?: unknown) => unknown, arg?: unknown) => (arg === undefined ? page.evaluate(fn) : page.evaluate(fn, arg));
  return { evaluate } as InPage;
}

/** A blank Firefox tab whose console errors and warnings, and uncaught exceptions, go to the test log under `name`. */
export async function newFirefoxTab(browser: Browser, name: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('console', (msg) => {
    const level = msg.type();
    if (level === 'error' || level === 'warn') logEvent('page-console', { tab: name, level, text: msg.text() });
  });
  page.on('pageerror', (err) => logEvent('page-error', { tab: name, message: (err as Error).message, stack: (err as Error).stack }));
  return page;
}

/**
 * A manual-join Firefox tab at `baseUrl` (as ring.ts's openPeer for Chromium; `query` adds page options), its
 * console errors and uncaught exceptions forwarded to the test log; resolves once the tab has its peer id.
 */
export async function openFirefoxPeer(browser: Browser, baseUrl: string, name: string, query = ''): Promise<InPage> {
  const page = await newFirefoxTab(browser, name);
  await page.goto(`${baseUrl}/?join=manual${query ? `&${query}` : ''}`);
  const tab = inPage(page);
  await waitFor(() => tab.evaluate(() => Boolean(window.dht?.host)), Boolean, { timeoutMs: 15_000, what: `${name} to get a peer id` });
  return tab;
}
