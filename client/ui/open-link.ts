/**
 * Opening a share link: `?get=NAME` waits until the tab has joined (it joins by itself), then fetches NAME with
 * progress and offers it for download; a missing file is said plainly. A link with a fragment key (`#k=...`) is
 * private: it goes to the `privateLink` hook of the module that decrypts such files, and is never fetched here.
 */
import type { DhtApi } from '../dht-api';
import type { Fetcher } from './fetch';
import type { Messages } from './messages';
import { readShareLink } from './share-link';

export interface LinkHooks {
  /** Opens a private link: `fragment` holds its key (`k`). */
  privateLink?(name: string, fragment: URLSearchParams): void | Promise<void>;
}

export function missingText(name: string): string {
  return `No file named ${name} in the ring`;
}

export function openShareLink(page: Pick<URL, 'search' | 'hash'>, dht: DhtApi, fetcher: Fetcher, messages: Messages, hooks: LinkHooks = {}): void {
  const link = readShareLink(page);
  if (!link) return;
  const open = (): void => {
    if (link.fragment.has('k')) {
      if (hooks.privateLink) void hooks.privateLink(link.name, link.fragment);
      else messages.show('warn', `The link to ${link.name} is a private one, which this page cannot open`);
      return;
    }
    messages.show('info', `Fetching ${link.name} from the ring…`);
    void fetcher.fetch(link.name, { missingText: missingText(link.name) });
  };
  if (dht.joined) return open();
  const stop = dht.on('change', () => {
    if (!dht.joined) return;
    stop();
    open();
  });
}
