/** The one storage error a user can act on: the browser refused to store more bytes. */

export const STORAGE_FULL_CODE = 'quota-exceeded';

export const STORAGE_FULL_MESSAGE =
  'Browser storage is full (quota exceeded). Remove some files or free disk space, then try again.';

export class StorageFullError extends Error {
  readonly code = STORAGE_FULL_CODE;
  constructor(options?: ErrorOptions) {
    super(STORAGE_FULL_MESSAGE, options);
    this.name = 'StorageFullError';
  }
}

/** IndexedDB reports a full disk as a DOMException named QuotaExceededError, on the request or the aborted transaction. */
export function isQuotaExceeded(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'QuotaExceededError';
}

export function isStorageFull(error: unknown): boolean {
  return (
    isQuotaExceeded(error) ||
    (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === STORAGE_FULL_CODE)
  );
}
