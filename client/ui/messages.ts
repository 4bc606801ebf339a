/** The `#messages` list: newest first, a repeat of the newest message counted instead of added. */
export type Level = 'info' | 'warn' | 'error';

export interface Messages {
  show(level: Level, text: string): void;
}

const KEEP = 30;

export function createMessages(list: HTMLElement): Messages {
  return {
    show(level, text) {
      const newest = list.firstElementChild as HTMLElement | null;
      if (newest && newest.dataset.text === text && newest.dataset.level === level) {
        const count = Number(newest.dataset.count) + 1;
        newest.dataset.count = String(count);
        newest.querySelector('.count')!.textContent = `×${count}`;
        return;
      }
      const item = document.createElement('li');
      item.className = `message ${level}`;
      Object.assign(item.dataset, { text, level, count: '1' });
      const time = document.createElement('time');
      time.textContent = new Date().toLocaleTimeString();
      const body = document.createElement('span');
      body.className = 'text';
      body.textContent = text;
      const count = document.createElement('span');
      count.className = 'count';
      item.append(time, body, count);
      list.prepend(item);
      while (list.children.length > KEEP) list.lastElementChild!.remove();
    },
  };
}
