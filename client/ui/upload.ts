/** Upload: the file picker and the drop zone feed one queue, one file at a time, each with its own row and cancel button. */
import { errorCode } from '../../shared/ring/errors';
import type { DhtApi } from '../dht-api';
import { NOT_JOINED_TEXT, errorText, formatBytes } from './format';
import { deleteButton } from './delete-button';
import type { Messages } from './messages';
import { showPrivateLink } from './private-upload';
import { createTransferRow } from './transfer-row';

export interface UploadElements {
  input: HTMLInputElement;
  dropZone: HTMLElement;
  rows: HTMLElement;
  /** Checked when a file is picked: it is put as a private file. */
  privateInput?: HTMLInputElement;
}

/** `onStored`: told after each file the ring stored (the page's list of the ring's files then refreshes). */
export function mountUpload({ input, dropZone, rows, privateInput }: UploadElements, dht: DhtApi, messages: Messages, onStored?: (name: string) => void): void {
  // One at a time: parallel uploads would only split the same links and cores between them.
  let queue = Promise.resolve();

  const upload = async (file: File, isPrivate: boolean): Promise<void> => {
    const controller = new AbortController();
    const row = createTransferRow(file.name, 'queued', () => controller.abort());
    rows.prepend(row.element);
    // Waits its turn: a file cancelled while queued is never read.
    await queue;
    try {
      const result = await dht.put(file, { onProgress: (progress) => row.progress(progress), signal: controller.signal, private: isPrivate });
      row.finish(`stored${isPrivate ? ' encrypted' : ''} (${formatBytes(file.size)})`);
      if (isPrivate) showPrivateLink(row.element, result);
      row.element.append(deleteButton(file.name, dht, messages));
      onStored?.(file.name);
    } catch (error) {
      if (errorCode(error) === 'aborted') {
        row.cancelled('cancelled');
        messages.show('info', `Upload of ${file.name} cancelled`);
        return;
      }
      const text = errorText(error);
      row.fail(text);
      messages.show('error', `Upload of ${file.name} failed: ${text}`);
    }
  };

  const accept = (files: FileList | null): void => {
    if (!files || files.length === 0) return;
    if (!dht.joined) {
      messages.show('warn', NOT_JOINED_TEXT);
      return;
    }
    const isPrivate = privateInput?.checked ?? false;
    for (const file of Array.from(files)) queue = upload(file, isPrivate);
  };

  input.addEventListener('change', () => {
    accept(input.files);
    // Cleared so picking the same file again fires another change.
    input.value = '';
  });
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('over');
    accept(event.dataTransfer?.files ?? null);
  });
}
