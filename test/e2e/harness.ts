/**
 * What every end-to-end test needs: the real signaling server serving the built page, headless
 * Chromium, tabs whose errors reach the test log, bounded polling, and cleanup that always runs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Logger } from '../../shared/ring/types';
import { startSignalServer, type SignalServer } from '../../signaling-server/server';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const DIST_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));
const POLL_MS = 50;

/** One JSON line per event on stderr, so test output stays greppable. */
export function logEvent(event: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ event, ...fields })}\n`);
}

/** The server's warnings reach the test log; its per-peer join/leave lines do not. */
const serverLog: Logger = {
  debug() {},
  info() {},
  warn: (event, fields) => logEvent(`server:${event}`, fields),
};

/** The real signaling server on 127.0.0.1 serving dist/. Pass the port of a stopped server to restart it in place. */
export async function startServer(opts: { port?: number } = {}): Promise<SignalServer> {
  if (!existsSync(`${DIST_DIR}index.html`)) {
    throw new Error(`${DIST_DIR}index.html is missing: run vite build first (npm run test:e2e does)`);
  }
  return startSignalServer({ host: '127.0.0.1', port: opts.port ?? 0, staticDir: DIST_DIR, log: serverLog });
}

const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];
/** Host candidates as real addresses rather than mDNS names, which a non-Chromium peer could not resolve. */
const EXTRA_DISABLED_FEATURES = ['WebRtcHideLocalIpsWithMdns'];

function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} not found: apt-get install chromium`);
}

let defaultDisableFeatures: Promise<string | undefined> | undefined;

/**
 * Playwright passes its own --disable-features, and a second switch replaces it rather than adding
 * (checked in chrome://version). Its list is read once from the command line of a throwaway launch.
 */
