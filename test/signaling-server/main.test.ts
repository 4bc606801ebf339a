import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { needsBuild } from '../../signaling-server/build-freshness';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const temps: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ringshare-main-'));
  temps.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function touch(path: string, seconds: number): void {
  writeFileSync(path, 'x');
  utimesSync(path, seconds, seconds);
}

describe('needsBuild', () => {
  it('is true without a build, false when the build is newer than every input, true once any input is newer', () => {
    const root = tempDir();
    mkdirSync(join(root, 'client', 'ui'), { recursive: true });
    mkdirSync(join(root, 'shared'), { recursive: true });
    touch(join(root, 'index.html'), 1000);
    touch(join(root, 'client', 'ui', 'page.ts'), 1000);
    touch(join(root, 'shared', 'constants.ts'), 1000);
    utimesSync(join(root, 'client', 'ui'), 1000, 1000);
    utimesSync(join(root, 'client'), 1000, 1000);
    utimesSync(join(root, 'shared'), 1000, 1000);
    expect(needsBuild(root)).toBe(true);

    mkdirSync(join(root, 'dist'));
    touch(join(root, 'dist', 'index.html'), 2000);
    expect(needsBuild(root)).toBe(false);

    // A change deep in client/ counts.
    utimesSync(join(root, 'client', 'ui', 'page.ts'), 3000, 3000);
    expect(needsBuild(root)).toBe(true);
    utimesSync(join(root, 'client', 'ui', 'page.ts'), 1000, 1000);
    expect(needsBuild(root)).toBe(false);

    touch(join(root, 'index.html'), 3000);
    expect(needsBuild(root)).toBe(true);
    utimesSync(join(root, 'index.html'), 1000, 1000);

    touch(join(root, 'vite.config.ts'), 3000);
    expect(needsBuild(root)).toBe(true);
  });
});

interface Running {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs `npm start`'s command in a copy of the server with its own index.html, so the build it triggers is small and ours. */
function startMain(root: string, env: Record<string, string>): Running {
  // One process, as `npm start` runs it: no wrapper between the test's signal and the server's handler.
  const child = spawn(process.execPath, ['--import', 'tsx', 'signaling-server/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs: number, running: Running): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (running.child.exitCode !== null) throw new Error(`main exited (${running.child.exitCode}) before ${what}:\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(running: Running): Promise<number | null> {
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 10_000);
  try {
    return await running.exited;
  } finally {
    clearTimeout(timer);
  }
}

function fakeProject(): string {
  const root = tempDir();
  cpSync(join(repo, 'signaling-server'), join(root, 'signaling-server'), { recursive: true });
  cpSync(join(repo, 'shared'), join(root, 'shared'), { recursive: true });
  cpSync(join(repo, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  writeFileSync(join(root, 'index.html'), '<!doctype html><html><head><title>marker-7f3a</title></head><body></body></html>\n');
  return root;
}

describe('main (npm start)', () => {
  it('builds a stale page, serves it, reuses a fresh build and stops cleanly on SIGTERM', async () => {
    const root = fakeProject();
    let running = startMain(root, { HOST: '127.0.0.1', PORT: '0' });
    try {
      const url = await waitFor(() => running.output().match(/ringshare listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1], 'the listening line', 90_000, running);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('marker-7f3a');
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ ok: true, peers: 0 });
      expect(await stop(running)).toBe(0);

      const builtAt = statSync(join(root, 'dist', 'index.html')).mtimeMs;
      running = startMain(root, { HOST: '127.0.0.1', PORT: '0' });
      await waitFor(() => running.output().match(/ringshare listening on/)?.[0], 'the second listening line', 30_000, running);
      expect(statSync(join(root, 'dist', 'index.html')).mtimeMs).toBe(builtAt);
      expect(await stop(running)).toBe(0);
    } finally {
      running.child.kill('SIGKILL');
    }
  });

  it('refuses a PORT that is not a port number', async () => {
    const running = startMain(fakeProject(), { PORT: 'eighty' });
    try {
      const code = await Promise.race([running.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000))]);
      expect(code).toBe(1);
      expect(running.output()).toContain('PORT must be an integer in 0..65535, got "eighty"');
    } finally {
      running.child.kill('SIGKILL');
    }
  });
});
