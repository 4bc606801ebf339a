/**
 * Binary frames on a peer data channel. One frame is one channel message:
 *
 *   u8 version (1) | u8 kind | u32 request id | u32 header length | header (UTF-8 JSON) | data (to the end)
 *
 * Integers are big-endian. The header is a JSON object with a `type` of 1..64 chars (the message body);
 * the data is the optional binary payload. A frame with no data and one with empty data are the same frame.
 */
import { MAX_FRAME_BYTES, MAX_HEADER_BYTES } from '../constants';
import type { Message } from '../ring/types';
import { isRecord } from './validate';

export const FRAME_VERSION = 1;
/** Bytes before the header: version, kind, request id, header length. */
export const FRAME_PREFIX_BYTES = 10;
export const MAX_TYPE_LENGTH = 64;

export const FrameKind = { request: 0, reply: 1, error: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export interface Frame {
  kind: FrameKind;
  /** Chosen by the requester, echoed by the reply; unique among one link's requests in flight. */
  id: number;
  body: Message;
  data?: Uint8Array;
}

export type FrameError =
  | 'too-short'
  | 'too-large'
  | 'bad-version'
  | 'bad-kind'
  | 'header-too-large'
  | 'header-beyond-frame'
  | 'bad-utf8'
  | 'bad-json'
  | 'bad-header';

export type DecodedFrame = { ok: true; frame: Frame } | { ok: false; reason: FrameError };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function isFrameKind(value: number): value is FrameKind {
  return value === FrameKind.request || value === FrameKind.reply || value === FrameKind.error;
}

function isMessage(value: unknown): value is Message {
  return isRecord(value) && typeof value.type === 'string' && value.type.length >= 1 && value.type.length <= MAX_TYPE_LENGTH;
}

/** Error for a frame we were about to send: our own bug or an oversized payload, never remote input. */
export class FrameEncodeError extends Error {
  override name = 'FrameEncodeError';
  constructor(
    readonly code: 'bad-frame' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The frame's prefix and header, to be followed by its data: a sender that copies both into a buffer of its
 * own need not allocate the whole frame. Throws FrameEncodeError when the frame could not be decoded by a
 * peer with the same limits.
 */
export function encodeFrameHead(frame: Frame, maxFrameBytes = MAX_FRAME_BYTES): Uint8Array {
  if (!isFrameKind(frame.kind)) throw new FrameEncodeError('bad-frame', `bad frame kind ${frame.kind}`);
  if (!Number.isInteger(frame.id) || frame.id < 0 || frame.id > 0xffff_ffff) {
    throw new FrameEncodeError('bad-frame', `request id ${frame.id} is not a u32`);
  }
  if (!isMessage(frame.body)) {
    throw new FrameEncodeError('bad-frame', `body must be an object with a string type of 1..${MAX_TYPE_LENGTH} chars`);
  }
  if (frame.data !== undefined && !(frame.data instanceof Uint8Array)) throw new FrameEncodeError('bad-frame', 'data must be a Uint8Array');
  let json: string;
  try {
    json = JSON.stringify(frame.body);
  } catch (err) {
    // A bigint or a cycle: JSON cannot carry it.
    throw new FrameEncodeError('bad-frame', `body is not JSON: ${(err as Error).message}`);
  }
  const header = encoder.encode(json);
  if (header.length > MAX_HEADER_BYTES) {
    throw new FrameEncodeError('too-large', `header of ${header.length} bytes is over ${MAX_HEADER_BYTES}`);
  }
  const total = FRAME_PREFIX_BYTES + header.length + (frame.data?.length ?? 0);
  if (total > maxFrameBytes) throw new FrameEncodeError('too-large', `frame of ${total} bytes is over ${maxFrameBytes}`);

  const head = new Uint8Array(FRAME_PREFIX_BYTES + header.length);
  const view = new DataView(head.buffer);
  view.setUint8(0, FRAME_VERSION);
  view.setUint8(1, frame.kind);
  view.setUint32(2, frame.id);
  view.setUint32(6, header.length);
  head.set(header, FRAME_PREFIX_BYTES);
  return head;
}

/** The whole frame as one message. Throws FrameEncodeError as encodeFrameHead does. */
export function encodeFrame(frame: Frame, maxFrameBytes = MAX_FRAME_BYTES): Uint8Array {
  const head = encodeFrameHead(frame, maxFrameBytes);
  if (!frame.data?.length) return head;
  const bytes = new Uint8Array(head.length + frame.data.length);
  bytes.set(head);
  bytes.set(frame.data, head.length);
  return bytes;
}

/** Never throws: whatever the bytes, the answer is a frame or the reason it is not one. */
export function decodeFrame(bytes: Uint8Array, maxFrameBytes = MAX_FRAME_BYTES): DecodedFrame {
  if (bytes.length < FRAME_PREFIX_BYTES) return { ok: false, reason: 'too-short' };
  if (bytes.length > maxFrameBytes) return { ok: false, reason: 'too-large' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== FRAME_VERSION) return { ok: false, reason: 'bad-version' };
  const kind = view.getUint8(1);
  if (!isFrameKind(kind)) return { ok: false, reason: 'bad-kind' };
  const id = view.getUint32(2);
  const headerLength = view.getUint32(6);
  if (headerLength > MAX_HEADER_BYTES) return { ok: false, reason: 'header-too-large' };
  const headerEnd = FRAME_PREFIX_BYTES + headerLength;
  if (headerEnd > bytes.length) return { ok: false, reason: 'header-beyond-frame' };

  let text: string;
  try {
    text = decoder.decode(bytes.subarray(FRAME_PREFIX_BYTES, headerEnd));
  } catch {
    return { ok: false, reason: 'bad-utf8' };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'bad-json' };
  }
  if (!isMessage(body)) return { ok: false, reason: 'bad-header' };

  const frame: Frame = { kind, id, body };
  if (headerEnd < bytes.length) frame.data = bytes.subarray(headerEnd);
  return { ok: true, frame };
}

/**
 * A frame bigger than a link's message limit (a Node peer on werift takes 64 KiB, a tab 256 KiB) crosses it
 * in parts, one message each: u8 PART_MARKER | u8 last (1 on the last part, else 0) | a piece of the frame.
 * The marker is no frame version, so a part is never read as a frame.
 */
export const PART_MARKER = 0x80;
export const PART_PREFIX_BYTES = 2;

export function isPart(message: Uint8Array): boolean {
  return message.length > 0 && message[0] === PART_MARKER;
}

/** The messages that carry `bytes` over a link taking at most `maxMessageBytes` each: the bytes themselves when they fit. */
export function splitFrame(bytes: Uint8Array, maxMessageBytes: number): Uint8Array[] {
  if (bytes.length <= maxMessageBytes) return [bytes];
  const piece = maxMessageBytes - PART_PREFIX_BYTES;
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += piece) {
    const end = Math.min(bytes.length, at + piece);
    const part = new Uint8Array(PART_PREFIX_BYTES + end - at);
    part[0] = PART_MARKER;
    part[1] = end === bytes.length ? 1 : 0;
    part.set(bytes.subarray(at, end), PART_PREFIX_BYTES);
    parts.push(part);
  }
  return parts;
}

export type JoinedPart = { done: false } | { done: true; frame: Uint8Array } | { done: false; error: 'bad-part' | 'parts-too-large' };

/**
 * Puts a link's parts back together. Parts of one frame arrive in order (a link sends them back to back on an
 * ordered channel), with whole frames possibly between them; at most MAX_FRAME_BYTES are held.
 */
export class PartJoiner {
  private pieces: Uint8Array[] = [];
  private bytes = 0;

  add(message: Uint8Array, maxFrameBytes = MAX_FRAME_BYTES): JoinedPart {
    const last = message[1];
    if (message.length <= PART_PREFIX_BYTES || (last !== 0 && last !== 1)) return this.fail('bad-part');
    this.bytes += message.length - PART_PREFIX_BYTES;
    if (this.bytes > maxFrameBytes) return this.fail('parts-too-large');
    this.pieces.push(message.subarray(PART_PREFIX_BYTES));
    if (last === 0) return { done: false };
    const frame = new Uint8Array(this.bytes);
    let at = 0;
    for (const piece of this.pieces) {
      frame.set(piece, at);
      at += piece.length;
    }
    this.pieces = [];
    this.bytes = 0;
    return { done: true, frame };
  }

  private fail(error: 'bad-part' | 'parts-too-large'): JoinedPart {
    this.pieces = [];
    this.bytes = 0;
    return { done: false, error };
  }
}
