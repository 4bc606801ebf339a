/**
 * Puts a download's chunks back in file order for a sink that only appends (a streamed download, see
 * sw-download.ts). Chunks come in any order: each of the download's 6 workers pulls the next index and retries its
 * own chunk on the next replica, so while one chunk is slow the others run ahead. Those early chunks wait here;
 * past `maxWaiting` of them, adding one more waits until the gap is filled, which holds the workers back rather
 * than the whole file in memory (the slow chunk's own worker is never held, so the gap always fills or fails).
 */

/** An append-only byte sink: the writer of a streamed download. */
export interface ChunkStream {
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** Early chunks held before adding another waits: 32 chunks of 240 KiB, 7.5 MiB. */
export const MAX_WAITING_CHUNKS = 32;

export class InOrderWriter {
  private next = 0;
  private readonly waiting = new Map<number, Uint8Array>();
  private readonly room: Array<() => void> = [];
  private aborted = false;
  /** The appends in flight, one after another. */
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly out: ChunkStream,
    private readonly maxWaiting = MAX_WAITING_CHUNKS,
  ) {}

  /** Resolves once the chunk is appended, or, for an early one, once it is held. */
  async add(index: number, data: Uint8Array): Promise<void> {
    while (!this.aborted && index > this.next && this.waiting.size >= this.maxWaiting) await new Promise<void>((resolve) => this.room.push(resolve));
    // Already appended or held: a retry of a chunk that arrived (same version, same checked bytes).
    if (this.aborted || index < this.next || this.waiting.has(index)) return;
    this.waiting.set(index, data);
    if (index === this.next) await this.flush();
  }

  /** Appends every chunk from `next` on that is here; one flush at a time, so appends never interleave. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      for (let data = this.waiting.get(this.next); data !== undefined; data = this.waiting.get(this.next)) {
        this.waiting.delete(this.next);
        this.next++;
        await this.out.write(data);
        for (const wake of this.room.splice(0)) wake();
      }
    });
    return this.flushing;
  }

  /** Closes the sink once all `chunks` are appended; throws if one is missing, which would be a bug in the download. */
  async finish(chunks: number): Promise<void> {
    await this.flushing;
    if (this.next !== chunks) throw new Error(`streamed download ended at chunk ${this.next} of ${chunks}`);
    await this.out.close();
  }

  async abort(): Promise<void> {
    this.aborted = true;
    this.waiting.clear();
    for (const wake of this.room.splice(0)) wake();
    await this.out.abort();
  }
}
