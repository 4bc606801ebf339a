/** Delete buttons: on a file this profile wrote, a button that deletes it from the whole ring. */
import type { DhtApi } from '../dht-api';
import { errorText } from './format';
import type { Messages } from './messages';

type Deleter = Pick<DhtApi, 'delete'>;

/** Names being deleted: a list redrawn meanwhile shows their buttons still disabled. */
const deleting = new Set<string>();

export function deleteButton(name: string, dht: Deleter, messages: Messages): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'delete';
  button.dataset.name = name;
  button.textContent = 'Delete';
  button.title = `Delete ${name} from every peer`;
  button.disabled = deleting.has(name);
  button.addEventListener('click', () => {
    button.disabled = true;
    deleting.add(name);
    dht.delete(name).then(
      () => {
        messages.show('info', `Deleted ${name}`);
        button.remove();
      },
      (error: unknown) => {
        button.disabled = false;
        messages.show('error', `Delete of ${name} failed: ${errorText(error)}`);
      },
    ).finally(() => deleting.delete(name));
  });
  return button;
}

/** Adds a delete button to each item of a file list (`li[data-name]`) whose stored record this profile signed. */
export function addDeleteButtons(list: HTMLElement, dht: Deleter & Pick<DhtApi, 'stored' | 'identity'>, messages: Messages): void {
  for (const item of list.querySelectorAll<HTMLElement>('li[data-name]')) {
    const name = item.dataset.name!;
    if (dht.stored(name)?.signed?.record.writer === dht.identity) item.append(deleteButton(name, dht, messages));
  }
}
