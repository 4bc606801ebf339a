/**
 * Private files on the getting side: the link that carries a file's key, and a getter with that key opening
 * each sealed chunk as it arrives to put the plaintext together; the ring only ever moves and stores sealed chunks.
 */
import { RingError } from '../../shared/ring/errors';
import type { Sink } from '../../shared/ring/files/get';
import type { FileMeta } from '../../shared/ring/types';
import { PRIVATE_CHUNK_PLAIN_BYTES, keyFromFragment, openChunk, plainSize, type FileKey } from '../../shared/trust/seal';
import { shareUrl } from '../ui/share-link';

/** The fragment parameter of a private link that carries the file's key (keyToFragment). */
export const KEY_PARAM = 'k';

/**
 * The link to a file: the page's share link (`?get=NAME`), and for a private file its key in the fragment
 * (`#k=KEY`), which a browser never sends to any server. Without a page (a Node peer) the link is relative.
 */
export function fileLink(page: string | undefined, name: string, fragment?: string): string {
  const link = shareUrl(name, page === undefined ? { origin: '', pathname: '' } : new URL(page));
  return fragment === undefined ? link : `${link}#${KEY_PARAM}=${fragment}`;
}

/** The key a link's fragment carries; rejects with 'corrupt' when the fragment is not one (a link cut short). */
export async function linkKey(fragment: string): Promise<FileKey> {
  const key = await keyFromFragment(fragment);
  if (!key.ok) throw new RingError('corrupt', `The link's key is damaged (${key.reason}): copy the whole link.`);
  return key.value;
}

/** True when the version's signed record says its chunks are sealed. */
export function isPrivate(version: FileMeta): boolean {
  const record = version.signed?.record;
  return record?.kind === 'file' && record.private;
}

/** The key to open a private version with; throws 'private-file' without one: sealed bytes are never handed out as the file. */
export function requireKey(sealed: FileMeta, fileKey: FileKey | undefined): FileKey {
  if (!fileKey) throw new RingError('private-file', `${sealed.name} is a private file: only its link (with the key after #k=) opens it.`);
  return fileKey;
}

/** Where the plaintext of a sealed version goes: the same chunks, each SEAL_TAG_BYTES shorter. */
export function plainVersion(sealed: FileMeta): FileMeta {
  return { ...sealed, size: plainSize(sealed.size, sealed.chunks), chunkSize: PRIVATE_CHUNK_PLAIN_BYTES };
}

/** A sink that opens each sealed chunk with `fileKey` before passing it on; a chunk that does not open rejects with 'corrupt'. */
export function openingSink(fileKey: FileKey, sink: Sink): Sink {
  return async (index, sealed) => sink(index, await openChunk(fileKey, index, sealed));
}
