import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { MAX_FRAME_BYTES, MAX_HEADER_BYTES } from '../../shared/constants';
import {
  decodeFrame,
  encodeFrame,
  encodeFrameHead,
  FRAME_PREFIX_BYTES,
  FrameEncodeError,
  FrameKind,
  isPart,
  MAX_TYPE_LENGTH,
  PartJoiner,
  splitFrame,
  type FrameError,
} from '../../shared/wire/frame';

const utf8 = (text: string) => new TextEncoder().encode(text);

/** A frame built byte by byte, so malformed frames need no encoder. */
function rawFrame(opts: { version?: number; kind?: number; id?: number; header: Uint8Array; headerLength?: number; data?: Uint8Array }) {
  const data = opts.data ?? new Uint8Array();
  const bytes = new Uint8Array(FRAME_PREFIX_BYTES + opts.header.length + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, opts.version ?? 1);
  view.setUint8(1, opts.kind ?? 0);
  view.setUint32(2, opts.id ?? 7);
  view.setUint32(6, opts.headerLength ?? opts.header.length);
  bytes.set(opts.header, FRAME_PREFIX_BYTES);
  bytes.set(data, FRAME_PREFIX_BYTES + opts.header.length);
  return bytes;
}

/** Deterministic pseudo-random bytes: SHA-256 of a counter, so a failing case is reproducible. */
function pseudoRandomBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let block = 0; block * 32 < length; block++) {
    out.set(sha256(utf8(`${seed}:${block}`)).subarray(0, Math.min(32, length - block * 32)), block * 32);
  }
  return out;
}

describe('encodeFrame / decodeFrame round trip', () => {
  const cases = [
    { name: 'request without data', frame: { kind: FrameKind.request, id: 0, body: { type: 'ping' } } },
    { name: 'reply with data', frame: { kind: FrameKind.reply, id: 42, body: { type: 'chunk', index: 3 }, data: new Uint8Array([1, 2, 3, 0, 255]) } },
    { name: 'error reply', frame: { kind: FrameKind.error, id: 0xffff_ffff, body: { type: 'error', message: 'no such file' } } },
    { name: 'unicode header', frame: { kind: FrameKind.request, id: 9, body: { type: 'meta', name: 'résumé ✓ 日本.txt' } } },
    { name: 'type at max length', frame: { kind: FrameKind.request, id: 1, body: { type: 'x'.repeat(MAX_TYPE_LENGTH) } } },
  ];
  for (const { name, frame } of cases) {
    it(name, () => {
      const decoded = decodeFrame(encodeFrame(frame));
      expect(decoded).toEqual({ ok: true, frame });
    });
  }

  it('uses the documented byte layout (big-endian)', () => {
    const bytes = encodeFrame({ kind: FrameKind.reply, id: 0x01020304, body: { type: 'a' }, data: new Uint8Array([9]) });
    expect([...bytes]).toEqual([1, 1, 1, 2, 3, 4, 0, 0, 0, 12, ...utf8('{"type":"a"}'), 9]);
  });

  it('fills a frame to exactly the limit and refuses one byte more', () => {
    const header = encodeFrame({ kind: 0, id: 0, body: { type: 'chunk' } }).length;
    const fits = new Uint8Array(MAX_FRAME_BYTES - header);
    const decoded = decodeFrame(encodeFrame({ kind: 0, id: 0, body: { type: 'chunk' }, data: fits }));
    expect(decoded.ok && decoded.frame.data?.length).toBe(fits.length);
    expect(() => encodeFrame({ kind: 0, id: 0, body: { type: 'chunk' }, data: new Uint8Array(fits.length + 1) })).toThrow(FrameEncodeError);
  });

  it('a head followed by the data is the whole frame, and the head alone counts the data against the limit', () => {
    const data = pseudoRandomBytes(3, 1000);
    const frame = { kind: FrameKind.reply, id: 5, body: { type: 'chunk', index: 2 }, data };
    const head = encodeFrameHead(frame);
    expect([...head, ...data]).toEqual([...encodeFrame(frame)]);
    expect(() => encodeFrameHead(frame, head.length + data.length - 1)).toThrow(/over/);
  });

  it('honours a smaller per-connection limit on both sides', () => {
    const frame = { kind: FrameKind.request, id: 1, body: { type: 'x' }, data: new Uint8Array(100) };
    const bytes = encodeFrame(frame);
    expect(decodeFrame(bytes, bytes.length - 1)).toEqual({ ok: false, reason: 'too-large' });
    expect(() => encodeFrame(frame, bytes.length - 1)).toThrow(/over/);
  });
});

