/**
 * Every error the ring core and its services (transport, store) raise, and the one list of their codes.
 * A code crosses the wire in an error reply, so a code raised on one peer means the same on another:
 * adapters and the page tell errors apart by code, never by parsing messages.
 */

export const ERROR_CODES = [
  // The ring's own.
  'stopped',
  'not-joined',
  'key-collision',
  'lookup-failed',
  'all-replicas-failed',
  'corrupt',
  'too-large',
  /** A newer version of the file replaced the one asked about. */
  'superseded',
  /** The name belongs to another writer (shared/trust/order): a put or replace of it is refused. */
  'name-taken',
  /** A delete of a name another writer holds. */
  'not-writer',
  /** A get of a private file without its key (a link's `#k=` fragment, client/dht/file-link). */
  'private-file',
  /** An offer of a file this peer is no replica of, from a peer that is not its neighbour. */
  'not-responsible',
  /** The sender asked more than its share (shared/constants *_RATE, OFFER_BUDGET_BYTES). */
  'rate-limited',
  // Any request, in the ring or in its transport.
  'timeout',
  'aborted',
  'bad-message',
  // The transport's.
  'unreachable',
  'closed',
  /** An error reply that named no code of this list. */
  'remote-error',
  // The store's.
  'quota-exceeded',
  'missing-chunk',
  'not-found',
  // A peer's link (client/net).
  /** The peer is answering as many of our requests as it takes at once. */
  'busy',
  /** The peer would not close its only link. */
  'last-link',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type RingErrorCode = Extract<
  ErrorCode,
  'timeout' | 'aborted' | 'stopped' | 'not-joined' | 'key-collision' | 'bad-message' | 'lookup-failed' | 'all-replicas-failed' | 'corrupt' | 'quota-exceeded' | 'too-large' | 'superseded' | 'name-taken' | 'not-writer' | 'private-file' | 'not-responsible' | 'rate-limited'
>;
/** Why a request failed, the same in a tab, a Node peer and the simulator, so the ring reacts the same way in all. */
export type TransportErrorCode = Extract<ErrorCode, 'timeout' | 'aborted' | 'unreachable' | 'closed' | 'bad-message' | 'remote-error'>;
export type StoreErrorCode = Extract<ErrorCode, 'quota-exceeded' | 'missing-chunk' | 'not-found'>;

export function isErrorCode(value: unknown): value is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(value);
}

export class RingError extends Error {
  constructor(
    readonly code: RingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RingError';
  }
}

/** What a put or get rejects with when its caller's signal aborts it, named as the DOM names an abort. */
export class AbortError extends RingError {
  constructor(message: string) {
    super('aborted', message);
    this.name = 'AbortError';
  }
}

/** Throws the AbortError a put or get rejects with once its caller's `signal` aborted it. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new AbortError(`${what} aborted`);
}

export class TransportError extends Error {
  constructor(
    /** A TransportErrorCode, or the code an error reply carried from the remote handler. */
    readonly code: TransportErrorCode | (string & {}),
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** A BlobStore's failure. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
