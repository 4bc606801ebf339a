/**
 * Messages a transport sends to the transport at the other end of a data channel, as requests of two
 * reserved types that never reach the ring node:
 *
 * - `relay` carries one WebRTC signal (offer, answer, candidate, renegotiate) hop by hop through the overlay
 *   towards `to`, so a peer in the ring connects to another without the signaling server. `hops` counts the
 *   hops taken; at 0 the sender is the origin, so `from` must be the sending link's own peer.
 * - `bye` asks the far end to let an idle link close quietly (the sender is over its connection budget),
 *   so neither end takes the close for the other peer failing.
 */
import type { Message } from '../ring/types';
import { parseClientMessage, type SignalData } from './signal';
import { check, isInt, isRecord, SchemaError } from './validate';

export const RELAY_TYPE = 'relay';
export const BYE_TYPE = 'bye';
/** A greedy route through a correct ring takes about log2 N hops; past this a signal is wandering. */
export const MAX_OVERLAY_HOPS = 16;
/** Largest relay message as JSON: a data-channel-only SDP is 1–3 KiB, a candidate a few hundred bytes. */
export const MAX_RELAY_BYTES = 16 * 1024;

export interface RelayMessage {
  type: typeof RELAY_TYPE;
  /** The peer that made the signal: checked at the first hop only, taken as claimed after it. */
  from: string;
  to: string;
  hops: number;
  signal: SignalData;
}

export type LinkControl = RelayMessage | { type: typeof BYE_TYPE };

export type ParsedControl = { ok: true; value: LinkControl } | { ok: false; reason: string };

/** True for the request types the transport answers itself. */
export function isLinkControl(body: Message): boolean {
  return body.type === RELAY_TYPE || body.type === BYE_TYPE;
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
  } catch (err) {
    return { ok: false, reason: (err as SchemaError).message };
  }
  // The peer ids and the signal follow exactly the rules the signaling server applies to the same signal.
  const parsed = parseClientMessage(JSON.stringify({ type: 'signal', from: body.from, to: body.to, data: body.signal }));
  if (!parsed.ok) return { ok: false, reason: parsed.message };
  const msg = parsed.msg;
  if (msg.type !== 'signal' || msg.from === undefined) return { ok: false, reason: 'relay: from must be a peer id' };
  if (msg.from === msg.to) return { ok: false, reason: 'relay: from and to are the same peer' };
  return { ok: true, value: { type: RELAY_TYPE, from: msg.from, to: msg.to, hops: body.hops as number, signal: msg.data } };
}

export function relayBody(msg: RelayMessage): Message {
  return { type: RELAY_TYPE, from: msg.from, to: msg.to, hops: msg.hops, signal: msg.signal };
}
