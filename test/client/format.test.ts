import { describe, expect, it } from 'vitest';
import { NOT_JOINED_TEXT, errorText, formatBytes, formatDuration, formatProgress, formatRate, keyHex, statusText } from '../../client/ui/format';
import { STORAGE_FULL_MESSAGE, StorageFullError } from '../../client/storage/storage-full';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024, '10 KiB'],
    [1024 * 1024 - 1, '1.0 MiB'],
    [5 * 1024 ** 3, '5.0 GiB'],
    [4 * 1024 ** 4, '4.0 TiB'],
    [2048 * 1024 ** 4, '2048 TiB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('refuses what is not a byte count', () => {
    expect(() => formatBytes(-1)).toThrow(RangeError);
    expect(() => formatBytes(Number.NaN)).toThrow(RangeError);
  });

  it('formats progress as done of total', () => {
    expect(formatProgress({ done: 512, total: 2048 })).toBe('512 B of 2.0 KiB');
  });
});

describe('keyHex', () => {
  it('pads to the ring width', () => {
    expect(keyHex(255, 16)).toBe('00ff');
    expect(keyHex(5, 6)).toBe('05');
    expect(keyHex((1n << 64n) - 1n, 64)).toBe('ffffffffffffffff');
    expect(keyHex(0n, 64)).toBe('0000000000000000');
  });
});

describe('statusText', () => {
  it('says joined only when joined', () => {
    for (const status of ['connecting', 'online', 'offline'] as const) {
      expect(statusText(status, false)).not.toMatch(/joined/);
      expect(statusText(status, true)).toMatch(/^joined/);
    }
    expect(statusText('online', true)).toBe('joined');
    expect(statusText('offline', true)).toBe('joined (signaling offline)');
  });
});

describe('errorText', () => {
  it('gives the fixed sentence for a full store, whether the code or the DOMException name says so', () => {
    expect(errorText(new StorageFullError())).toBe(STORAGE_FULL_MESSAGE);
    expect(errorText(Object.assign(new Error('remote said so'), { code: 'quota-exceeded' }))).toBe(STORAGE_FULL_MESSAGE);
    expect(errorText({ name: 'QuotaExceededError', message: 'The quota has been exceeded.' })).toBe(STORAGE_FULL_MESSAGE);
  });

  it('passes other messages through', () => {
    expect(errorText(new Error('transfer failed after 3 replicas'))).toBe('transfer failed after 3 replicas');
    expect(errorText('plain')).toBe('plain');
    expect(NOT_JOINED_TEXT).toMatch(/joined/);
  });
});

describe('formatRate and formatDuration', () => {
  it('says a speed in bytes per second', () => {
    expect(formatRate(0)).toBe('0 B/s');
    expect(formatRate(1536)).toBe('1.5 KiB/s');
    expect(formatRate(8.5 * 1024 * 1024)).toBe('8.5 MiB/s');
  });

  it.each([
    [0, '0 s'],
    [0.2, '1 s'],
    [59, '59 s'],
    [60, '1 min'],
    [185, '3 min 5 s'],
    [7800, '2 h 10 min'],
  ])('%d seconds is %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('refuses what is not a duration', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(Infinity)).toThrow(RangeError);
  });
});
