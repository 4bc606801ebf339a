/**
 * The Node peer's peer key: the key its ring id is derived from (shared/trust/peer-id), kept in its data
 * folder beside its writer identity, in a file of its own made the same way (PKCS#8, mode 0600). The puzzle's
 * nonce is not stored: solving is deterministic, so the key alone gives the same id at every start, for
 * ~2^PUZZLE_BITS hashes (~0.3 s on a loaded 2-core machine) each time the peer starts.
 */
import type { Logger } from '../shared/ring/types';
import { defaultSubtle } from '../shared/trust/identity';
import { peerKeyOf, type PeerKey } from '../shared/trust/peer-id';
import { loadOrCreateIdentity } from './identity';

export const PEER_KEY_FILE = 'peer-key.json';

/** The peer key from `dir` (call after lockDataDir), made and saved on first start. */
export async function loadOrCreatePeerKey(dir: string, log: Logger, subtle: SubtleCrypto = defaultSubtle()): Promise<PeerKey> {
  return peerKeyOf(await loadOrCreateIdentity(dir, log, subtle, PEER_KEY_FILE));
}
