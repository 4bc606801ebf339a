import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../node-peer/data-dir';

describe('the Node peer data folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ringshare-dir-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is locked while a peer runs and free again once released', () => {
    const sub = join(dir, 'created');
    const release = lockDataDir(sub);
    expect(existsSync(join(sub, LOCK_FILE))).toBe(true);
    release();
    expect(existsSync(join(sub, LOCK_FILE))).toBe(false);
    lockDataDir(sub)();
  });

  it('refuses a folder another live process holds', async () => {
    // The test runner's parent process is alive and is not this process.
    await writeFile(join(dir, LOCK_FILE), `${process.ppid}\n`);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('takes over the lock of a process that is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(join(dir, LOCK_FILE), `${gone.stdout}\n`);
    const release = lockDataDir(dir);
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    release();
  });
});
