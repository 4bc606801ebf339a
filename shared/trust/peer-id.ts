/**
 * Peer ids from peer keys (issue #18). A peer's id is not chosen: it is derived from its public key and a
 * nonce that solves a puzzle, and the signaling server hands it out only to a connection that signs the
 * server's fresh challenge with that key. So nobody can say hello with someone else's id, and picking a place
 * on the ring costs the puzzle for every place tried.
 *
 * The puzzle: SHA-256('ringshare/peer-id\n' ‖ publicKey ‖ '\n' ‖ nonce) must start with PUZZLE_BITS zero
 * bits, and the id is that hash's first PEER_ID_BYTES in hex. The ring position is SHA-256 of the id, so each
 * candidate position needs a fresh solution: about 2^k hashes. A tab pays that once (its key and nonce are
 * kept); an attacker who wants to land just before a chosen key in a ring of N peers must hit an arc of about
 * 1/N of the ring, so needs about N·2^k hashes (see PUZZLE_BITS for the figures).
 *
 * Pure: SHA-256 from @noble/hashes, signatures through shared/trust/identity's `verify`.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../ring/id';
import { type Identity, verify } from './identity';

/**
 * Leading zero bits the puzzle asks for: 2^13 = 8,192 hashes on average. Measured on this 2-core machine
 * under the test load of the day (load average 11 to 27): @noble/hashes did 24,000 to 41,000 of these hashes
 * a second, so a new tab or Node peer pays ~0.2-0.35 s once (test/shared/peer-id.test.ts prints the figure);
 * 14 bits measured 1.1 s a key. Landing before a chosen key costs about N·2^k hashes: 820,000 for N = 100
 * (~30 s of this JavaScript, well under a second of native SHA-256) and 82 million for N = 10,000 (~1 hour of
 * JavaScript, seconds on one native core, far less on a GPU). A puzzle a tab can afford slows such grinding
 * by 2^k; it does not stop an attacker with hardware. The per-address connection limits bound how many
 * places one address can hold at once.
 */
export const PUZZLE_BITS = 13;
/** 128 bits of the hash: the 32 hex characters ids had before, with k of them fixed at zero by the puzzle. */
export const PEER_ID_BYTES = 16;
/** The challenge the server signs for: 32 random bytes, unguessable, one per connection. */
export const CHALLENGE_BYTES = 32;
/** Nonces are safe integers, tried from 0 up (the chance that none below this solves the puzzle is nil). */
export const MAX_NONCE = Number.MAX_SAFE_INTEGER;

const encoder = new TextEncoder();
const PUZZLE_CONTEXT = 'ringshare/peer-id\n';
const HELLO_CONTEXT = 'ringshare/signal-hello\n';

/** What a peer shows to be given its id: its public key and the puzzle's nonce. */
export interface PeerProof {
  publicKey: string;
  nonce: number;
}

/** A peer's key with its solved puzzle: everything a signaling client needs to say hello. */
export interface PeerKey extends PeerProof {
  readonly identity: Identity;
  /** peerIdOf(publicKey, nonce). */
  readonly id: string;
}

function puzzleHash(publicKey: string, nonce: number): Uint8Array {
  return sha256(encoder.encode(`${PUZZLE_CONTEXT}${publicKey}\n${nonce}`));
}

function leadingZeroBits(bytes: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== 0) return false;
  const rest = bits & 7;
  return rest === 0 || (bytes[whole]! >> (8 - rest)) === 0;
}

/** True when `nonce` solves the puzzle for `publicKey` at `bits` leading zero bits. */
export function solvesPuzzle(publicKey: string, nonce: number, bits: number = PUZZLE_BITS): boolean {
  return Number.isSafeInteger(nonce) && nonce >= 0 && leadingZeroBits(puzzleHash(publicKey, nonce), bits);
}

/** The id a key and nonce give, whether or not the nonce solves the puzzle (the server checks that separately). */
export function peerIdOf(publicKey: string, nonce: number): string {
  return toHex(puzzleHash(publicKey, nonce).subarray(0, PEER_ID_BYTES));
}

/**
 * The smallest nonce that solves the puzzle for `publicKey`. Deterministic, so a key alone fixes its id: a
 * store that keeps the key may keep the nonce too, to skip the ~2^bits hashes.
 */
export function solvePuzzle(publicKey: string, bits: number = PUZZLE_BITS): number {
  for (let nonce = 0; nonce <= MAX_NONCE; nonce++) if (solvesPuzzle(publicKey, nonce, bits)) return nonce;
  throw new RangeError(`no nonce solves a ${bits}-bit puzzle for this key`);
}

/** The key with its puzzle solved, or with `nonce` when a store kept one that still solves it. */
export function peerKeyOf(identity: Identity, nonce?: number, bits: number = PUZZLE_BITS): PeerKey {
  const solved = nonce !== undefined && solvesPuzzle(identity.publicKey, nonce, bits) ? nonce : solvePuzzle(identity.publicKey, bits);
  return { identity, publicKey: identity.publicKey, nonce: solved, id: peerIdOf(identity.publicKey, solved) };
}

/** What a hello signs: the server's challenge bound to the key and nonce it proves, under a context of its own. */
export function helloBytes(challenge: Uint8Array, proof: PeerProof): Uint8Array {
  const head = encoder.encode(`${HELLO_CONTEXT}${proof.publicKey}\n${proof.nonce}\n`);
  const out = new Uint8Array(head.length + challenge.length);
  out.set(head);
  out.set(challenge, head.length);
  return out;
}

export function signHello(key: PeerKey, challenge: Uint8Array): Promise<Uint8Array> {
  return key.identity.sign(helloBytes(challenge, key));
}

export type ProofVerdict = { ok: true; id: string } | { ok: false; reason: string };

/** Checks a hello's proof against the challenge this connection was given; the id it earns, or why not. */
export async function checkHelloProof(
  challenge: Uint8Array,
  proof: PeerProof,
  signature: Uint8Array,
  bits: number = PUZZLE_BITS,
  subtle?: SubtleCrypto,
): Promise<ProofVerdict> {
  if (!solvesPuzzle(proof.publicKey, proof.nonce, bits)) return { ok: false, reason: `the nonce does not solve the ${bits}-bit puzzle for this key` };
  if (!(await verify(proof.publicKey, helloBytes(challenge, proof), signature, subtle))) {
    return { ok: false, reason: "the signature is not this key's over this connection's challenge" };
  }
  return { ok: true, id: peerIdOf(proof.publicKey, proof.nonce) };
}
