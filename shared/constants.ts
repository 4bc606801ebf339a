/** Defaults and wire limits, in one place so every adapter agrees on them. */

/** Bits of the ring. 64 makes a key collision among a million peers about 1 in 36 million. */
export const DEFAULT_M = 64;
/** Copies of every file: one owner plus R - 1 backups on the following peers. */
export const DEFAULT_REPLICAS = 3;
/** Most copies a ring may keep (successor lists are this long at most). */
export const MAX_REPLICAS = 16;

/**
 * Bytes of file content per chunk. A chunk's frame fits a tab's 256 KiB message limit; a link that takes less
 * (werift: 64 KiB) carries it in parts. Per-chunk costs (a request, a hash, a store transaction) made put and
 * get with 60 KiB chunks about a third slower.
 */
export const CHUNK_SIZE = 240 * 1024;
/** Chunk requests a download keeps in flight (about 1.4 MiB): enough to keep a loopback channel busy. */
export const TRANSFER_WINDOW = 6;
/** Largest frame a peer accepts (header + chunk), whole or in parts. */
export const MAX_FRAME_BYTES = 256 * 1024;
/** Largest JSON header inside a frame. */
export const MAX_HEADER_BYTES = 32 * 1024;
/** Longest filename a peer accepts. */
export const MAX_NAME_LENGTH = 255;
/** Largest file the ring accepts (chunk hashes travel in the metadata). */
export const MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024;
/** Chunk hashes in one 'hashes' reply (32 bytes each, binary): 32 KiB, well inside a frame. */
export const HASHES_PER_PAGE = 1024;
/** Names sent in one replication digest, so the message stays under MAX_HEADER_BYTES. */
export const DIGEST_BATCH = 64;
/** Most files in one 'list' reply (ring/files/list.ts); the owner also keeps the reply under MAX_HEADER_BYTES. */
export const LIST_PAGE = 64;

/** Ring maintenance periods (ms). Heartbeats well under a second so a crash is repaired in about one. */
export const STABILIZE_MS = 200;
export const CHECK_PREDECESSOR_MS = 200;
export const FIX_FINGERS_MS = 100;
export const MAINTAIN_MS = 400;
/** A protocol request that gets no reply within this is a failure; the peer is then suspected. */
export const RPC_TIMEOUT_MS = 1000;
/** A chunk request may wait behind a busy channel longer than a ping. */
export const CHUNK_TIMEOUT_MS = 3000;
/** Tries of a put or a get, each with a fresh lookup a stabilize period after the last, before it fails. */
export const OPERATION_ATTEMPTS = 3;
/** Lookup gives up after this many hops (a correct ring needs about log2 N). */
export const MAX_LOOKUP_HOPS = 128;

/** Signaling server limits. */
export const SIGNAL_PATH = '/signal';
export const MAX_SIGNAL_FRAME_BYTES = 64 * 1024;
export const SIGNAL_RATE_PER_SECOND = 200;
export const SIGNAL_MAX_CONNECTIONS_PER_IP = 256;
export const BOOTSTRAP_PEERS = 4;

/**
 * A file this small travels inside its offer (one frame with the header): a copy then costs one round trip
 * instead of three, which is what keeps re-replication of many small files fast after a crash.
 */
export const INLINE_FILE_BYTES = 48 * 1024;

/**
 * Hostile peers (README failure model). Requests that cost the receiver more than they say are limited per
 * sender with a token bucket: [per second, burst]. The bursts sit well above what an honest peer sends in the
 * 1000-peer churn runs (a node repairing after a crash sends one peer up to 16 offers at once, and a lookup
 * asks each hop once), so only a peer that floods meets them.
 */
export const FIND_RATE: readonly [number, number] = [200, 400];
/** A 'lookup' runs a whole lookup for the asker: a newcomer joins with one, so a few a second is plenty. */
export const LOOKUP_RATE: readonly [number, number] = [2, 8];
export const REPLICAS_RATE: readonly [number, number] = [50, 200];
export const OFFER_RATE: readonly [number, number] = [200, 1000];
/** Proofs of holding read a few chunks each: asked by peers about to drop their copies. */
export const PROVE_RATE: readonly [number, number] = [50, 200];
/**
 * Relayed signals per link (the transport's, not the node's: client/net/signal-paths.ts). A relay past its first
 * hop costs a signature check (1.9 ms measured), so a flooding link could otherwise keep a tab's thread busy. A
 * newcomer connects to its fingers and neighbours through its one link, trickle ICE making about 10 signals a
 * connection: the burst takes 25 connections at once.
 */
export const RELAY_RATE: readonly [number, number] = [64, 256];
/** Bytes a peer may make us pull, per sender, in OFFER_BUDGET_WINDOW_MS, for files we are no replica of. */
export const OFFER_BUDGET_BYTES = 16 * 1024 * 1024;
export const OFFER_BUDGET_WINDOW_MS = 60_000;
/** A file we handed away is not taken back from a peer that is no replica of it for this long. */
export const LET_GO_MEMORY_MS = 60_000;
/** Chunks a proof of holding covers per file: a holder that lacks a chunk fails it, and the asker reads few bytes. */
export const PROOF_CHUNKS = 2;
/**
 * After a challenge a peer did not answer, wait this long before the next (first, then doubling up to the second).
 * At most 8 s: with 30 s a peer that missed one while it reloaded left a stray copy past reload.test's 10 s.
 */
export const PROOF_BACKOFF_MS: readonly [number, number] = [1_000, 8_000];
/** Ids never heard from that one 'find' reply may make us contact (the next hop and one fallback). */
export const NEW_HOPS_PER_REPLY = 2;
/** First backoff of a copy a peer refused for lack of space, doubled on each refusal up to the max. */
export const QUOTA_BACKOFF_MS = 2_000;
export const QUOTA_BACKOFF_MAX_MS = 5 * 60_000;
/** Peers that answered us, remembered so ids others name can be told from ids we have seen exist. */
export const HEARD_LIMIT = 4096;
