/**
 * Links to a file of the ring: this page with `?get=NAME`, which opens the file in any tab of the ring; a
 * private file's link adds `#k=KEY`, its key (shared/trust/seal keyToFragment). A browser never sends a
 * URL's fragment to any server, so the key reaches only whoever is given the link.
 */
export const GET_PARAM = 'get';
const KEY_PREFIX = 'k=';

/**
 * The link to `name` on the page at `page` (its other query and fragment dropped), with `fragment` as the key
 * of a private file. Without a page (a Node peer has none) the link is relative: `?get=NAME#k=KEY`.
 */
export function fileLink(page: string | undefined, name: string, fragment?: string): string {
  const url = new URL(page ?? RELATIVE_BASE);
  url.search = '';
  url.hash = fragment === undefined ? '' : `${KEY_PREFIX}${fragment}`;
  url.searchParams.set(GET_PARAM, name);
  return page === undefined ? `${url.search}${url.hash}` : url.href;
}
const RELATIVE_BASE = 'http://page.invalid/';

export interface LinkedFile {
  name: string;
  /** The key fragment of a private file's link (without '#k='), or null for a public file's. */
  fragment: string | null;
}

/** The file a URL links to, or null when it names none. */
export function linkedFile(href: string): LinkedFile | null {
  const url = new URL(href);
  const name = url.searchParams.get(GET_PARAM);
  if (!name) return null;
  const hash = url.hash.slice(1);
  return { name, fragment: hash.startsWith(KEY_PREFIX) ? hash.slice(KEY_PREFIX.length) : null };
}
