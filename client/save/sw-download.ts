/**
 * Streaming a download to the browser's downloads through the service worker (download-sw.ts), where there is no
 * `showSaveFilePicker` (Firefox, Safari): the page sends the file's chunks in order, and the worker hands them to
 * the browser as the body of a download it started in a hidden frame. Nothing of the file stays in the page's
 * memory or in the origin private file system.
 */
import { AbortError } from '../../shared/ring/errors';
import type { ToPage, ToWorker } from './sw-protocol';
import type { ChunkStream } from './in-order-writer';

/** Where Vite puts the worker (vite.config.ts), and the only URLs it answers. */
export const DOWNLOAD_WORKER_URL = '/download-sw.js';
export const DOWNLOAD_SCOPE = '/download/';
/** Chunks sent before the browser has read them, at most: 8 of 240 KiB, under 2 MiB held in the worker. */
export const MAX_UNACKED_CHUNKS = 8;
/**
 * A worker not active by then, a download the browser has not begun reading by then, or one whose last chunks it
 * has not read by then, is given up: far above the under-a-second these take, for a machine under load.
 */
export const WORKER_START_MS = 20_000;

/** Downloads streamed to disk: what a get uses for a file over the in-memory threshold (download-target.ts). */
export interface StreamedSave {
  /** Starts a download of `name`, `size` bytes; rejects where no service worker can take it (the get then keeps the file itself). */
  open(name: string, size: number): Promise<ChunkStream>;
}

/** The page's one registration, made on first use. */
let registered: Promise<ServiceWorker> | undefined;

function activeWorker(): Promise<ServiceWorker> {
  registered ??= (async () => {
    if (!('serviceWorker' in navigator)) throw new Error('this browser has no service workers');
    const registration = await navigator.serviceWorker.register(DOWNLOAD_WORKER_URL, { scope: DOWNLOAD_SCOPE });
    // `navigator.serviceWorker.ready` is for a worker controlling this page, which this one never does.
    const worker = registration.active ?? registration.waiting ?? registration.installing;
    if (!worker) throw new Error('the download worker did not install');
    if (worker.state !== 'activated') {
      await withDeadline(new Promise<void>((resolve, reject) => {
        worker.addEventListener('statechange', () => {
          if (worker.state === 'activated') resolve();
          if (worker.state === 'redundant') reject(new Error('the download worker failed to start'));
        });
      }), 'the download worker did not start');
    }
    return worker;
  })();
  registered.catch(() => (registered = undefined));
  return registered;
}

function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${WORKER_START_MS} ms`)), WORKER_START_MS)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Streams downloads through the service worker; `saved` names the last one it finished, for the page to say so. */
export class WorkerSave implements StreamedSave {
  saved: { name: string; size: number } | undefined;

  async open(name: string, size: number): Promise<ChunkStream> {
    const worker = await activeWorker();
    const id = crypto.randomUUID();
    const channel = new MessageChannel();
    const post = (message: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(message, transfer);
    let unacked = 0;
    let moved = () => undefined as void;
    let cancelled = false;
    let started = false;
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    let read!: () => void;
    const allRead = new Promise<void>((resolve) => (read = resolve));
    channel.port1.onmessage = ({ data }: MessageEvent<ToPage>) => {
      if (data.type === 'ready') ready();
      if (data.type === 'ack') {
        unacked--;
        started = true;
      }
      if (data.type === 'done') read();
      if (data.type === 'cancelled') cancelled = true;
      moved();
    };
    const cancelledError = () => new AbortError(`the download of ${name} was cancelled in the browser`);
    post({ type: 'open', id, name, size }, [channel.port2]);
    await withDeadline(isReady, 'the download worker did not answer');
    const frame = document.createElement('iframe');
    frame.hidden = true;
    frame.src = `${DOWNLOAD_SCOPE}${id}/${encodeURIComponent(name)}`;
    document.body.append(frame);
    const close = (): void => {
      channel.port1.close();
      frame.remove();
    };
    return {
      write: async (data) => {
        if (cancelled) throw cancelledError();
        const own = data.slice(); // a copy of its own to transfer: `data` may be a view into a larger buffer
        post({ type: 'chunk', id, data: own }, [own.buffer]);
        unacked++;
        while (unacked >= MAX_UNACKED_CHUNKS && !cancelled) {
          const acked = new Promise<void>((resolve) => (moved = resolve));
          // Until the browser's first read the download may not have begun: that wait has a deadline.
          await (started ? acked : withDeadline(acked, 'the browser did not begin the download'));
        }
        if (cancelled) throw cancelledError();
      },
      close: async () => {
        post({ type: 'end', id });
        // The frame stays until the browser has read the whole body.
        const cancelledNow = new Promise<void>((resolve) => (moved = () => cancelled && resolve()));
        try {
          await withDeadline(Promise.race([allRead, cancelledNow]), 'the browser did not finish the download');
        } finally {
          close();
        }
        if (cancelled) throw cancelledError();
        this.saved = { name, size };
      },
      abort: async () => {
        post({ type: 'abort', id });
        close();
      },
    };
  }
}
