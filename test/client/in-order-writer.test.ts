import { describe, expect, it } from 'vitest';
import { InOrderWriter, type ChunkStream } from '../../client/save/in-order-writer';

/** A sink that records what it was given, whose writes resolve only when `release` is called (a slow disk). */
class SlowSink implements ChunkStream {
  readonly written: number[] = [];
  closed = false;
  aborted = false;
  private pending: Array<() => void> = [];
  held = true;

  write(data: Uint8Array): Promise<void> {
    this.written.push(data[0]!);
    if (!this.held) return Promise.resolve();
    return new Promise((resolve) => this.pending.push(resolve));
  }
  release(): void {
    this.held = false;
    for (const resolve of this.pending.splice(0)) resolve();
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  async abort(): Promise<void> {
    this.aborted = true;
  }
}

const chunk = (i: number) => Uint8Array.of(i);
const flushed = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('InOrderWriter', () => {
  it('appends chunks that come in any order in file order, once each, then closes', async () => {
    const sink = new SlowSink();
    sink.release();
    const writer = new InOrderWriter(sink);
    await Promise.all([3, 1, 0, 1, 4, 2, 0].map((i) => writer.add(i, chunk(i))));
    await writer.finish(5);
    expect(sink.written).toEqual([0, 1, 2, 3, 4]);
    expect(sink.closed).toBe(true);
  });

  it('refuses to close with a chunk missing', async () => {
    const sink = new SlowSink();
    sink.release();
    const writer = new InOrderWriter(sink);
    await writer.add(0, chunk(0));
    await writer.add(2, chunk(2));
    await expect(writer.finish(3)).rejects.toThrow('ended at chunk 1 of 3');
    expect(sink.closed).toBe(false);
  });

  it('holds early chunks up to its limit, then makes the next early one wait until the gap is filled', async () => {
    const sink = new SlowSink();
    sink.release();
    const writer = new InOrderWriter(sink, 2);
    let thirdHeld = false;
    await writer.add(1, chunk(1));
    await writer.add(2, chunk(2));
    const third = writer.add(3, chunk(3)).then(() => (thirdHeld = true));
    await flushed();
    expect(thirdHeld).toBe(false);
    await writer.add(0, chunk(0));
    await third;
    await writer.finish(4);
    expect(sink.written).toEqual([0, 1, 2, 3]);
  });

  it('an in-order chunk waits for the sink (backpressure), and an abort gives up what is held', async () => {
    const sink = new SlowSink();
    const writer = new InOrderWriter(sink);
    let appended = false;
    const first = writer.add(0, chunk(0)).then(() => (appended = true));
    await writer.add(5, chunk(5));
    await flushed();
    expect(appended).toBe(false);
    sink.release();
    await first;
    await writer.abort();
    await writer.add(1, chunk(1));
    expect(sink.aborted).toBe(true);
    expect(sink.written).toEqual([0]);
  });
});
