/** What every browser section needs beyond the e2e harness: a fresh page build, and contexts that can run tsx-compiled callbacks. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { needsBuild } from '../signaling-server/build-freshness';
import type { Progress } from './progress';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs `vite build` when the page's sources are newer than dist/, so the browser sections measure the code as it is. */
export async function ensureBuilt(progress: Progress): Promise<void> {
  if (!needsBuild(ROOT)) return;
  progress('build', { reason: 'dist/ is older than the sources' });
  await new Promise<void>((resolve, reject) => {
    // --no: vite must come from this project's node_modules, never from the registry.
    const child = spawn('npx', ['--no', 'vite', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`vite build failed (${signal ?? `exit code ${code}`})`))));
  });
}

/**
 * tsx compiles with keepNames, so a callback passed to page.evaluate that declares a named function calls
 * `__name`, which a page does not have. Every context of the bench defines it as the identity.
 */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
  return context;
}
