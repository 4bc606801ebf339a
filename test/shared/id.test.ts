import { describe, expect, it } from 'vitest';
import { between, betweenRightIncl, distance, fingerStart, hashKey, publicKey, ringSize, toHex } from '../../shared/ring/id';

describe('between (open interval on the ring)', () => {
  // M = 8: keys 0..255.
  const cases: Array<[bigint, bigint, bigint, boolean, string]> = [
    [5n, 1n, 10n, true, 'inside a plain interval'],
    [1n, 1n, 10n, false, 'left end is open'],
    [10n, 1n, 10n, false, 'right end is open'],
    [0n, 1n, 10n, false, 'below'],
    [11n, 1n, 10n, false, 'above'],
    [255n, 250n, 5n, true, 'wrapping: before zero'],
    [0n, 250n, 5n, true, 'wrapping: zero itself'],
    [4n, 250n, 5n, true, 'wrapping: after zero'],
    [5n, 250n, 5n, false, 'wrapping: right end open'],
    [250n, 250n, 5n, false, 'wrapping: left end open'],
    [100n, 250n, 5n, false, 'wrapping: outside'],
    [0n, 255n, 0n, false, 'wrapping: empty gap between neighbours'],
    [7n, 7n, 7n, false, 'a == b: a itself is excluded'],
    [8n, 7n, 7n, true, 'a == b: everything else is inside'],
    [0n, 7n, 7n, true, 'a == b: zero too'],
    [6n, 7n, 7n, true, 'a == b: just below a'],
    [0n, 0n, 1n, false, 'adjacent keys: nothing between'],
  ];
  it.each(cases)('between(%s, %s, %s) = %s: %s', (x, a, b, expected) => {
    expect(between(x, a, b)).toBe(expected);
  });
});

describe('betweenRightIncl ((a, b])', () => {
  const cases: Array<[bigint, bigint, bigint, boolean, string]> = [
    [10n, 1n, 10n, true, 'right end included'],
    [1n, 1n, 10n, false, 'left end excluded'],
    [5n, 250n, 5n, true, 'wrapping: right end included'],
    [0n, 250n, 5n, true, 'wrapping: zero'],
    [250n, 250n, 5n, false, 'wrapping: left end excluded'],
    [7n, 7n, 7n, true, 'a == b: the whole ring, a included'],
    [200n, 7n, 7n, true, 'a == b: the whole ring'],
    [0n, 255n, 0n, true, 'wrapping: the single key zero'],
    [255n, 255n, 0n, false, 'wrapping: left end of the single-key interval'],
  ];
  it.each(cases)('betweenRightIncl(%s, %s, %s) = %s: %s', (x, a, b, expected) => {
    expect(betweenRightIncl(x, a, b)).toBe(expected);
  });
});

describe('fingerStart', () => {
  const cases: Array<[bigint, number, number, bigint]> = [
    [0n, 0, 8, 1n],
    [0n, 7, 8, 128n],
    [200n, 6, 8, 8n],
    [255n, 0, 8, 0n],
    [255n, 7, 8, 127n],
    [128n, 7, 8, 0n],
    [(1n << 64n) - 1n, 0, 64, 0n],
    [(1n << 64n) - 1n, 63, 64, (1n << 63n) - 1n],
    [0n, 63, 64, 1n << 63n],
  ];
  it.each(cases)('fingerStart(%s, %s, M=%s) = %s', (n, i, m, expected) => {
    expect(fingerStart(n, i, m)).toBe(expected);
  });
});

describe('distance (clockwise)', () => {
  const cases: Array<[bigint, bigint, number, bigint]> = [
    [0n, 0n, 8, 0n],
    [1n, 10n, 8, 9n],
    [10n, 1n, 8, 247n],
    [255n, 0n, 8, 1n],
    [0n, 255n, 8, 255n],
    [(1n << 64n) - 1n, 0n, 64, 1n],
    [5n, 4n, 64, (1n << 64n) - 1n],
  ];
  it.each(cases)('distance(%s, %s, M=%s) = %s', (a, b, m, expected) => {
    expect(distance(a, b, m)).toBe(expected);
  });

  it('adds up around the ring', () => {
    for (const [a, b] of [
      [3n, 200n],
      [200n, 3n],
      [0n, 128n],
    ] as const) {
      expect(distance(a, b, 8) + distance(b, a, 8)).toBe(a === b ? 0n : ringSize(8));
    }
  });
});

describe('hashKey', () => {
  it('is the first M bits of SHA-256, the same every time', () => {
    // SHA-256("abc") = ba7816bf 8f01cfea ...
    expect(hashKey('abc', 8)).toBe(0xban);
    expect(hashKey('abc', 32)).toBe(0xba7816bfn);
    expect(hashKey('abc', 64)).toBe(0xba7816bf8f01cfean);
    expect(hashKey('abc', 1)).toBe(1n);
    expect(hashKey('abc', 256)).toBe(0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adn);
    expect(hashKey('', 16)).toBe(0xe3b0n);
    expect(hashKey('file-1', 64)).toBe(hashKey('file-1', 64));
  });

  it('hashes the UTF-8 bytes of the text', () => {
    // SHA-256 of c3 a9 (UTF-8 "é") begins 4a99557e; of the Latin-1 byte e9 it would begin de2e331d.
    expect(hashKey('é', 32)).toBe(0x4a99557en);
  });

  it('stays below 2^M for every width', () => {
    for (const m of [1, 2, 7, 8, 31, 32, 53, 64, 160]) {
      for (let i = 0; i < 50; i++) {
        const key = hashKey(`peer-${i}`, m);
        expect(key >= 0n && key < ringSize(m)).toBe(true);
      }
    }
  });

  it('rejects an impossible M', () => {
    for (const m of [0, -1, 257, 1.5, NaN]) expect(() => hashKey('x', m)).toThrow(RangeError);
  });
});

describe('publicKey', () => {
  it('is an exact number up to M = 53 and a bigint beyond', () => {
    expect(publicKey(255n, 8)).toBe(255);
    expect(publicKey((1n << 53n) - 1n, 53)).toBe(Number.MAX_SAFE_INTEGER);
    expect(publicKey(1n << 53n, 54)).toBe(1n << 53n);
    expect(typeof publicKey(hashKey('a', 64), 64)).toBe('bigint');
  });
});

describe('toHex', () => {
  it('writes two lowercase digits per byte', () => {
    expect(toHex(new Uint8Array([0, 1, 15, 16, 255]))).toBe('00010f10ff');
    expect(toHex(new Uint8Array())).toBe('');
  });
});
