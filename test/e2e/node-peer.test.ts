/**
 * Node peers (node-peer/main.ts, as child processes) in one ring with tabs over real WebRTC: they keep
 * every file when all the tabs are gone, serve it to a new tab, and come back after a restart with
 * their id and their files from disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { SIGNAL_PATH } from '../../shared/constants';
import { logEvent, openTab, waitFor, withSession } from './harness';
import { SETTLE_MS, getHash, placementErrors, putRandom, ringErrors, states, type PeerState } from './ring';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A Node peer compiles its TypeScript with tsx before it says hello: give it more than a tab. */
const START_MS = 20_000;
/** The peer's own leave gives up after 15 s. */
const EXIT_MS = 20_000;

interface NodePeerProcess {
  readonly name: string;
  /** The peer's latest status line (undefined before the first). */
  status(): PeerState | undefined;
  /** Every status line so far, oldest first. */
  history(): PeerState[];
  /** SIGTERM (a graceful leave); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL to the whole process group; resolves once the peer has exited. */
  kill(): Promise<void>;
}

function startNodePeer(name: string, dataDir: string, signalUrl: string): NodePeerProcess {
  // One process, as `npm run peer` runs it: the tsx command would relay our SIGTERM to a child of its own and,
  // when that child had not confirmed it within 30 ms (a loaded CI machine), SIGKILL it and exit 143.
  // Its own process group all the same, so kill() takes whatever it started with it.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'node-peer/main.ts', '--data', dataDir, '--signal', signalUrl, '--status'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const seen: PeerState[] = [];
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      logEvent('node-peer-spawn-failed', { peer: name, message: err.message });
      resolve(null);
    });
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const parsed = parseLine(line);
    if (parsed?.event === 'status') seen.push(parsed as unknown as PeerState);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => logEvent('node-peer-stderr', { peer: name, line }));
  return {
    name,
    status: () => seen.at(-1),
    history: () => [...seen],
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} did not exit within ${EXIT_MS} ms of SIGTERM`)), EXIT_MS);
      });
      return Promise.race([exited, late]).finally(() => clearTimeout(timer));
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await exited;
    },
  };
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Tabs and Node peers as one list of states; shorter than expected while a Node peer has said nothing yet. */
async function allStates(tabs: Page[], nodes: NodePeerProcess[]): Promise<PeerState[]> {
  const nodeStates = nodes.map((node) => node.status()).filter((s): s is PeerState => s !== undefined);
  return [...(await states(tabs)), ...nodeStates];
}

function waitForPlacement(tabs: Page[], nodes: NodePeerProcess[], names: string[], timeoutMs: number, what: string): Promise<PeerState[]> {
  const count = tabs.length + nodes.length;
  return waitFor(
    () => allStates(tabs, nodes),
    (s) => s.length === count && ringErrors(s).length === 0 && placementErrors(s, names).length === 0,
    { timeoutMs, what },
  );
}

async function openAutoJoinTab(context: BrowserContext, url: string, name: string): Promise<Page> {
  const page = await openTab(context, url, name);
  await waitFor(page, () => window.dht?.joined, { timeoutMs: START_MS, what: `${name} to join` });
  return page;
}

test('Node peers keep every file when all tabs close, and come back from disk after a restart', async () => {
  await withSession(async ({ server, browser, defer }) => {
    const signalUrl = `${server.url.replace(/^http/, 'ws')}${SIGNAL_PATH}`;
    const dirs = [await mkdtemp(join(tmpdir(), 'ringshare-peer-')), await mkdtemp(join(tmpdir(), 'ringshare-peer-'))];
    defer(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
    const started = Date.now();
    const nodes = dirs.map((dir, i) => startNodePeer(`node${i}`, dir, signalUrl));
    // Registered after the dirs: cleanup runs in reverse, so the processes are gone before their folders.
    defer(() => Promise.all(nodes.map((node) => node.kill())));
    // The tabs open while the Node peers start: whoever is first starts the ring.
    const context = await browser.newContext();
    const tabs: Page[] = [];
    for (let i = 0; i < 3; i++) tabs.push(await openAutoJoinTab(context, server.url, `tab${i}`));
    await waitForPlacement(tabs, nodes, [], START_MS, 'a ring of 3 tabs and 2 Node peers');
    logEvent('ring-of-five', { ms: Date.now() - started });

    const sizes = [1, 61_441, 300_000, 1_500_000];
    const names = sizes.map((_, i) => `node-peer-${i}.bin`);
    const hashes = new Map<string, string>();
    const putStart = Date.now();
    for (const [i, name] of names.entries()) hashes.set(name, await putRandom(tabs[i % tabs.length]!, name, sizes[i]!));
    await waitForPlacement(tabs, nodes, names, SETTLE_MS.put * 2, 'every file on its owner and two backups');
    const total = sizes.reduce((a, b) => a + b, 0);
    logEvent('files-placed', { bytes: total, ms: Date.now() - putStart });

    // One at a time, as tabs come and go: each close is a crash to the ring (no goodbye), repaired before the next.
    while (tabs.length > 0) {
      await tabs.shift()!.close();
      await waitForPlacement(tabs, nodes, names, SETTLE_MS.crash, `every file placed after a tab closed (${tabs.length} tabs left)`);
    }
    for (const node of nodes) {
      expect([...node.status()!.files, ...node.status()!.backUpFiles].sort()).toEqual([...names].sort());
    }

    const fresh = await openAutoJoinTab(context, server.url, 'fresh');
    const getStart = Date.now();
    for (const name of names) expect(await getHash(fresh, name), name).toBe(hashes.get(name));
    logEvent('files-from-node-peers', { bytes: total, ms: Date.now() - getStart });

    // A restart: same folder, so the same id, and its files are back from disk before it has joined again.
    const [restarting, other] = nodes as [NodePeerProcess, NodePeerProcess];
    const before = restarting.status()!;
    expect(await restarting.stop()).toBe(0);
    await waitForPlacement([fresh], [other], names, SETTLE_MS.leave, 'the files placed on the tab and the other Node peer');
    const again = startNodePeer(`${restarting.name}-again`, dirs[0]!, signalUrl);
    nodes[0] = again;
    const fromDisk = await waitFor(async () => again.history().find((s) => s.files.length + s.backUpFiles.length > 0), Boolean, {
      timeoutMs: START_MS,
      what: 'the restarted Node peer to load its files',
    });
    expect(fromDisk).toMatchObject({ host: before.host, joined: false });
    expect([...fromDisk!.files, ...fromDisk!.backUpFiles].sort()).toEqual([...before.files, ...before.backUpFiles].sort());
    await waitForPlacement([fresh], nodes, names, SETTLE_MS.join, 'the restarted Node peer back in the ring');
    for (const name of names) expect(await getHash(fresh, name), name).toBe(hashes.get(name));
  });
});
