import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IDENTITY_FILE, IdentityFileError, loadOrCreateIdentity } from '../../node-peer/identity';
import type { Logger } from '../../shared/ring/types';
import { verify } from '../../shared/trust/identity';

function recorder(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (event) => void warnings.push(event) };
}

describe('the Node peer identity', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ringshare-identity-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is made once, readable by its owner only, and the same key after a restart', async () => {
    const first = await loadOrCreateIdentity(dir, recorder());
    expect(first.algorithm).toBe('ed25519');
    expect((await stat(join(dir, IDENTITY_FILE))).mode & 0o777).toBe(0o600);
    const log = recorder();
    const again = await loadOrCreateIdentity(dir, log);
    expect(again.publicKey).toBe(first.publicKey);
    expect(again.fingerprint).toBe(first.fingerprint);
    const bytes = new TextEncoder().encode('signed after a restart');
    expect(await verify(first.publicKey, bytes, await again.sign(bytes))).toBe(true);
    expect(log.warnings).toEqual([]);
  });

  it('tightens a file others could read', async () => {
    const first = await loadOrCreateIdentity(dir, recorder());
    await chmod(join(dir, IDENTITY_FILE), 0o644);
    const log = recorder();
    expect((await loadOrCreateIdentity(dir, log)).publicKey).toBe(first.publicKey);
    expect(log.warnings).toEqual(['identity-file-mode']);
    expect((await stat(join(dir, IDENTITY_FILE))).mode & 0o777).toBe(0o600);
  });

  it('refuses to start on a damaged file rather than make a new key', async () => {
    const path = join(dir, IDENTITY_FILE);
    await loadOrCreateIdentity(dir, recorder());
    const saved = JSON.parse(await readFile(path, 'utf8')) as { publicKey: string; privateKey: string };
    const other = await mkdtemp(join(tmpdir(), 'ringshare-identity-'));
    try {
      const stranger = await loadOrCreateIdentity(other, recorder());
      // The last one: a key pair that is not one, another peer's public key beside this private key.
      const damaged = ['not json', '{}', JSON.stringify({ ...saved, privateKey: 'AAAA' }), JSON.stringify({ ...saved, publicKey: stranger.publicKey })];
      for (const text of damaged) {
        await writeFile(path, text, { mode: 0o600 });
        await expect(loadOrCreateIdentity(dir, recorder()), text.slice(0, 30)).rejects.toThrow(IdentityFileError);
        expect(await readFile(path, 'utf8')).toBe(text);
      }
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
