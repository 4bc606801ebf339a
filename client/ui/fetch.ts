/** Fetch by name: a progress row, then a download link to the bytes (older links' blob URLs are revoked). */
import type { DhtApi } from '../dht-api';
import { NOT_JOINED_TEXT, errorText, formatBytes } from './format';
import type { Messages } from './messages';
import { createTransferRow } from './transfer-row';

export interface FetchElements {
  form: HTMLFormElement;
  name: HTMLInputElement;
  button: HTMLButtonElement;
  status: HTMLElement;
  link: HTMLAnchorElement;
}

export function mountFetch({ form, name, button, status, link }: FetchElements, dht: DhtApi, messages: Messages): void {
  const clearLink = (): void => {
    if (link.href) URL.revokeObjectURL(link.href);
    link.removeAttribute('href');
    link.hidden = true;
  };

  const fetchFile = async (wanted: string): Promise<void> => {
    clearLink();
    const row = createTransferRow(wanted, 'looking up…');
    status.replaceChildren(row.element);
    button.disabled = true;
    try {
      const blob = await dht.get(wanted, { onProgress: (progress) => row.progress(progress) });
      if (blob === null) {
        const text = `No such file: ${wanted}`;
        row.fail(text);
        messages.show('warn', text);
        return;
      }
      row.finish(`fetched (${formatBytes(blob.size)})`);
      link.href = URL.createObjectURL(blob);
      link.download = wanted;
      link.textContent = `Save ${wanted}`;
      link.hidden = false;
    } catch (error) {
      const text = errorText(error);
      row.fail(text);
      messages.show('error', `Fetch of ${wanted} failed: ${text}`);
    } finally {
      button.disabled = false;
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // Not trimmed: a name may really begin or end with a space.
    const wanted = name.value;
    if (!wanted.trim()) {
      messages.show('info', 'Type the name of a file to fetch');
      return;
    }
    if (!dht.joined) {
      messages.show('warn', NOT_JOINED_TEXT);
      return;
    }
    if (!button.disabled) void fetchFile(wanted);
  });
}
