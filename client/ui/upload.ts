/** Upload: the file picker and the drop zone feed one queue, one file at a time, each with its own row. */
import type { DhtApi } from '../dht-api';
import { NOT_JOINED_TEXT, errorText, formatBytes } from './format';
import { deleteButton } from './delete-button';
import type { Messages } from './messages';
import { showPrivateLink } from './private-upload';
import { createTransferRow, type TransferRow } from './transfer-row';

export interface UploadElements {
  input: HTMLInputElement;
  dropZone: HTMLElement;
  rows: HTMLElement;
  /** Checked when a file is picked: it is put as a private file. */
  privateInput?: HTMLInputElement;
}

export function mountUpload({ input, dropZone, rows, privateInput }: UploadElements, dht: DhtApi, messages: Messages): void {
  // One at a time: parallel uploads would only split the same links and cores between them.
  let queue = Promise.resolve();

  const upload = async (file: File, row: TransferRow, isPrivate: boolean): Promise<void> => {
    try {
      const result = await dht.put(file, { onProgress: (progress) => row.progress(progress), private: isPrivate });
      row.finish(`stored${isPrivate ? ' encrypted' : ''} (${formatBytes(file.size)})`);
      if (isPrivate) showPrivateLink(row.element, result);
      row.element.append(deleteButton(file.name, dht, messages));
    } catch (error) {
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
    for (const file of Array.from(files)) {
      const row = createTransferRow(file.name, 'queued');
      rows.prepend(row.element);
      queue = queue.then(() => upload(file, row, isPrivate));
    }
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
