/**
 * Share links: `?get=NAME` opens the page, joins the ring and fetches NAME. A fragment (`#k=...`) is never sent
 * to the server; it is for a private link, which another module opens (see open-link.ts). Pure, tested without a DOM.
 */

export const GET_PARAM = 'get';

/** The link to a file on this page, wherever the page is served from (`HOST=0.0.0.0` serves a LAN). */
export function shareUrl(name: string, page: Pick<URL, 'origin' | 'pathname'>): string {
  return `${page.origin}${page.pathname}?${GET_PARAM}=${encodeURIComponent(name)}`;
}

export interface ShareLink {
  name: string;
  /** The fragment's parameters (`k` for a private link); empty for a public one. */
  fragment: URLSearchParams;
}

/** The file a page's address asks for, or null when it asks for none. */
export function readShareLink(page: Pick<URL, 'search' | 'hash'>): ShareLink | null {
  const name = new URLSearchParams(page.search).get(GET_PARAM);
  if (!name) return null;
  return { name, fragment: new URLSearchParams(page.hash.replace(/^#/, '')) };
}

/** A loopback address cannot be opened from a phone: the page says to open it at the LAN address instead. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname);
}
