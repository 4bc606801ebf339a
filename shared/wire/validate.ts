/** Small schema guards for decoding untrusted JSON at a wire boundary. */

/** What a wire decoder makes of its input: the value, or why it was refused. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Thrown by a decoder while it walks a message; the boundary catches it and turns it into a
 * "bad message" reply, so a malformed message never reaches protocol code.
 */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

/** `message` may be a function, for a reason costly to build on a path every message takes (built only on refusal). */
export function check(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new SchemaError(typeof message === 'string' ? message : message());
}

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isString(value: unknown, maxLength: number, minLength = 0): value is string {
  return typeof value === 'string' && value.length >= minLength && value.length <= maxLength;
}

export function isInt(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

export function isArrayOf<T>(value: unknown, item: (x: unknown) => x is T, maxLength: number): value is T[] {
  return Array.isArray(value) && value.length <= maxLength && value.every((x) => item(x));
}

/** Shortens untrusted text before it is echoed in an error or a log line. */
export function excerpt(text: string, maxLength = 64): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength)}…`;
}
