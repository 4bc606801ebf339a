/** Where a ring key sits on a circle. Keys can be 64-bit bigints, so the fraction is taken in bigint first. */
import type { Key } from '../dht-api';

export interface Point {
  x: number;
  y: number;
}

/** 53 bits: the fraction's numerator is then exact as a double. */
const FRACTION_BITS = 53n;

/** key / n in [0, 1). */
export function ringFraction(key: Key, n: Key): number {
  const k = BigInt(key);
  const size = BigInt(n);
  if (size <= 0n) throw new RangeError(`Ring size must be positive, got ${size}`);
  if (k < 0n || k >= size) throw new RangeError(`Key ${k} is outside the ring [0, ${size})`);
  return Number((k << FRACTION_BITS) / size) / 2 ** Number(FRACTION_BITS);
}

/** Key 0 at the top, keys increasing clockwise, in SVG coordinates (y grows downward) around (0, 0). */
export function ringPoint(key: Key, n: Key, radius = 1): Point {
  const angle = ringFraction(key, n) * 2 * Math.PI;
  return { x: radius * Math.sin(angle), y: -radius * Math.cos(angle) };
}

/** SVG path of the clockwise arc from one key to another; equal keys give the whole circle. */
export function arcPath(from: Key, to: Key, n: Key, radius: number): string {
  const r = round(radius);
  if (BigInt(from) === BigInt(to)) return `M 0 ${-r} A ${r} ${r} 0 1 1 0 ${r} A ${r} ${r} 0 1 1 0 ${-r}`;
  const start = ringPoint(from, n, radius);
  const end = ringPoint(to, n, radius);
  const turn = (ringFraction(to, n) - ringFraction(from, n) + 1) % 1;
  const largeArc = turn > 0.5 ? 1 : 0;
  return `M ${round(start.x)} ${round(start.y)} A ${r} ${r} 0 ${largeArc} 1 ${round(end.x)} ${round(end.y)}`;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;
