/** Upload: the file picker and the drop zone feed one queue, one file at a time, each with its own row. */
import type { DhtApi } from '../dht-api';
import { NOT_JOINED_TEXT, errorText, formatBytes } from './format';
import type { Messages } from './messages';
import { createTransferRow, type TransferRow } from './transfer-row';

export interface UploadElements {
  input: HTMLInputElement;
  dropZone: HTMLElement;
  rows: HTMLElement;
}

export function mountUpload({ input, dropZone, rows }: UploadElements, dht: DhtApi, messages: Messages): void {
  // One at a time: parallel uploads would only split the same links and cores between them.
  let queue = Promise.resolve();

  const upload = async (file: File, row: TransferRow): Promise<void> => {
    try {
      await dht.put(file, { onProgress: (progress) => row.progress(progress) });
      row.finish(`stored (${formatBytes(file.size)})`);
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
    for (const file of Array.from(files)) {
      const row = createTransferRow(file.name, 'queued');
      rows.prepend(row.element);
      queue = queue.then(() => upload(file, row));
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
