/**
 * Messages a transport sends to the transport at the other end of a data channel, as requests of two
 * reserved types that never reach the ring node:
 *
 * - `relay` carries one WebRTC signal (offer, answer, candidate, renegotiate) hop by hop through the overlay
 *   towards `to`, so a peer in the ring connects to another without the signaling server. `hops` counts the
 *   hops taken; at 0 the sender is the origin, so `from` must be the sending link's own peer. The origin signs
 *   `from`, `to`, `seq` and the signal with its peer key and sends the key and puzzle nonce along: a hop past
 *   the first checks that the key's id is `from` (shared/trust/peer-id) and the signature, so no peer can
 *   speak for another (issue #18).
 * - `bye` asks the far end to let an idle link close quietly (the sender is over its connection budget),
 *   so neither end takes the close for the other peer failing.
 */
import type { Message } from '../ring/types';
import { fromBase64url } from '../trust/bytes';
import { isPublicKey, SIGNATURE_BYTES } from '../trust/identity';
import { SIGNATURE_LENGTH } from '../trust/record';
import { parseClientMessage, type SignalData } from './signal';
import { check, isInt, isRecord, isString, SchemaError } from './validate';

export const RELAY_TYPE = 'relay';
export const BYE_TYPE = 'bye';
/** A greedy route through a correct ring takes about log2 N hops; past this a signal is wandering. */
export const MAX_OVERLAY_HOPS = 16;
/** Largest relay message as JSON: a data-channel-only SDP is 1–3 KiB, a candidate a few hundred bytes. */
export const MAX_RELAY_BYTES = 16 * 1024;
/** What a relay signature covers starts with this, so it can never pass for a record's or a hello's. */
export const RELAY_DOMAIN = 'ringshare/relay/1';

/** The origin's proof: its key and puzzle nonce (whose id must be `from`), a sequence number, the signature. */
export interface RelayProof {
  key: string;
  nonce: number;
  /** Rises with each signal the origin signs (it starts at the origin's clock), so a replay is seen for one. */
  seq: number;
  /** base64url of the origin's signature over relaySignedBytes. */
  sig: string;
}

export interface RelayMessage extends RelayProof {
  type: typeof RELAY_TYPE;
  /** The peer that made the signal: the sending link at hop 0, the signer after it. */
  from: string;
  to: string;
  hops: number;
  signal: SignalData;
}

/** A signal's route and content, as the origin signs it. */
export type RelayContent = Pick<RelayMessage, 'from' | 'to' | 'signal'>;

export type LinkControl = RelayMessage | { type: typeof BYE_TYPE };

export type ParsedControl = { ok: true; value: LinkControl } | { ok: false; reason: string };

const encoder = new TextEncoder();

/** True for the request types the transport answers itself. */
export function isLinkControl(body: Message): boolean {
  return body.type === RELAY_TYPE || body.type === BYE_TYPE;
}

/**
 * The route and signal in the one form both ends derive: the peer ids and the signal follow exactly the rules
 * the signaling server applies to the same signal, and the signal is rebuilt field by field, so the signer and
 * every hop sign and check the same bytes.
 */
export function normalRelay(from: unknown, to: unknown, signal: unknown): { ok: true; value: RelayContent } | { ok: false; reason: string } {
  const parsed = parseClientMessage(JSON.stringify({ type: 'signal', from, to, data: signal }));
  if (!parsed.ok) return { ok: false, reason: parsed.message };
  const msg = parsed.msg;
  if (msg.type !== 'signal' || msg.from === undefined) return { ok: false, reason: 'relay: from must be a peer id' };
  if (msg.from === msg.to) return { ok: false, reason: 'relay: from and to are the same peer' };
  return { ok: true, value: { from: msg.from, to: msg.to, signal: msg.data } };
}

/** The bytes a relay's signature covers: UTF-8 of a JSON array with every field at a fixed place (as record.ts does). */
export function relaySignedBytes(content: RelayContent, seq: number): Uint8Array {
  return encoder.encode(JSON.stringify([RELAY_DOMAIN, content.from, content.to, seq, content.signal]));
}

/** Never throws: a body of a reserved type is a valid control message or the reason it is not. */
export function parseLinkControl(body: Message): ParsedControl {
  if (body.type === BYE_TYPE) return { ok: true, value: { type: BYE_TYPE } };
  if (body.type !== RELAY_TYPE) return { ok: false, reason: `not a link control type: "${String(body.type).slice(0, 64)}"` };
  let json: string;
  try {
    json = JSON.stringify(body);
  } catch {
    return { ok: false, reason: 'relay is not JSON' };
  }
  if (json.length > MAX_RELAY_BYTES) return { ok: false, reason: `relay of ${json.length} characters is over ${MAX_RELAY_BYTES}` };
  try {
    check(isInt(body.hops, 0, MAX_OVERLAY_HOPS - 1), `hops must be an integer in 0..${MAX_OVERLAY_HOPS - 1}`);
    check(isRecord(body.signal), 'signal must be an object');
    check(isPublicKey(body.key), 'key must be a public key');
    check(isInt(body.nonce, 0, Number.MAX_SAFE_INTEGER), 'nonce must be a safe integer');
    check(isInt(body.seq, 0, Number.MAX_SAFE_INTEGER), 'seq must be a safe integer');
    check(isString(body.sig, SIGNATURE_LENGTH, SIGNATURE_LENGTH) && fromBase64url(body.sig) !== null, `sig must be ${SIGNATURE_BYTES} bytes of base64url`);
  } catch (err) {
    return { ok: false, reason: (err as SchemaError).message };
  }
  const content = normalRelay(body.from, body.to, body.signal);
  if (!content.ok) return content;
  const proof = { key: body.key as string, nonce: body.nonce as number, seq: body.seq as number, sig: body.sig as string };
  return { ok: true, value: { type: RELAY_TYPE, ...content.value, hops: body.hops as number, ...proof } };
}

export function relayBody(msg: RelayMessage): Message {
  return { type: RELAY_TYPE, from: msg.from, to: msg.to, hops: msg.hops, signal: msg.signal, key: msg.key, nonce: msg.nonce, seq: msg.seq, sig: msg.sig };
}