describe('encodeFrame refuses what a peer would refuse', () => {
  const bad = [
    { name: 'kind 3', frame: { kind: 3 as FrameKind, id: 0, body: { type: 'a' } }, code: 'bad-frame' },
    { name: 'negative id', frame: { kind: FrameKind.request, id: -1, body: { type: 'a' } }, code: 'bad-frame' },
    { name: 'id over u32', frame: { kind: FrameKind.request, id: 2 ** 32, body: { type: 'a' } }, code: 'bad-frame' },
    { name: 'type too long', frame: { kind: FrameKind.request, id: 0, body: { type: 'x'.repeat(MAX_TYPE_LENGTH + 1) } }, code: 'bad-frame' },
    { name: 'empty type', frame: { kind: FrameKind.request, id: 0, body: { type: '' } }, code: 'bad-frame' },
    { name: 'bigint in body', frame: { kind: FrameKind.request, id: 0, body: { type: 'find', key: 5n } }, code: 'bad-frame' },
    { name: 'data not bytes', frame: { kind: FrameKind.reply, id: 0, body: { type: 'chunk' }, data: new ArrayBuffer(4) as unknown as Uint8Array }, code: 'bad-frame' },
    { name: 'header over limit', frame: { kind: FrameKind.request, id: 0, body: { type: 'a', pad: 'x'.repeat(MAX_HEADER_BYTES) } }, code: 'too-large' },
  ];
  for (const { name, frame, code } of bad) {
    it(name, () => {
      expect(() => encodeFrame(frame)).toThrow(expect.objectContaining({ code }));
    });
  }
});

describe('decodeFrame rejects malformed frames with a reason', () => {
  const good = utf8('{"type":"ping"}');
  const table: { name: string; bytes: Uint8Array; reason: FrameError }[] = [
    { name: 'empty', bytes: new Uint8Array(), reason: 'too-short' },
    { name: 'prefix cut short', bytes: rawFrame({ header: good }).subarray(0, FRAME_PREFIX_BYTES - 1), reason: 'too-short' },
    { name: 'over MAX_FRAME_BYTES', bytes: rawFrame({ header: good, data: new Uint8Array(MAX_FRAME_BYTES) }), reason: 'too-large' },
    { name: 'version 0', bytes: rawFrame({ version: 0, header: good }), reason: 'bad-version' },
    { name: 'version 2', bytes: rawFrame({ version: 2, header: good }), reason: 'bad-version' },
    { name: 'kind 3', bytes: rawFrame({ kind: 3, header: good }), reason: 'bad-kind' },
    { name: 'kind 255', bytes: rawFrame({ kind: 255, header: good }), reason: 'bad-kind' },
    { name: 'header length past the end', bytes: rawFrame({ header: good, headerLength: good.length + 1 }), reason: 'header-beyond-frame' },
    { name: 'header length u32 max', bytes: rawFrame({ header: good, headerLength: 0xffff_ffff }), reason: 'header-too-large' },
    { name: 'header over MAX_HEADER_BYTES', bytes: rawFrame({ header: utf8(`{"type":"a","p":"${'x'.repeat(MAX_HEADER_BYTES)}"}`) }), reason: 'header-too-large' },
    { name: 'invalid UTF-8', bytes: rawFrame({ header: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }), reason: 'bad-utf8' },
    { name: 'truncated UTF-8 sequence', bytes: rawFrame({ header: new Uint8Array([0x22, 0xe2, 0x82]) }), reason: 'bad-utf8' },
    { name: 'empty header', bytes: rawFrame({ header: new Uint8Array() }), reason: 'bad-json' },
    { name: 'not JSON', bytes: rawFrame({ header: utf8('{type: ping}') }), reason: 'bad-json' },
    { name: 'JSON array', bytes: rawFrame({ header: utf8('[{"type":"ping"}]') }), reason: 'bad-header' },
    { name: 'JSON null', bytes: rawFrame({ header: utf8('null') }), reason: 'bad-header' },
    { name: 'JSON string', bytes: rawFrame({ header: utf8('"ping"') }), reason: 'bad-header' },
    { name: 'no type', bytes: rawFrame({ header: utf8('{"kind":"ping"}') }), reason: 'bad-header' },
    { name: 'empty type', bytes: rawFrame({ header: utf8('{"type":""}') }), reason: 'bad-header' },
    { name: 'numeric type', bytes: rawFrame({ header: utf8('{"type":1}') }), reason: 'bad-header' },
    { name: 'type too long', bytes: rawFrame({ header: utf8(`{"type":"${'x'.repeat(MAX_TYPE_LENGTH + 1)}"}`) }), reason: 'bad-header' },
  ];
  for (const { name, bytes, reason } of table) {
    it(name, () => {
      expect(decodeFrame(bytes)).toEqual({ ok: false, reason });
    });
  }

  it('reads a frame that sits inside a larger buffer (as a channel message view may)', () => {
    const frame = encodeFrame({ kind: FrameKind.reply, id: 5, body: { type: 'ok' }, data: new Uint8Array([4, 5]) });
    const buffer = new Uint8Array(frame.length + 6);
    buffer.set(frame, 3);
    const decoded = decodeFrame(buffer.subarray(3, 3 + frame.length));
    expect(decoded).toEqual({ ok: true, frame: { kind: FrameKind.reply, id: 5, body: { type: 'ok' }, data: new Uint8Array([4, 5]) } });
  });
});

