/**
 * The ring's files (`dht.list`): name, size, owner and writer, with a filter box. "starts with" asks the owners
 * (each filters its own range), "contains" filters the page shown. A name fetches the file; "Link" shares it.
 * The list is walked again on joining, after this tab stores a file, on "Refresh", and every BROWSE_REFRESH_MS:
 * a walk stops at BROWSE_LIMIT files, so in a ring of hundreds of tabs it stays a few requests per owner.
 */
import type { DhtApi, ListEntry } from '../dht-api';
import { errorText, formatBytes } from './format';
import type { Fetcher } from './fetch';

/** Files one walk lists at most; the filter narrows past it. */
export const BROWSE_LIMIT = 200;
const BROWSE_REFRESH_MS = 15_000;
/** A "starts with" filter waits this long after the last keystroke before it walks the ring. */
const PREFIX_DEBOUNCE_MS = 300;

export interface BrowseElements {
  list: HTMLElement;
  filter: HTMLInputElement;
  mode: HTMLSelectElement;
  refresh: HTMLButtonElement;
  status: HTMLElement;
}

export type FilterMode = 'contains' | 'prefix';

/** The entries a filter shows: "contains" is case-insensitive; "starts with" was applied by the owners already. */
export function filterEntries(entries: readonly ListEntry[], text: string, mode: FilterMode): ListEntry[] {
  if (mode === 'prefix' || text === '') return [...entries];
  const wanted = text.toLowerCase();
  return entries.filter((entry) => entry.name.toLowerCase().includes(wanted));
}

export function mountBrowse(els: BrowseElements, dht: DhtApi, fetcher: Fetcher, share: (name: string) => void): { refresh(): void } {
  let entries: ListEntry[] = [];
  let walking = false;
  let again = false;
  let debounce: ReturnType<typeof setTimeout> | undefined;
  const mode = (): FilterMode => (els.mode.value === 'prefix' ? 'prefix' : 'contains');

  const row = (entry: ListEntry): HTMLElement => {
    const item = document.createElement('li');
    item.dataset.name = entry.name;
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'name';
    open.textContent = entry.name;
    open.title = `Fetch ${entry.name}`;
    open.addEventListener('click', () => void fetcher.fetch(entry.name, { size: entry.size }));
    const size = document.createElement('span');
    size.className = 'size';
    size.textContent = formatBytes(entry.size);
    const owner = document.createElement('span');
    owner.className = 'owner';
    owner.textContent = entry.owner === dht.host ? 'owned by this tab' : `owned by ${entry.owner}`;
    item.append(open, size, owner);
    if (entry.writer) {
      const writer = document.createElement('code');
      writer.className = 'writer';
      writer.textContent = entry.writer;
      writer.title = 'fingerprint of the key that wrote it';
      item.append(writer);
    }
    const link = document.createElement('button');
    link.type = 'button';
    link.className = 'share';
    link.textContent = 'Link';
    link.setAttribute('aria-label', `Share link to ${entry.name}`);
    link.addEventListener('click', () => share(entry.name));
    item.append(link);
    return item;
  };

  const render = (): void => {
    const shown = filterEntries(entries, els.filter.value, mode());
    els.list.replaceChildren(...shown.map(row));
    const more = entries.length >= BROWSE_LIMIT ? ` (the first ${BROWSE_LIMIT} listed: narrow with "starts with")` : '';
    els.status.textContent = `${shown.length} of ${entries.length} files${more}`;
  };

  const refresh = async (): Promise<void> => {
    if (!dht.joined) return;
    if (walking) {
      again = true;
      return;
    }
    walking = true;
    els.refresh.disabled = true;
    try {
      const prefix = mode() === 'prefix' && els.filter.value ? els.filter.value : undefined;
      entries = await dht.list({ limit: BROWSE_LIMIT, ...(prefix !== undefined && { prefix }) });
      els.list.dataset.listed = String(Date.now());
      render();
    } catch (error) {
      els.status.textContent = `Could not list the ring's files: ${errorText(error)}`;
    } finally {
      walking = false;
      els.refresh.disabled = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  };

  els.refresh.addEventListener('click', () => void refresh());
  els.mode.addEventListener('change', () => void refresh());
  els.filter.addEventListener('input', () => {
    if (mode() === 'contains') return render();
    clearTimeout(debounce);
    debounce = setTimeout(() => void refresh(), PREFIX_DEBOUNCE_MS);
  });
  let wasJoined = false;
  dht.on('change', () => {
    if (dht.joined && !wasJoined) void refresh();
    wasJoined = dht.joined;
  });
  setInterval(() => {
    if (document.visibilityState === 'visible') void refresh();
  }, BROWSE_REFRESH_MS);
  return { refresh: () => void refresh() };
}
