/**
 * The browser profile's signing identity: one key pair per origin storage, the same for every tab of it
 * (tabs are separate ring peers with databases of their own, but one writer). The private key is a
 * non-extractable CryptoKey; IndexedDB stores a CryptoKey by structured clone, so its bytes never reach
 * script, and a private window or another browser profile has an identity of its own.
 *
 * Two tabs opening at once: each makes a key pair (generateKey cannot run inside an IndexedDB transaction,
 * which closes once it waits on anything else), then stores it only if the slot is still empty, read and
 * written in one readwrite transaction (idb-keyval's `update`). Readwrite transactions on one store run one
 * after another, so the first to commit wins and the other tab reads the winner and drops its own pair.
 */
import { createStore, get, update, type UseStore } from 'idb-keyval';
import { defaultSubtle, generateKeys, identityFromKeys, type Identity, type SigningKeys } from '../../shared/trust/identity';
import { isRecord } from '../../shared/wire/validate';

/** Shared by every tab of the origin, apart from the per-peer file databases (ringshare-<peer id>). */
export const IDENTITY_DB = 'ringshare-identity';
const IDENTITY_STORE = 'keys';
const SLOT = 'signing';

export function isSigningKeys(value: unknown): value is SigningKeys {
  return (
    isRecord(value) &&
    (value.algorithm === 'ed25519' || value.algorithm === 'p256') &&
    value.privateKey instanceof CryptoKey &&
    value.privateKey.type === 'private' &&
    value.publicKey instanceof CryptoKey &&
    value.publicKey.type === 'public'
  );
}

/** The profile's identity, made on the first call any tab of the origin makes. */
export async function loadOrCreateIdentity(subtle: SubtleCrypto = defaultSubtle(), db: UseStore = createStore(IDENTITY_DB, IDENTITY_STORE)): Promise<Identity> {
  const stored = await get<unknown>(SLOT, db);
  if (isSigningKeys(stored)) return identityFromKeys(subtle, stored);
  const mine = await generateKeys(subtle, false);
  await update<unknown>(SLOT, (current) => (isSigningKeys(current) ? current : mine), db);
  const winner = await get<unknown>(SLOT, db);
  if (!isSigningKeys(winner)) throw new Error('the identity could not be kept in IndexedDB');
  return identityFromKeys(subtle, winner);
}
