/** The link a private upload's row shows: the only way to read the file. */
import type { PutResult } from '../dht-api';

/** Adds the private file's link to its upload row: the link carries the key, so whoever has it can read the file. */
export function showPrivateLink(row: HTMLElement, result: PutResult): void {
  const anchor = document.createElement('a');
  anchor.className = 'private-link';
  anchor.href = result.link;
  anchor.textContent = result.link;
  anchor.title = 'The key is in the part after #, which no server sees: share this link to share the file';
  row.append(anchor);
}
