/** A button that deletes a file this profile wrote from the whole ring. */
import type { DhtApi } from '../dht-api';
import { errorText } from './format';
import type { Messages } from './messages';

export function deleteButton(name: string, dht: Pick<DhtApi, 'delete'>, messages: Messages, onDeleted?: () => void): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'delete';
  button.dataset.name = name;
  button.textContent = 'Delete';
  button.title = `Delete ${name} from every peer`;
  button.addEventListener('click', () => {
    button.disabled = true;
    dht.delete(name).then(
      () => {
        messages.show('info', `Deleted ${name}`);
        button.remove();
        onDeleted?.();
      },
      (error: unknown) => {
        button.disabled = false;
        messages.show('error', `Delete of ${name} failed: ${errorText(error)}`);
      },
    );
  });
  return button;
}
