/**
 * The tab's peer key: the key its ring id is derived from (shared/trust/peer-id). Unlike the profile's writer
 * identity (idb-identity.ts), which every tab shares, each tab is a ring peer of its own and needs its own key.
 * The key pair is non-extractable and kept in IndexedDB (a CryptoKey is stored by structured clone) with its
 * solved nonce, under a slot whose name the tab keeps in sessionStorage: a reloaded tab finds its slot and
 * comes back with the same id without paying the puzzle again; a new tab has an empty sessionStorage and
 * makes a slot of its own.
 *
 * A duplicated tab copies sessionStorage, so it would find the original's slot and take its id. A Web Lock
 * named after the slot tells them apart: the tab holding the slot keeps the lock while it lives. A reloaded
 * tab gets it as soon as its old page is gone; a duplicate does not get it within DUPLICATE_WAIT_MS and makes
 * a new slot instead.
 */
import { createStore, get, set, type UseStore } from 'idb-keyval';
import { toHex } from '../../shared/ring/id';
import { defaultSubtle, generateKeys, identityFromKeys, type SigningKeys } from '../../shared/trust/identity';
import { peerKeyOf, type PeerKey } from '../../shared/trust/peer-id';
import { isRecord } from '../../shared/wire/validate';
import { isSigningKeys } from './idb-identity';

/** Its own database: the writer identity's (ringshare-identity) is per profile, these are per tab. */
export const PEER_KEY_DB = 'ringshare-peer-keys';
const PEER_KEY_STORE = 'keys';
/** sessionStorage survives a reload of the tab but is not shared with other tabs. */
export const PEER_KEY_SLOT_STORAGE_KEY = 'ringshare.peerKeySlot';
const SLOT_BYTES = 16;
/** How long a tab waits for its slot's lock: the old page of a reload lets go at once, a live original never. */
export const DUPLICATE_WAIT_MS = 1000;

interface StoredPeerKey {
  keys: SigningKeys;
  nonce: number;
}

export interface PeerKeyStores {
  subtle?: SubtleCrypto;
  session?: Pick<Storage, 'getItem' | 'setItem'>;
  db?: UseStore;
  /** navigator.locks; without it a duplicated tab is not detected (the server then closes one of the two). */
  locks?: LockManager;
}

function isStoredPeerKey(value: unknown): value is StoredPeerKey {
  return isRecord(value) && Number.isSafeInteger(value.nonce) && isSigningKeys(value.keys);
}

/** Holds the slot's lock for the page's lifetime; false when another live tab holds it past DUPLICATE_WAIT_MS. */
function holdSlot(locks: LockManager | undefined, slot: string): Promise<boolean> {
  if (!locks) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    locks
      .request(`${PEER_KEY_DB}:${slot}`, { signal: AbortSignal.timeout(DUPLICATE_WAIT_MS) }, () => {
        resolve(true);
        // Never settles: the lock is let go when the page goes.
        return new Promise<never>(() => {});
      })
      .catch(() => resolve(false));
  });
}

function newSlot(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(SLOT_BYTES)));
}

/** This tab's peer key: the one its slot holds, or a new one (a key pair and ~2^PUZZLE_BITS hashes) kept in a new slot. */
export async function loadOrCreatePeerKey(stores: PeerKeyStores = {}): Promise<PeerKey> {
  const subtle = stores.subtle ?? defaultSubtle();
  const session = stores.session ?? sessionStorage;
  const db = stores.db ?? createStore(PEER_KEY_DB, PEER_KEY_STORE);
  const locks = stores.locks ?? globalThis.navigator?.locks;
  const kept = session.getItem(PEER_KEY_SLOT_STORAGE_KEY);
  let slot: string;
  if (kept !== null && (await holdSlot(locks, kept))) {
    slot = kept;
    const stored = await get<unknown>(slot, db);
    if (isStoredPeerKey(stored)) {
      const key = peerKeyOf(await identityFromKeys(subtle, stored.keys), stored.nonce);
      // A nonce that no longer solves the puzzle (PUZZLE_BITS went up) was solved again: keep the new one.
      if (key.nonce !== stored.nonce) await set(slot, { keys: stored.keys, nonce: key.nonce } satisfies StoredPeerKey, db);
      return key;
    }
  } else {
    slot = newSlot();
    await holdSlot(locks, slot);
  }
  const keys = await generateKeys(subtle, false);
  const key = peerKeyOf(await identityFromKeys(subtle, keys));
  await set(slot, { keys, nonce: key.nonce } satisfies StoredPeerKey, db);
  session.setItem(PEER_KEY_SLOT_STORAGE_KEY, slot);
  return key;
}
