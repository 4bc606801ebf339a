/**
 * Messages between the page and the download service worker (download-sw.ts). Types only: the worker is built
 * as a script of its own with no imports, so nothing with a value may be shared with the page's code.
 *
 * Page → worker, through `ServiceWorker.postMessage` (each one a message event, which keeps the worker alive in
 * Firefox, where messages on a MessagePort do not): `open` (with a port for the worker's answers), `chunk`,
 * `end`, `abort`. Worker → page, on that port: `ready` once `GET <scope><id>/<name>` would answer, `ack` for each
 * chunk the browser's download has taken, `done` once it has read the whole body, `cancelled` when the user cancels the download in the browser.
 */
export type ToWorker =
  | { type: 'open'; id: string; name: string; size: number }
  | { type: 'chunk'; id: string; data: Uint8Array }
  | { type: 'end'; id: string }
  | { type: 'abort'; id: string };

export type ToPage = { type: 'ready' } | { type: 'ack' } | { type: 'done' } | { type: 'cancelled' };
