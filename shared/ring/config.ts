import * as C from '../constants';

export interface RingConfig {
  /** Bits of the ring. */
  m: number;
  /** Copies of every file (owner + r - 1 backups); also the length of the successor and predecessor lists. */
  r: number;
  stabilizeMs: number;
  checkPredecessorMs: number;
  fixFingersMs: number;
  maintainMs: number;
  rpcTimeoutMs: number;
  chunkTimeoutMs: number;
  chunkSize: number;
  transferWindow: number;
  /** How long a peer that failed a request is left out of routing unless it speaks to us first. */
  suspicionMs: number;
  /** How often a node looks for peers outside its ring (a healed partition, a second ring started at the same time). */
  reuniteMs: number;
  /** Every this many maintenance rounds an owner re-checks its backups even if nothing changed. */
  resyncRounds: number;
}

export const DEFAULT_CONFIG: RingConfig = {
  m: C.DEFAULT_M,
  r: C.DEFAULT_REPLICAS,
  stabilizeMs: C.STABILIZE_MS,
  checkPredecessorMs: C.CHECK_PREDECESSOR_MS,
  fixFingersMs: C.FIX_FINGERS_MS,
  maintainMs: C.MAINTAIN_MS,
  rpcTimeoutMs: C.RPC_TIMEOUT_MS,
  chunkTimeoutMs: C.CHUNK_TIMEOUT_MS,
  chunkSize: C.CHUNK_SIZE,
  transferWindow: C.TRANSFER_WINDOW,
  suspicionMs: 5000,
  resyncRounds: 25,
  reuniteMs: 1000,
};

export function resolveConfig(partial: Partial<RingConfig> = {}): RingConfig {
  const config = { ...DEFAULT_CONFIG, ...partial };
  if (!Number.isInteger(config.m) || config.m < 1 || config.m > 256) throw new RangeError(`m must be an integer in 1..256, got ${config.m}`);
  if (!Number.isInteger(config.r) || config.r < 1 || config.r > C.MAX_REPLICAS) throw new RangeError(`r must be an integer in 1..${C.MAX_REPLICAS}, got ${config.r}`);
  if (config.chunkSize < 1 || config.chunkSize > C.CHUNK_SIZE) throw new RangeError(`chunkSize must be in 1..${C.CHUNK_SIZE}`);
  return config;
}