describe('decodeFrame never throws', () => {
  it('on 2000 pseudo-random byte strings, some with a valid prefix', () => {
    const reasons = new Set<string>();
    for (let seed = 0; seed < 2000; seed++) {
      const bytes = pseudoRandomBytes(seed, seed % 97);
      if (seed % 2 === 0 && bytes.length >= FRAME_PREFIX_BYTES) {
        bytes[0] = 1;
        bytes[1] = seed % 3;
        new DataView(bytes.buffer).setUint32(6, seed % (bytes.length - FRAME_PREFIX_BYTES + 1));
      }
      const result = decodeFrame(bytes);
      reasons.add(result.ok ? 'ok' : result.reason);
    }
    // The prefix fix-up must drive the decoder past the cheap checks, or this test proves little.
    for (const deep of ['too-short', 'bad-version', 'bad-utf8', 'bad-json']) expect(reasons.has(deep), deep).toBe(true);
  });

  it('on every single-byte corruption of a valid frame', () => {
    const frame = encodeFrame({ kind: FrameKind.reply, id: 3, body: { type: 'found', successors: ['a', 'b'] }, data: new Uint8Array([1, 2]) });
    for (let i = 0; i < frame.length; i++) {
      for (const value of [0, 0x22, 0x7f, 0xff]) {
        const copy = frame.slice();
        copy[i] = value;
        expect(() => decodeFrame(copy)).not.toThrow();
      }
    }
  });
});

describe('frames in parts', () => {
  const big = encodeFrame({ kind: FrameKind.reply, id: 9, body: { type: 'chunk' }, data: new Uint8Array(200_000).map((_, i) => i % 253) });

  it('a frame that fits a message goes as it is; a bigger one in parts that join back to it', () => {
    expect(splitFrame(big, MAX_FRAME_BYTES)).toEqual([big]);
    const parts = splitFrame(big, 64 * 1024);
    expect(parts).toHaveLength(4);
    expect(parts.every((p) => p.length <= 64 * 1024 && isPart(p))).toBe(true);
    expect(isPart(big)).toBe(false);
    const joiner = new PartJoiner();
    const results = parts.map((p) => joiner.add(p));
    expect(results.slice(0, 3).every((r) => !r.done && !('error' in r))).toBe(true);
    const last = results[3]!;
    expect(last.done && decodeFrame(last.frame)).toEqual(decodeFrame(big));
  });

  it('refuses parts beyond MAX_FRAME_BYTES or malformed, and starts afresh after', () => {
    const joiner = new PartJoiner();
    const notLast = (n: number) => Uint8Array.of(0x80, 0, ...new Uint8Array(n));
    for (let i = 0; i < 3; i++) expect(joiner.add(notLast(100_000))).toEqual(i < 2 ? { done: false } : { done: false, error: 'parts-too-large' });
    expect(joiner.add(Uint8Array.of(0x80, 7, 1))).toEqual({ done: false, error: 'bad-part' });
    expect(joiner.add(Uint8Array.of(0x80, 1))).toEqual({ done: false, error: 'bad-part' });
    const [only] = splitFrame(big, MAX_FRAME_BYTES);
    const again = splitFrame(only!, 100_000).map((p) => joiner.add(p));
    expect(again.at(-1)!.done).toBe(true);
  });
});
