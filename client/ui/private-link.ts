/**
 * Opening a private file's link (`?get=NAME#k=KEY`): open-link.ts waits until the tab has joined and hands the
 * link here; it is fetched like any file, with the fragment's key, so the tab opens each chunk as it arrives
 * (dht/private-files.ts) and offers the plain file for download.
 */
import { KEY_PARAM } from '../dht/private-files';
import type { Fetcher } from './fetch';
import { missingText, type LinkHooks } from './open-link';

/** The `privateLink` hook of open-link.ts. */
export function privateLinkOpener(fetcher: Fetcher): NonNullable<LinkHooks['privateLink']> {
  return (name, fragment) => fetcher.fetch(name, { key: fragment.get(KEY_PARAM) ?? '', missingText: missingText(name) });
}
