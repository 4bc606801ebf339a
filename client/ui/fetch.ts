/**
 * Fetching a file, by name from the form, by a click in the ring's file list, or from a share link: a progress
 * row with a cancel button, then a download link to the bytes (older links' blob URLs are revoked). A file known
 * to be over the in-memory threshold is written straight to a file the user picks, where the browser can. Any
 * other file over the threshold is streamed to the browser's downloads through a service worker: in Firefox,
 * and in Chromium for a fetch by name or a share link, whose size is not known before the get looks it up, by
 * when a share link never had a click and a click's activation may have run out for the save dialog.
 */
import { errorCode } from '../../shared/ring/errors';
import { asksWhereToSave } from '../dht/download-target';
import { WorkerSave } from '../save/sw-download';
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

export interface FetchOptions {
  /** The size, when the page knows it (the ring's file list): a big file then goes where the user picks. */
  size?: number;
  /** What to say when no peer holds it. */
  missingText?: string;
  /** The key of a private file, from its link's fragment (ui/private-link.ts). */
  key?: string;
}

export interface Fetcher {
  /** Fetches `name` unless a fetch is running. Call it straight from a click: it may open a save dialog. */
  fetch(name: string, options?: FetchOptions): Promise<void>;
}

/** The File System Access API's save dialog (Chromium); absent in Firefox and Safari. */
type SavePicker = (options?: { suggestedName?: string }) => Promise<FileSystemFileHandle>;

function savePicker(): SavePicker | undefined {
  const picker = (window as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  return typeof picker === 'function' ? picker.bind(window) : undefined;
}

export function mountFetch({ form, name, button, status, link }: FetchElements, dht: DhtApi, messages: Messages): Fetcher {
  let running = false;

  const clearLink = (): void => {
    if (link.href) URL.revokeObjectURL(link.href);
    link.removeAttribute('href');
    link.hidden = true;
  };

  const fetchFile = async (wanted: string, options: FetchOptions, saveTo: FileSystemFileHandle | undefined, download: WorkerSave | undefined): Promise<void> => {
    clearLink();
    const controller = new AbortController();
    const row = createTransferRow(wanted, 'looking up…', () => controller.abort());
    status.replaceChildren(row.element);
    try {
      const blob = await dht.get(wanted, {
        onProgress: (progress) => row.progress(progress),
        signal: controller.signal,
        ...(saveTo && { saveTo }),
        ...(download && { download }),
        ...(options.key !== undefined && { key: options.key }),
      });
      if (blob === null) {
        const text = options.missingText ?? `No such file: ${wanted}`;
        row.fail(text);
        messages.show('warn', text);
        return;
      }
      if (saveTo) {
        row.finish(`saved to ${saveTo.name} (${formatBytes(blob.size)})`);
        return;
      }
      if (download?.saved) {
        row.finish(`saved to your downloads (${formatBytes(download.saved.size)})`);
        return;
      }
      row.finish(`fetched (${formatBytes(blob.size)})`);
      link.href = URL.createObjectURL(blob);
      link.download = wanted;
      link.textContent = `Save ${wanted}`;
      link.hidden = false;
    } catch (error) {
      if (errorCode(error) === 'aborted') {
        row.cancelled('cancelled');
        messages.show('info', `Fetch of ${wanted} cancelled`);
        return;
      }
      const text = errorText(error);
      row.fail(text);
      messages.show('error', `Fetch of ${wanted} failed: ${text}`);
    }
  };

  const fetch = async (wanted: string, options: FetchOptions = {}): Promise<void> => {
    if (!dht.joined) {
      messages.show('warn', NOT_JOINED_TEXT);
      return;
    }
    if (running) {
      messages.show('info', 'A fetch is running: wait for it or cancel it');
      return;
    }
    running = true;
    button.disabled = true;
    try {
      const picker = savePicker();
      let saveTo: FileSystemFileHandle | undefined;
      if (asksWhereToSave(options.size, dht.inMemoryDownloadBytes, picker)) {
        try {
          saveTo = await picker!({ suggestedName: wanted });
        } catch (error) {
          // The user closed the dialog: no fetch. Any other failure (no user gesture): the usual place.
          if ((error as { name?: string }).name === 'AbortError') return;
        }
      }
      // Without a file picked, a file over the threshold streams to the browser's downloads.
      await fetchFile(wanted, options, saveTo, saveTo ? undefined : new WorkerSave());
    } finally {
      running = false;
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
    void fetch(wanted);
  });

  return { fetch };
}