function playwrightDisableFeatures(): Promise<string | undefined> {
  defaultDisableFeatures ??= (async () => {
    const server = await chromium.launchServer({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    try {
      return server.process().spawnargs.find((arg) => arg.startsWith('--disable-features='));
    } finally {
      await server.close();
    }
  })();
  return defaultDisableFeatures;
}

/** `downloadsPath`: where accepted downloads go (else a temporary directory Playwright deletes with the browser). */
async function launchOptions(extraArgs: string[] = [], downloadsPath?: string) {
  requireChromium();
  const playwrights = await playwrightDisableFeatures();
  const features = [...(playwrights ? playwrights.slice('--disable-features='.length).split(',') : []), ...EXTRA_DISABLED_FEATURES];
  return {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs, `--disable-features=${features.join(',')}`],
    ...(playwrights ? { ignoreDefaultArgs: [playwrights] } : {}),
    ...(downloadsPath !== undefined && { downloadsPath }),
  };
}

/** `extraArgs` add Chromium switches (`--js-flags=--expose-gc` for a test that collects garbage itself). */
export async function launchBrowser(extraArgs: string[] = [], downloadsPath?: string): Promise<Browser> {
  return chromium.launch(await launchOptions(extraArgs, downloadsPath));
}

/**
 * A browser in a process of its own, so `kill()` crashes this peer alone (CDP Page.crash takes down every tab).
 * `close()` ends it normally; `browser.close()` alone would only disconnect from it.
 */
export async function launchCrashableBrowser(): Promise<{ browser: Browser; kill(): void; close(): Promise<void> }> {
  const server = await chromium.launchServer(await launchOptions());
  try {
    const browser = await chromium.connect(server.wsEndpoint());
    return {
      browser,
      kill: () => {
        server.process().kill('SIGKILL');
      },
      close: async () => {
        await browser.close();
        await server.close();
      },
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}

/**
 * A browser with a profile of its own on disk, closed and removed through `defer`. Tabs that must hold more than
 * about a gigabyte need one: an off-the-record context (`browser.newContext()`) keeps IndexedDB in memory and
 * refused a write at 1,280 MiB of random bytes here, while `navigator.storage.estimate()` reported a 12 GB quota.
 */
export async function launchProfile(defer: (cleanup: () => unknown) => void): Promise<BrowserContext> {
  const profile = mkdtempSync(joinPath(tmpdir(), 'ringshare-profile-'));
  defer(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, await launchOptions());
  defer(() => context.close());
  return context;
}

/**
 * A browser profile of its own (launchProfile) in which origin `url` may store only `quotaBytes`: CDP
 * Storage.overrideQuotaForOrigin works only in a persistent profile, and every tab of one origin in a profile
 * shares it.
 */
export async function launchQuotaProfile(url: string, quotaBytes: number, defer: (cleanup: () => unknown) => void): Promise<BrowserContext> {
  const context = await launchProfile(defer);
  const blank = context.pages()[0] ?? (await context.newPage());
  await (await context.newCDPSession(blank)).send('Storage.overrideQuotaForOrigin', { origin: url, quotaSize: quotaBytes });
  return context;
}

/** A new tab at `url`, its console errors, warnings and uncaught exceptions forwarded to the test log. */
export async function openTab(context: BrowserContext, url: string, name = url): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (msg) => {
    const level = msg.type();
    if (level === 'error' || level === 'warning') logEvent('page-console', { tab: name, level, text: msg.text(), url: msg.location().url });
  });
  page.on('pageerror', (err) => logEvent('page-error', { tab: name, message: err.message, stack: err.stack }));
  page.on('crash', () => logEvent('page-crash', { tab: name }));
  await page.goto(url);
  return page;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Named in the error when the deadline passes. */
  what: string;
}

/**
 * Polls until the condition holds, or fails naming `what` and the last value seen.
 * With a page: `fn` runs in the page and the wait ends when it returns something truthy, which is returned.
 * With a function: it runs here and the wait ends when `predicate(value)` holds.
 */
export function waitFor<T>(page: Page, fn: () => T | Promise<T>, opts: WaitOptions): Promise<T>;
export function waitFor<T>(probe: () => Promise<T>, predicate: (value: T) => boolean, opts: WaitOptions): Promise<T>;
export async function waitFor<T>(
  source: Page | (() => Promise<T>),
  check: (() => T | Promise<T>) | ((value: T) => boolean),
  opts: WaitOptions,
): Promise<T> {
  const probe = typeof source === 'function' ? source : () => source.evaluate(check as () => T | Promise<T>);
  const holds = typeof source === 'function' ? (check as (value: T) => boolean) : (value: T) => Boolean(value);
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown = '(never evaluated)';
  for (;;) {
    try {
      const value = await probe();
      if (holds(value)) return value;
      last = value;
    } catch (err) {
      // A page mid-navigation or a tab still loading throws; that is a value to report, not a failure yet.
      last = `threw: ${(err as Error).message}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}; last value: ${describe(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** `work`, or an error naming `what` once `ms` pass without it settling: a step that hangs says which it was. */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Runs `body` with a `defer` that registers cleanup; everything deferred runs in reverse order in
 * `finally`, whether the body passed or threw, and one failed cleanup does not skip the others.
 */
export async function withCleanup<T>(body: (defer: (cleanup: () => unknown) => void) => Promise<T>): Promise<T> {
  const cleanups: Array<() => unknown> = [];
  try {
    return await body((cleanup) => cleanups.push(cleanup));
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        logEvent('cleanup-failed', { message: (err as Error).message });
      }
    }
  }
}

export interface ServerSession {
  server: SignalServer;
  defer: (cleanup: () => unknown) => void;
}

export interface Session extends ServerSession {
  browser: Browser;
}

/** The real server, closed in `finally`, for runs that launch their own browsers (launchProfile, launchCrashableBrowser). */
export function withServer<T>(body: (session: ServerSession) => Promise<T>): Promise<T> {
  return withCleanup(async (defer) => {
    const server = await startServer();
    defer(() => server.close());
    return body({ server, defer });
  });
}

/**
 * The usual start of a test: the real server and one browser (with `browserArgs`, downloads to `downloadsPath`),
 * both closed in `finally`.
 */
export function withSession<T>(body: (session: Session) => Promise<T>, opts: { browserArgs?: string[]; downloadsPath?: string } = {}): Promise<T> {
  return withServer(async ({ server, defer }) => {
    const browser = await launchBrowser(opts.browserArgs, opts.downloadsPath);
    defer(() => browser.close());
    return body({ server, browser, defer });
  });
}
