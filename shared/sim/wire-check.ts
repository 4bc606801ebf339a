/**
 * What the simulated network lets through: exactly what survives the browser's frame encoding
 * (a JSON header with a string `type`, plus optional bytes, within shared/wire/frame.ts's limits). It is
 * stricter than JSON.stringify, which would quietly turn NaN into null or a Map into {}: a node that sends
 * a bigint, a Map or a 100 KiB header fails in the simulator, not only in a browser.
 */
import { MAX_FRAME_BYTES, MAX_HEADER_BYTES } from '../constants';
import type { Envelope, Message } from '../ring/types';
import { FRAME_PREFIX_BYTES, MAX_TYPE_LENGTH } from '../wire/frame';

const MAX_DEPTH = 32;

export class WireError extends TypeError {
  readonly code = 'bad-message';
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

const encoder = new TextEncoder();

/** A deep copy of the envelope as the far end would decode it; throws WireError if it could not cross a wire. */
export function copyEnvelope(envelope: Envelope): Envelope {
  if (typeof envelope !== 'object' || envelope === null) throw new WireError('envelope is not an object');
  const { body, data } = envelope;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new WireError('body is not an object');
  if (typeof body.type !== 'string' || body.type.length === 0 || body.type.length > MAX_TYPE_LENGTH) {
    throw new WireError(`body.type must be a string of 1..${MAX_TYPE_LENGTH} characters`);
  }
  const size = { chars: 0 };
  let copy: Message;
  try {
    copy = copyJson(body, 0, size) as Message;
  } catch (err) {
    if (err instanceof PathError) throw new WireError(`body${err.path} ${err.problem}`);
    throw err;
  }
  if (data !== undefined && !(data instanceof Uint8Array)) throw new WireError('data is not a Uint8Array');
  const dataBytes = data?.byteLength ?? 0;
  // Escapes and UTF-8 make the header at most 6 bytes per character counted; only a header that might be
  // near a limit is measured exactly.
  const bound = size.chars * 6;
  if (bound > MAX_HEADER_BYTES || FRAME_PREFIX_BYTES + bound + dataBytes > MAX_FRAME_BYTES) {
    const headerBytes = encoder.encode(JSON.stringify(copy)).length;
    if (headerBytes > MAX_HEADER_BYTES) throw new WireError(`header of ${headerBytes} bytes exceeds ${MAX_HEADER_BYTES}`);
    const frameBytes = FRAME_PREFIX_BYTES + headerBytes + dataBytes;
    if (frameBytes > MAX_FRAME_BYTES) throw new WireError(`frame of ${frameBytes} bytes exceeds ${MAX_FRAME_BYTES}`);
  }
  if (data === undefined) return { body: copy };
  return { body: copy, data: new Uint8Array(data) };
}

/** Where in the body a value could not be carried; the path is built only on the way out of an error. */
class PathError extends Error {
  path = '';
  constructor(readonly problem: string) {
    super(problem);
  }
}

/** Copies plain JSON data; `size.chars` grows by the value's JSON length, not counting escapes. */
function copyJson(value: unknown, depth: number, size: { chars: number }): unknown {
  switch (typeof value) {
    case 'string':
      size.chars += value.length + 2;
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new PathError(`is ${value}, which JSON cannot carry`);
      size.chars += String(value).length;
      return value;
    case 'boolean':
      size.chars += 5;
      return value;
    case 'object': {
      if (value === null) {
        size.chars += 4;
        return null;
      }
      if (depth >= MAX_DEPTH) throw new PathError(`is nested deeper than ${MAX_DEPTH}`);
      if (Array.isArray(value)) {
        size.chars += 2 + value.length;
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          try {
            if (value[i] === undefined) throw new PathError('is undefined');
            out[i] = copyJson(value[i], depth + 1, size);
          } catch (err) {
            throw within(err, `[${i}]`);
          }
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new PathError(`is a ${value.constructor?.name ?? 'non-plain object'}, not plain JSON`);
      }
      const out: Record<string, unknown> = {};
      size.chars += 2;
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        // JSON.stringify drops undefined properties; so does the copy.
        if (item === undefined) continue;
        size.chars += key.length + 3;
        try {
          out[key] = copyJson(item, depth + 1, size);
        } catch (err) {
          throw within(err, `.${key}`);
        }
      }
      return out;
    }
    default:
      throw new PathError(`is a ${typeof value}, which JSON cannot carry`);
  }
}

function within(err: unknown, step: string): unknown {
  if (err instanceof PathError) err.path = step + err.path;
  return err;
}
