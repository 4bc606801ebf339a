/** The `#files` and `#backups` lists: each stored file's name and size. */
import type { FileMeta } from '../../shared/ring/types';
import { formatBytes } from './format';

export function renderFileList(list: HTMLElement, names: readonly string[], stored: (name: string) => FileMeta | undefined): void {
  const items = [...names].sort((a, b) => a.localeCompare(b)).map((name) => {
    const item = document.createElement('li');
    item.dataset.name = name;
    const label = document.createElement('span');
    label.className = 'name';
    label.textContent = name;
    const size = document.createElement('span');
    size.className = 'size';
    const meta = stored(name);
    // A name can be listed a moment before its metadata is readable.
    size.textContent = meta ? formatBytes(meta.size) : '…';
    item.append(label, size);
    return item;
  });
  list.replaceChildren(...items);
}
