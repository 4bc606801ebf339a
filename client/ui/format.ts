/** Text for the page: sizes, keys, status. Pure, so it is tested without a DOM. */
import type { ConnectionStatus, Key, Progress } from '../dht-api';
import { STORAGE_FULL_MESSAGE, isStorageFull } from '../storage/storage-full';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`Not a byte count: ${bytes}`);
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  // 1023.96 KiB would round to "1024 KiB"; rounding first keeps the unit honest.
  const shown = value < 10 ? value.toFixed(1) : Math.round(value).toString();
  return shown === '1024' && unit < UNITS.length - 1 ? `1.0 ${UNITS[unit + 1]}` : `${shown} ${UNITS[unit]}`;
}

export function formatProgress({ done, total }: Progress): string {
  return `${formatBytes(done)} of ${formatBytes(total)}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.max(0, Math.round(bytesPerSecond)))}/s`;
}

/** A time left, to the second under a minute, else to the minute: "45 s", "3 min 5 s", "2 h 10 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`Not a duration: ${seconds}`);
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A ring key as hex, zero-padded to the ring's width so keys line up. */
export function keyHex(key: Key, m: number): string {
  return BigInt(key).toString(16).padStart(Math.ceil(m / 4), '0');
}

/** Only a joined tab's status contains the word "joined", so a reader can wait for it. */
export function statusText(status: ConnectionStatus, joined: boolean): string {
  if (joined) return status === 'online' ? 'joined' : `joined (signaling ${status})`;
  if (status === 'online') return 'online, joining the ring…';
  if (status === 'connecting') return 'connecting to the signaling server…';
  return 'offline';
}

export const NOT_JOINED_TEXT = 'Not in a ring yet — wait for the status to say joined';

/** A plain sentence for a failed operation: storage-full errors get the one fixed explanation. */
export function errorText(error: unknown): string {
  if (isStorageFull(error)) return STORAGE_FULL_MESSAGE;
  if (error instanceof Error && error.message) return error.message;
  return String(error);
}
