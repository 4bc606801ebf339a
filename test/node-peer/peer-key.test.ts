/** The Node peer's peer key: kept in its data folder apart from its writer identity, so its id survives a restart. */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IDENTITY_FILE, IdentityFileError, loadOrCreateIdentity } from '../../node-peer/identity';
import { PEER_KEY_FILE, loadOrCreatePeerKey } from '../../node-peer/peer-key';
import type { Logger } from '../../shared/ring/types';
import { PUZZLE_BITS, peerIdOf, solvesPuzzle } from '../../shared/trust/peer-id';

const quiet: Logger = { debug() {}, info() {}, warn() {} };

describe('the Node peer key', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ringshare-peer-key-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is made once, in a file of its own readable by its owner only, and gives the same proven id after a restart', async () => {
    const first = await loadOrCreatePeerKey(dir, quiet);
    expect(solvesPuzzle(first.publicKey, first.nonce, PUZZLE_BITS)).toBe(true);
    expect(first.id).toBe(peerIdOf(first.publicKey, first.nonce));
    expect((await stat(join(dir, PEER_KEY_FILE))).mode & 0o777).toBe(0o600);
    const again = await loadOrCreatePeerKey(dir, quiet);
    expect([again.publicKey, again.nonce, again.id]).toEqual([first.publicKey, first.nonce, first.id]);
    // The writer identity is another key: the ring id and the records' writer are not linked.
    expect((await loadOrCreateIdentity(dir, quiet)).publicKey).not.toBe(first.publicKey);
    expect(IDENTITY_FILE).not.toBe(PEER_KEY_FILE);
  });

  it('stops rather than make a new key (a new id) when its file is broken', async () => {
    await writeFile(join(dir, PEER_KEY_FILE), 'not json', { mode: 0o600 });
    await expect(loadOrCreatePeerKey(dir, quiet)).rejects.toThrow(IdentityFileError);
  });
});
