/**
 * Generated hostile input for every wire: peer request bodies, raw data-channel frames and signaling text
 * frames. Seeded (shared/sim/rng), so a failing case replays. Most inputs are wrong in one way only (a
 * wrong type, a huge length, an index out of range, a lie about a key or a root), so they probe each check
 * of a validator rather than bouncing off the first one; a few are valid, so the valid paths run in between.
 */
import { CHUNK_SIZE, DIGEST_BATCH, MAX_FILE_BYTES, MAX_FRAME_BYTES, MAX_HEADER_BYTES, MAX_NAME_LENGTH } from '../../shared/constants';
import type { FileMeta } from '../../shared/ring/types';
import type { Rng } from '../../shared/sim/rng';
import { decodeFrame, FRAME_PREFIX_BYTES, FrameKind, isPart, PART_MARKER, PartJoiner, type DecodedFrame } from '../../shared/wire/frame';
import { parseRequest } from '../../shared/wire/peer';
import { parseClientMessage, type ErrorCode } from '../../shared/wire/signal';
import { toBase64url } from '../../shared/trust/bytes';

export interface FuzzContext {
  /** Real peer addresses, so some lies name live peers. */
  addresses: string[];
  /** Metadata of a real file, so some lies are near misses of the truth. */
  meta: FileMeta;
}

const utf8 = new TextEncoder();
const HEX = '0123456789abcdef';

function hex(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += HEX[rng.below(16)];
  return out;
}

/** Text with the characters that break naive handling: quotes, controls, non-ASCII, lone surrogates. */
function text(rng: Rng, maxLength: number): string {
  const alphabet = ['a', 'Z', '9', '-', '_', ' ', '"', '\\', '\n', '\u0000', 'é', '日', '\u{1F600}', '\uD800', '<', '%', '.', '/'];
  let out = '';
  const length = rng.int(0, maxLength);
  for (let i = 0; i < length; i++) out += rng.pick(alphabet);
  return out;
}

const AWKWARD_NUMBERS = [0, -1, -0.5, 1.5, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, Number.MIN_VALUE, MAX_FILE_BYTES + 1];

