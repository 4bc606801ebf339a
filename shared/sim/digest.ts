/** SHA-256 computed synchronously and handed back as a resolved promise: no real async work, so the simulation stays deterministic. */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Digest } from '../ring/types';

export const syncDigest: Digest = (data) => Promise.resolve(sha256(data));
