/** Errors with a stable `code`, so adapters and the page can tell them apart without parsing messages. */
export type RingErrorCode =
  | 'timeout'
  | 'aborted'
  | 'stopped'
  | 'not-joined'
  | 'key-collision'
  | 'bad-message'
  | 'lookup-failed'
  | 'all-replicas-failed'
  | 'corrupt'
  | 'quota-exceeded'
  | 'too-large'
  /** A newer version of the file replaced the one asked about. */
  | 'superseded';

export class RingError extends Error {
  constructor(
    readonly code: RingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RingError';
  }
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
