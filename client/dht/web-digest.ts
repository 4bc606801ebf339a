import type { Digest } from '../../shared/ring/types';

/** SHA-256 by WebCrypto: native and off the main thread. */
export const webDigest: Digest = async (data) => new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
