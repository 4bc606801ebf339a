/**
 * Opening a private file's link (`?get=NAME#k=KEY`): once the tab has joined, the file is fetched, opened
 * with the fragment's key and offered as an `<a download>` with its bytes. A public file's link
 * (no fragment) is left to the share view.
 */
import { linkedFile } from '../dht/file-link';
import { openPrivateLink } from '../dht/private-files';
import type { DhtApi } from '../dht-api';
import { errorText, formatBytes } from './format';
import type { Messages } from './messages';
import { createTransferRow } from './transfer-row';

export interface PrivateLinkElements {
  status: HTMLElement;
  link: HTMLAnchorElement;
}

/** Opens `href` if it is a private file's link; does nothing for any other URL. */
export function mountPrivateLink({ status, link }: PrivateLinkElements, dht: DhtApi, messages: Messages, href: string): void {
  const linked = linkedFile(href);
  if (!linked?.fragment) return;
  const name = linked.name;
  const row = createTransferRow(name, 'private link: waiting to join the ring…');
  status.replaceChildren(row.element);

  const open = async (): Promise<void> => {
    try {
      const opened = await openPrivateLink(dht, href, { onProgress: (progress) => row.progress(progress) });
      if (!opened?.file) {
        row.fail(`No such file: ${name}`);
        messages.show('warn', `The link's file ${name} is not in the ring (deleted, or every copy is offline)`);
        return;
      }
      row.finish(`decrypted (${formatBytes(opened.file.size)})`);
      link.href = URL.createObjectURL(opened.file);
      link.download = name;
      link.textContent = `Save ${name}`;
      link.hidden = false;
    } catch (error) {
      const text = errorText(error);
      row.fail(text);
      messages.show('error', `Opening the private link to ${name} failed: ${text}`);
    }
  };

  if (dht.joined) {
    void open();
    return;
  }
  const stop = dht.on('change', () => {
    if (!dht.joined) return;
    stop();
    void open();
  });
}
