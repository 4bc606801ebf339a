/**
 * Opening a private file's link (`?get=NAME#k=KEY`): open-link.ts waits until the tab has joined and hands the
 * link here; the file is fetched, opened with the fragment's key and offered as an `<a download>` with its bytes.
 */
import { openPrivateLink } from '../dht/private-files';
import type { DhtApi } from '../dht-api';
import { errorText, formatBytes } from './format';
import type { Messages } from './messages';
import { missingText, type LinkHooks } from './open-link';
import { createTransferRow } from './transfer-row';

export interface PrivateLinkElements {
  status: HTMLElement;
  link: HTMLAnchorElement;
}

/** The `privateLink` hook of open-link.ts: fetches and decrypts the linked file into `link`. */
export function privateLinkOpener({ status, link }: PrivateLinkElements, dht: DhtApi, messages: Messages): NonNullable<LinkHooks['privateLink']> {
  return async (name, fragment) => {
    const row = createTransferRow(name, 'private link: looking up…');
    status.replaceChildren(row.element);
    try {
      const file = await openPrivateLink(dht, name, fragment, { onProgress: (progress) => row.progress(progress) });
      if (!file) {
        row.fail(missingText(name));
        messages.show('warn', missingText(name));
        return;
      }
      row.finish(`decrypted (${formatBytes(file.size)})`);
      link.href = URL.createObjectURL(file);
      link.download = name;
      link.textContent = `Save ${name}`;
      link.hidden = false;
    } catch (error) {
      const text = errorText(error);
      row.fail(text);
      messages.show('error', `Opening the private link to ${name} failed: ${text}`);
    }
  };
}
