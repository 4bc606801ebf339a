/**
 * The Node peer's signing identity, kept in its data folder (call after lockDataDir, so no other process
 * writes it meanwhile). The file holds the private key as PKCS#8, mode 0600. A browser keeps its key
 * non-extractable in IndexedDB; Node has no store that keeps a CryptoKey across restarts, so the key must be
 * written out. That is acceptable here: the folder is the peer's own, readable only by its user (as an ssh
 * key is), and whoever can read it as that user can already run the peer and act as it.
 */
import { chmodSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../shared/ring/errors';
import type { Logger } from '../shared/ring/types';
import { fromBase64url, toBase64url } from '../shared/trust/bytes';
import { defaultSubtle, generateKeys, identityFromKeys, importSigningKeys, type Identity } from '../shared/trust/identity';
import { isRecord } from '../shared/wire/validate';

export const IDENTITY_FILE = 'identity.json';
/** Owner read and write only. */
export const IDENTITY_FILE_MODE = 0o600;

/**
 * The identity file exists but cannot be used. The peer stops rather than make a new key: a new key would
 * lose every name this peer writes.
 */
export class IdentityFileError extends Error {
  override name = 'IdentityFileError';
}

interface IdentityFile {
  publicKey: string;
  /** base64url of the PKCS#8 private key. */
  privateKey: string;
}

async function load(path: string, text: string, subtle: SubtleCrypto): Promise<Identity> {
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    throw new IdentityFileError(`${path} is not JSON`);
  }
  const pkcs8 = isRecord(saved) && typeof saved.privateKey === 'string' ? fromBase64url(saved.privateKey) : null;
  if (!isRecord(saved) || !pkcs8) throw new IdentityFileError(`${path} does not hold a private key`);
  try {
    return await identityFromKeys(subtle, await importSigningKeys(subtle, saved.publicKey as string, pkcs8));
  } catch (err) {
    throw new IdentityFileError(`${path} does not hold a usable key pair: ${errorMessage(err)}`);
  }
}

async function create(path: string, subtle: SubtleCrypto): Promise<Identity> {
  const keys = await generateKeys(subtle, true);
  const identity = await identityFromKeys(subtle, keys);
  const saved: IdentityFile = {
    publicKey: identity.publicKey,
    privateKey: toBase64url(new Uint8Array(await subtle.exportKey('pkcs8', keys.privateKey))),
  };
  // A fresh file ('wx') gets the mode as it is made, so the key is never readable by others, even for a moment.
  const temp = `${path}.tmp`;
  rmSync(temp, { force: true });
  writeFileSync(temp, `${JSON.stringify(saved)}\n`, { mode: IDENTITY_FILE_MODE, flag: 'wx' });
  renameSync(temp, path);
  return identity;
}

/** The peer's identity from `dir`/`file`, made and saved on first start (its peer key is another file: node-peer/peer-key). */
export async function loadOrCreateIdentity(dir: string, log: Logger, subtle: SubtleCrypto = defaultSubtle(), file = IDENTITY_FILE): Promise<Identity> {
  const path = join(dir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new IdentityFileError(`${path} is unreadable: ${errorMessage(err)}`);
    const identity = await create(path, subtle);
    log.info('identity-created', { path, fingerprint: identity.fingerprint });
    return identity;
  }
  const mode = statSync(path).mode & 0o777;
  if (mode !== IDENTITY_FILE_MODE) {
    log.warn('identity-file-mode', { path, mode: mode.toString(8), now: IDENTITY_FILE_MODE.toString(8) });
    chmodSync(path, IDENTITY_FILE_MODE);
  }
  return load(path, text, subtle);
}
