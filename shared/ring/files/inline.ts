/** Files small enough to ride inside their offer frame, and how the receiver checks such a file. */
import { INLINE_FILE_BYTES } from '../../constants';
import { rootMatches, withHashes } from '../../transfer/meta';
import type { WireMeta } from '../../wire/file-meta';
import { RingError } from '../errors';
import type { Digest, FileMeta } from '../types';

export function inlineable(meta: Pick<FileMeta, 'size' | 'chunks'>): boolean {
  return meta.chunks === 1 && meta.size <= INLINE_FILE_BYTES;
}

/** Full metadata of an inline file, from its bytes: valid only when they hash to the root the offer names. */
export async function inlineMeta(wire: WireMeta, data: Uint8Array, digest: Digest): Promise<FileMeta> {
  if (!inlineable(wire) || data.length !== wire.size) {
    throw new RingError('bad-message', `inline data of ${wire.name} has ${data.length} bytes; only a whole file of one chunk up to ${INLINE_FILE_BYTES} bytes rides in an offer`);
  }
  const meta = withHashes(wire, await digest(data));
  if (!(await rootMatches(meta, digest))) throw new RingError('corrupt', `the inline data of ${wire.name} does not match its root`);
  return meta;
}
