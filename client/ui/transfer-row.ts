/** One transfer's line: its name, a progress bar and how it ended. */
import type { Progress } from '../dht-api';
import { formatProgress } from './format';

export interface TransferRow {
  element: HTMLElement;
  progress(progress: Progress): void;
  finish(text: string): void;
  fail(text: string): void;
}

export function createTransferRow(name: string, waiting: string): TransferRow {
  const element = document.createElement('div');
  element.className = 'transfer';
  element.dataset.name = name;
  element.dataset.state = 'waiting';
  const label = document.createElement('span');
  label.className = 'name';
  label.textContent = name;
  // No value yet: the bar shows as indeterminate until the first progress report.
  const bar = document.createElement('progress');
  const state = document.createElement('span');
  state.className = 'state';
  state.textContent = waiting;
  element.append(label, bar, state);

  const end = (outcome: 'done' | 'failed', text: string): void => {
    element.dataset.state = outcome;
    state.textContent = text;
  };
  return {
    element,
    progress({ done, total }) {
      element.dataset.state = 'running';
      // An empty file reports 0 of 0; a max of 1 still draws it as complete.
      bar.max = Math.max(total, 1);
      bar.value = total === 0 ? 1 : done;
      state.textContent = formatProgress({ done, total });
    },
    finish(text) {
      bar.max = 1;
      bar.value = 1;
      end('done', text);
    },
    fail(text) {
      // A bar that never got a value would keep animating as if work were still going on.
      if (!bar.hasAttribute('value')) bar.value = 0;
      end('failed', text);
    },
  };
}