/** Any JSON value, nested up to `depth`, with keys that trip careless object handling. */
export function randomJson(rng: Rng, depth = 2): unknown {
  switch (rng.below(depth > 0 ? 8 : 6)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(AWKWARD_NUMBERS);
    case 3:
      return rng.int(-1000, 1000);
    case 4:
      return text(rng, 12);
    case 5:
      return hex(rng, rng.pick([0, 1, 63, 64, 65]));
    case 6:
      return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth - 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--) {
        const key = rng.pick(['type', 'key', 'name', 'index', '__proto__', 'constructor', 'toString', 'valueOf', text(rng, 6)]);
        // An own property even for __proto__, as JSON.parse makes it: assignment would set the prototype instead.
        Object.defineProperty(out, key, { value: randomJson(rng, depth - 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

function badAddress(rng: Rng): unknown {
  return rng.pick(['', 'a b', 'x'.repeat(65), '../etc', 'ünïcode', 7, null, ['a'], { a: 1 }]);
}

function someAddress(rng: Rng, ctx: FuzzContext): string {
  return rng.chance(0.5) && ctx.addresses.length > 0 ? rng.pick(ctx.addresses) : `ghost-${hex(rng, 8)}`;
}

/** A well-formed request of a random type: the base that most generators spoil one field of. */
function validRequest(rng: Rng, ctx: FuzzContext): Record<string, unknown> {
  const { meta } = ctx;
  switch (rng.below(9)) {
    case 0:
      return { type: 'ping' };
    case 1:
      return { type: 'state' };
    case 2:
      return { type: 'notify' };
    case 3:
      return { type: 'find', key: hex(rng, rng.int(1, 16)) };
    case 4:
      return { type: 'leaving', successors: [someAddress(rng, ctx)], predecessors: [someAddress(rng, ctx)] };
    case 5:
      return { type: 'digest', entries: [{ name: meta.name, root: meta.root }] };
    case 6:
      return { type: 'chunk', root: meta.root, index: 0 };
    case 7:
      return { type: 'meta', name: meta.name };
    default:
      return { type: 'offer', meta: { ...meta }, role: 'backup', sources: [someAddress(rng, ctx)], replicate: false };
  }
}

function wrongType(rng: Rng, ctx: FuzzContext): unknown {
  const body = validRequest(rng, ctx);
  const fields = Object.keys(body);
  body[rng.pick(fields)] = randomJson(rng, 1);
  return body;
}

function hugeLength(rng: Rng, ctx: FuzzContext): unknown {
  switch (rng.below(6)) {
    case 0:
      return { type: 'meta', name: 'n'.repeat(rng.int(MAX_NAME_LENGTH + 1, 4 * MAX_NAME_LENGTH)) };
    case 1:
      return { type: 'leaving', successors: Array.from({ length: rng.int(17, 400) }, () => someAddress(rng, ctx)), predecessors: [] };
    case 2:
      return { type: 'digest', entries: Array.from({ length: rng.int(DIGEST_BATCH + 1, 200) }, () => ({ name: ctx.meta.name, root: ctx.meta.root })) };
    case 3:
      return { type: 'find', key: hex(rng, rng.int(65, 2000)) };
    case 4:
      return { type: 'offer', meta: { ...ctx.meta, size: MAX_FILE_BYTES + 1 }, role: 'file', sources: [], replicate: true };
    default:
      return { type: 'chunk', root: hex(rng, rng.int(65, 500)), index: 0 };
  }
}

function badChunkIndex(rng: Rng, ctx: FuzzContext): unknown {
  const root = rng.pick([ctx.meta.root, hex(rng, 64)]);
  const index = rng.pick<unknown>([-1, -(2 ** 31), 0.5, 2 ** 53, MAX_FILE_BYTES + 1, ctx.meta.chunks, ctx.meta.chunks + 1000, '0', null, [0]]);
  return { type: 'chunk', root, index };
}

/** Valid in shape, wrong in substance: the node, not the parser, has to see through these. */
function lie(rng: Rng, ctx: FuzzContext): unknown {
  const { meta } = ctx;
  switch (rng.below(8)) {
    case 0:
      return { type: 'find', key: rng.pick([hex(rng, 64), 'f'.repeat(64), 'ABCDEF', '0x10', '-1', '']) };
    case 1:
      // A notify from a peer that is not in the ring, or one that claims to be someone it is not.
      return { type: 'notify', key: hex(rng, 16), address: someAddress(rng, ctx) };
    case 2: {
      // A root that does not match the chunk hashes it is said to cover.
      const root = meta.root.slice(0, 63) + (meta.root.endsWith('0') ? '1' : '0');
      return { type: 'offer', meta: { ...meta, root }, role: 'file', sources: [someAddress(rng, ctx)], replicate: true };
    }
    case 3:
      // Counts that disagree with the size.
      return { type: 'offer', meta: { ...meta, chunks: meta.chunks + 1, chunkHashes: [...meta.chunkHashes, hex(rng, 64)] }, role: 'file', sources: [], replicate: false };
    case 4:
      return { type: 'offer', meta: { ...meta, chunkSize: rng.pick([0, CHUNK_SIZE + 1, -5]) }, role: 'backup', sources: [], replicate: false };
    case 5:
      return { type: 'leaving', successors: Array.from({ length: rng.int(0, 3) }, () => someAddress(rng, ctx)), predecessors: [badAddress(rng)] };
    case 6:
      return { type: 'digest', entries: [{ name: meta.name, root: hex(rng, 64).toUpperCase() }] };
    default:
      return { type: 'chunk', root: hex(rng, 64), index: rng.int(0, 3) };
  }
}

/** One hostile request body: anything from random JSON to a near miss of a real request. */
export function hostileRequest(rng: Rng, ctx: FuzzContext): unknown {
  switch (rng.below(7)) {
    case 0:
      return randomJson(rng);
    case 1:
      return {
        ...(rng.chance(0.5) ? validRequest(rng, ctx) : {}),
        // An object whose toString is not callable cannot be turned into text: a decoder that echoes the type must not try.
        type: rng.pick<unknown>(['', 'PING', 'toString', '__proto__', 'x'.repeat(65), text(rng, 10), { toString: 1 }, ['ping'], 1]),
      };
    case 2:
      return wrongType(rng, ctx);
    case 3:
      return hugeLength(rng, ctx);
    case 4:
      return badChunkIndex(rng, ctx);
    case 5:
      return lie(rng, ctx);
    default:
      return validRequest(rng, ctx);
  }
}

export interface RawFrameParts {
  version?: number;
  kind?: number;
  id?: number;
  header: Uint8Array;
  /** What the prefix claims; the header's real length unless given. */
  headerLength?: number;
  data?: Uint8Array;
}

/** Frame bytes laid out by hand, so malformed frames need no encoder. */
export function rawFrame(parts: RawFrameParts): Uint8Array {
  const data = parts.data ?? new Uint8Array();
  const bytes = new Uint8Array(FRAME_PREFIX_BYTES + parts.header.length + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, parts.version ?? 1);
  view.setUint8(1, parts.kind ?? FrameKind.request);
  view.setUint32(2, parts.id ?? 0);
  view.setUint32(6, parts.headerLength ?? parts.header.length);
  bytes.set(parts.header, FRAME_PREFIX_BYTES);
  bytes.set(data, FRAME_PREFIX_BYTES + parts.header.length);
  return bytes;
}

/**
 * One hostile data-channel message: a request frame around a hostile body, or bytes that are not a frame
 * (random, truncated, lying about their header length, bad UTF-8, at the size limit), a reply nobody asked
 * for, or a frame in one part or a malformed part. Never over MAX_FRAME_BYTES (256 KiB), the most a Chromium
 * data channel carries, and never a part that leaves a frame unfinished, so each message stands alone.
 */
export function hostileFrame(rng: Rng, ctx: FuzzContext): Uint8Array {
  const id = rng.uint32();
  const header = () => utf8.encode(JSON.stringify(hostileRequest(rng, ctx)) ?? 'null');
  switch (rng.below(11)) {
    case 0: {
      const bytes = rng.bytes(rng.int(0, 200));
      if (isPart(bytes)) bytes[0] = PART_MARKER + 1;
      return bytes;
    }
    case 1: {
      const frame = rawFrame({ id, header: header() });
      return frame.subarray(0, rng.int(0, frame.length - 1));
    }
    case 2:
      return rawFrame({ id, header: header(), version: rng.pick([0, 2, 255]) });
    case 3:
      return rawFrame({ id, header: header(), kind: rng.int(3, 255) });
    case 4: {
      const body = header();
      return rawFrame({ id, header: body, headerLength: rng.pick([body.length + 1, 0xffff_ffff, MAX_HEADER_BYTES + 1]) });
    }
    case 5:
      return rawFrame({ id, header: Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d) });
    case 6:
      return rawFrame({ id, header: utf8.encode(rng.pick(['{"type":', '{}', '[]', '{"type":1}', `{"type":"${'t'.repeat(65)}"}`])) });
    case 7: {
      // Mostly small; sometimes exactly at the limit (they are big, and a few are enough).
      const ping = utf8.encode('{"type":"ping"}');
      return rawFrame({ id, header: ping, data: new Uint8Array(rng.chance(0.1) ? MAX_FRAME_BYTES - FRAME_PREFIX_BYTES - ping.length : rng.int(0, 4096)) });
    }
    case 9: {
      if (rng.chance(0.5)) return rng.pick([Uint8Array.of(PART_MARKER), Uint8Array.of(PART_MARKER, 1), Uint8Array.of(PART_MARKER, rng.int(2, 255), 7)]);
      const frame = rawFrame({ id, header: header() });
      const part = new Uint8Array(2 + frame.length);
      part.set([PART_MARKER, 1]);
      part.set(frame, 2);
      return part;
    }
    case 8:
      return rawFrame({ id, header: header(), kind: rng.pick([FrameKind.reply, FrameKind.error]) });
    default:
      return rawFrame({ id, header: header(), data: rng.chance(0.3) ? rng.bytes(rng.int(1, 2048)) : undefined });
  }
}

/**
 * One hostile text frame for the signaling server, from a client registered as `self`, that knows the live
 * ids `others`. Always under the server's frame limit, so the connection is answered rather than closed.
 */
export function hostileSignal(rng: Rng, self: string, others: string[]): string {
  const to = () => rng.pick([...others, 'nobody-home', self]);
  const data = (): unknown =>
    rng.pick<unknown>([
      { type: 'offer', sdp: text(rng, 40) },
      { type: 'offer' },
      { type: 'answer', sdp: 7 },
      { type: 'candidate', candidate: { candidate: text(rng, 20), sdpMLineIndex: rng.pick([0, -1, 70_000, 'x']) } },
      { type: 'candidate', candidate: 'a=candidate' },
      { type: 'renegotiate', renegotiate: rng.pick([true, false, 'yes']) },
      { type: 'transceiverRequest', transceiverRequest: { kind: rng.pick(['', 'audio']) } },
      { type: 'offer', sdp: 's'.repeat(33 * 1024) },
      randomJson(rng),
    ]);
  switch (rng.below(8)) {
    case 0:
      return text(rng, 30);
    case 1:
      return JSON.stringify(randomJson(rng));
    case 2:
      return JSON.stringify({ type: rng.pick(['HELLO', 'gossip', '', 'constructor', 'x'.repeat(500)]) });
    case 3:
      // A hello that asks for an id (refused: ids are proven, not asked for), or a well-formed proof (a second hello).
      return JSON.stringify(
        rng.chance(0.5)
          ? { type: 'hello', id: rng.chance(0.5) ? rng.pick([self, ...others, 'fresh-id']) : badAddress(rng) }
          : { type: 'hello', publicKey: `ed25519:${toBase64url(rng.bytes(32))}`, nonce: rng.int(0, 1000), signature: toBase64url(rng.bytes(64)) },
      );
    case 4:
      return JSON.stringify({ type: 'signal', to: to(), data: data() });
    case 5:
      return JSON.stringify({ type: 'signal', to: rng.chance(0.5) ? badAddress(rng) : to(), from: rng.pick([self, ...others, badAddress(rng)]), data: data() });
    case 6:
      return JSON.stringify({ type: 'peers', extra: randomJson(rng) });
    default:
      return JSON.stringify({ type: 'signal', to: to(), data: { type: 'renegotiate', renegotiate: true } });
  }
}

export type SignalOutcome = { type: 'error'; code: ErrorCode } | { type: 'peers' } | { type: 'signal' } | { relayTo: string };

/**
 * What the protocol says the signaling server does with one frame from a client registered as `self`
 * (undefined before its hello) while the ids in `live` are connected: the reply it sends back, or the relay.
 */
export function expectedSignalOutcome(frame: string | Uint8Array, self: string | undefined, live: ReadonlySet<string>): SignalOutcome {
  if (typeof frame !== 'string') return { type: 'error', code: 'bad-message' };
  const parsed = parseClientMessage(frame);
  if (!parsed.ok) return { type: 'error', code: parsed.code };
  const msg = parsed.msg;
  if (msg.type === 'hello') {
    // A first hello changes who the client is; the model covers only the frames after it.
    if (self === undefined) throw new Error('expectedSignalOutcome: a hello before registration is not modelled');
    return { type: 'error', code: 'bad-message' };
  }
  if (self === undefined) return { type: 'error', code: 'not-registered' };
  if (msg.type === 'peers') return { type: 'peers' };
  if (msg.from !== undefined && msg.from !== self) return { type: 'error', code: 'spoofed-from' };
  if (!live.has(msg.to)) return { type: 'error', code: 'unknown-target' };
  return msg.to === self ? { type: 'signal' } : { relayTo: msg.to };
}

/** Whether a ring node refuses (and counts) this request body at its boundary. */
export function refusedAtBoundary(body: unknown): boolean {
  try {
    return !parseRequest(body).ok;
  } catch {
    // A parser that throws has refused too; fuzz-wire.test.ts is where that counts as a bug.
    return true;
  }
}

/** What a link makes of one hostileFrame message: the frame it carries (whole or as its only part), or why it is dropped. */
export function linkDecode(message: Uint8Array): DecodedFrame | { ok: false; reason: 'bad-part' | 'parts-too-large' } {
  if (!isPart(message)) return decodeFrame(message);
  const joined = new PartJoiner().add(message);
  if ('error' in joined) return { ok: false, reason: joined.error };
  if (!joined.done) throw new Error('hostileFrame never leaves a frame unfinished');
  return decodeFrame(joined.frame);
}
