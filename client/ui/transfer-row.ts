/** One transfer's line: its name, a progress bar, bytes, speed and time left, a cancel button, and how it ended. */
import type { Progress } from '../dht-api';
import { formatDuration, formatProgress, formatRate } from './format';
import { createRateMeter } from './transfer-rate';

export interface TransferRow {
  element: HTMLElement;
  progress(progress: Progress): void;
  finish(text: string): void;
  fail(text: string): void;
  /** Ended by the user's cancel. */
  cancelled(text: string): void;
}

/** `cancel`: what the row's cancel button does; without it the row has none. */
export function createTransferRow(name: string, waiting: string, cancel?: () => void): TransferRow {
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
  let stop: HTMLButtonElement | undefined;
  if (cancel) {
    stop = document.createElement('button');
    stop.type = 'button';
    stop.className = 'cancel';
    stop.textContent = 'Cancel';
    stop.setAttribute('aria-label', `Cancel ${name}`);
    stop.addEventListener('click', () => {
      stop!.disabled = true;
      cancel();
    });
    element.append(stop);
  }
  const meter = createRateMeter(() => performance.now());

  const end = (outcome: 'done' | 'failed' | 'cancelled', text: string): void => {
    element.dataset.state = outcome;
    state.textContent = text;
    stop?.remove();
  };
  return {
    element,
    progress({ done, total }) {
      element.dataset.state = 'running';
      // An empty file reports 0 of 0; a max of 1 still draws it as complete.
      bar.max = Math.max(total, 1);
      bar.value = total === 0 ? 1 : done;
      const { bytesPerSecond, secondsLeft } = meter.sample(done, total);
      const parts = [formatProgress({ done, total })];
      if (bytesPerSecond !== null) parts.push(formatRate(bytesPerSecond));
      if (secondsLeft !== null && done < total) parts.push(`${formatDuration(secondsLeft)} left`);
      state.textContent = parts.join(' · ');
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
    cancelled(text) {
      if (!bar.hasAttribute('value')) bar.value = 0;
      end('cancelled', text);
    },
  };
}
