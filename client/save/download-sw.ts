/**
 * The download service worker, served as /download-sw.js with the scope /download/ (sw-download.ts registers it;
 * it never controls the page itself). A page opens a download by message; the worker then answers
 * `GET /download/<id>/<name>` with a response whose body is the chunks the page sends, so the browser writes the
 * file to its downloads as it arrives, with no copy in memory or in the origin private file system. Built by
 * Vite as a plain script (vite.config.ts), so it imports types only.
 */
import type { ToPage, ToWorker } from './sw-protocol';

/** The parts of the service worker global scope used here (the project's lib is DOM, not WebWorker). */
type Extendable<E extends Event> = E & { waitUntil(promise: Promise<unknown>): void };
interface WorkerScope {
  registration: { scope: string };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install', listener: (event: Extendable<Event>) => void): void;
  addEventListener(type: 'message', listener: (event: Extendable<MessageEvent>) => void): void;
  addEventListener(type: 'fetch', listener: (event: Event & { request: Request; respondWith(response: Response): void }) => void): void;
}
const worker = self as unknown as WorkerScope;

/** Longest file name put in the Content-Disposition header. */
const MAX_NAME_CHARS = 1024;
/** Longest download id (the page makes UUIDs, 36 characters). */
const MAX_ID_CHARS = 64;

/** One download: the chunks the page sent that the browser has not read yet (at most the page's MAX_UNACKED_CHUNKS). */
class Download {
  readonly stream: ReadableStream<Uint8Array>;
  /** A GET took the stream (a body is read once: a second GET gets a 404). */
  served = false;
  /** Resolves when the download ends, whichever way: the worker is kept alive until then. */
  readonly ended: Promise<void>;
  private readonly queue: Uint8Array[] = [];
  private closed = false;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private wake: () => void = () => undefined;
  private end!: () => void;

  constructor(
    readonly name: string,
    readonly size: number,
    private readonly port: MessagePort,
    private readonly forget: () => void,
  ) {
    this.ended = new Promise<void>((resolve) => (this.end = resolve));
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => void (this.controller = controller),
        pull: () => this.pull(),
        cancel: () => {
          this.send({ type: 'cancelled' });
          this.finish();
        },
      },
      { highWaterMark: 0 },
    );
  }

  get open(): boolean {
    return !this.closed;
  }

  push(data: Uint8Array): void {
    this.queue.push(data);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  abort(): void {
    this.controller.error(new DOMException('The download was cancelled', 'AbortError'));
    this.finish();
  }

  /** The browser reads one chunk at a time; its ack lets the page send one more. */
  private async pull(): Promise<void> {
    while (this.queue.length === 0 && !this.closed) await new Promise<void>((resolve) => (this.wake = resolve));
    const chunk = this.queue.shift();
    if (chunk) {
      this.controller.enqueue(chunk);
      this.send({ type: 'ack' });
      return;
    }
    this.controller.close();
    this.send({ type: 'done' });
    this.finish();
  }

  private send(message: ToPage): void {
    this.port.postMessage(message);
  }

  private finish(): void {
    this.closed = true;
    this.queue.length = 0;
    this.forget();
    this.end();
  }
}

const downloads = new Map<string, Download>();
/** Messages that were not one of ToWorker's or named no open download, and GETs of no download: dropped, counted. */
let dropped = 0;

function parse(data: unknown): ToWorker | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Record<string, unknown>;
  if (typeof m.id !== 'string' || m.id.length === 0 || m.id.length > MAX_ID_CHARS) return undefined;
  switch (m.type) {
    case 'open':
      if (typeof m.name !== 'string' || m.name.length === 0 || m.name.length > MAX_NAME_CHARS) return undefined;
      if (typeof m.size !== 'number' || !Number.isSafeInteger(m.size) || m.size < 0) return undefined;
      return { type: 'open', id: m.id, name: m.name, size: m.size };
    case 'chunk':
      return m.data instanceof Uint8Array ? { type: 'chunk', id: m.id, data: m.data } : undefined;
    case 'end':
    case 'abort':
      return { type: m.type, id: m.id };
    default:
      return undefined;
  }
}

worker.addEventListener('install', (event) => event.waitUntil(worker.skipWaiting()));

worker.addEventListener('message', (event) => {
  const message = parse(event.data);
  const port = event.ports[0];
  if (message?.type === 'open') {
    if (!port || downloads.has(message.id)) {
      dropped++;
      return;
    }
    const { id } = message;
    const download = new Download(message.name, message.size, port, () => downloads.delete(id));
    downloads.set(id, download);
    event.waitUntil(download.ended);
    port.postMessage({ type: 'ready' } satisfies ToPage);
    return;
  }
  const download = message && downloads.get(message.id);
  if (!message || !download?.open) {
    dropped++;
    return;
  }
  if (message.type === 'chunk') download.push(message.data);
  else if (message.type === 'end') download.close();
  else download.abort();
});

worker.addEventListener('fetch', (event) => {
  const scope = new URL(worker.registration.scope).pathname;
  const path = new URL(event.request.url).pathname;
  if (!path.startsWith(scope)) return;
  const id = path.slice(scope.length).split('/')[0] ?? '';
  const download = downloads.get(id);
  if (!download || download.served) {
    dropped++;
    event.respondWith(new Response(`no download ${id} here (${dropped} messages and requests dropped so far)`, { status: 404 }));
    return;
  }
  download.served = true;
  event.respondWith(
    new Response(download.stream, {
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(download.size),
        'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(download.name)}`,
        'Cache-Control': 'no-store',
      },
    }),
  );
});
