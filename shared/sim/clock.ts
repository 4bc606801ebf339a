/**
 * Virtual time: a queue of timers ordered by (time, insertion), fired by an explicit driver.
 *
 * All timers due at one instant fire in insertion order, then the driver yields one macrotask
 * (`setImmediate`) so every promise continuation they started settles before time moves on.
 * Yielding once per instant rather than once per timer is what makes a million events take
 * seconds: a macrotask turn costs about 4 µs here, a timer callback well under one. For the same reason
 * due times are rounded up to the clock's resolution (1 ms, like a browser's timers): jittered periods
 * would otherwise give every timer an instant of its own.
 */
import type { Clock, TimerHandle } from '../ring/types';

interface Timer {
  time: number;
  seq: number;
  /** Null once cleared or fired; the heap drops such entries lazily. */
  fn: (() => void) | null;
}

/** Timers fired at a single instant before the driver assumes a zero-delay loop. */
const MAX_TIMERS_PER_INSTANT = 1_000_000;

export class SimClockError extends Error {
  constructor(
    message: string,
    readonly code: 'sim-timeout' | 'timer-loop',
  ) {
    super(message);
    this.name = 'SimClockError';
  }
}

export interface SimClockOptions {
  /** Due times are rounded up to a multiple of this (ms); 0 keeps them exact. */
  resolutionMs?: number;
}

export class SimClock implements Clock {
  private readonly heap: Timer[] = [];
  private readonly resolution: number;
  private seq = 0;
  private current = 0;
  private live = 0;
  private firedThisInstant = 0;
  private driving = false;
  /** Timer callbacks run so far. */
  fired = 0;

  constructor(opts: SimClockOptions = {}) {
    const resolution = opts.resolutionMs ?? 1;
    if (!(resolution >= 0) || !Number.isFinite(resolution)) throw new RangeError(`resolutionMs must be a finite number >= 0, got ${resolution}`);
    this.resolution = resolution;
  }

  now(): number {
    return this.current;
  }

  /** Timers scheduled and not yet fired or cleared. */
  get pending(): number {
    return this.live;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (ms === Infinity || ms === -Infinity) throw new RangeError('setTimeout needs a finite delay');
    const due = this.current + (ms > 0 ? ms : 0);
    const time = this.resolution > 0 ? Math.ceil(due / this.resolution) * this.resolution : due;
    const timer: Timer = { time, seq: this.seq++, fn };
    this.push(timer);
    this.live++;
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as Timer | null | undefined;
    if (timer && typeof timer === 'object' && timer.fn) {
      timer.fn = null;
      this.live--;
      // Most timers are request timeouts cleared long before they are due; drop them once they dominate.
      if (this.heap.length > 4096 && this.live < this.heap.length / 4) this.compact();
    }
  }

  /** Lets every pending promise continuation run, without moving time. */
  settle(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /**
   * Fires timers in order until `done()` holds (checked after each instant settles) or `maxMs` of
   * virtual time pass. Returns whether `done()` held. Time stops at the instant `done()` became true,
   * or at the limit.
   */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    if (!(maxMs >= 0) || !Number.isFinite(maxMs)) throw new RangeError(`maxMs must be a finite number >= 0, got ${maxMs}`);
    if (this.driving) throw new Error('the clock already has a driver: await one run before starting another');
    this.driving = true;
    try {
      return await this.drain(done, this.current + maxMs);
    } finally {
      this.driving = false;
    }
  }

  private async drain(done: () => boolean, deadline: number): Promise<boolean> {
    await this.settle();
    if (done()) return true;
    for (;;) {
      const next = this.peek();
      if (!next || next.time > deadline) {
        this.current = deadline;
        return done();
      }
      if (next.time !== this.current) {
        this.current = next.time;
        this.firedThisInstant = 0;
      }
      this.fireInstant();
      await this.settle();
      if (done()) return true;
    }
  }

  /** Advances exactly `ms` of virtual time, firing everything due. */
  async runFor(ms: number): Promise<void> {
    await this.runUntil(() => false, ms);
  }

  /** Drives time until `promise` settles and returns its outcome; fails after `maxMs` of virtual time. */
  async drive<T>(promise: Promise<T>, maxMs: number): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    promise.then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    await this.runUntil(() => outcome !== undefined, maxMs);
    if (!outcome) throw new SimClockError(`not settled within ${maxMs} ms of virtual time`, 'sim-timeout');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Fires every timer due at the current instant, including ones those timers add with zero delay. */
  private fireInstant(): void {
    for (let next = this.peek(); next && next.time === this.current; next = this.peek()) {
      this.pop();
      const fn = next.fn as () => void;
      next.fn = null;
      this.live--;
      this.fired++;
      if (++this.firedThisInstant > MAX_TIMERS_PER_INSTANT) {
        throw new SimClockError(`more than ${MAX_TIMERS_PER_INSTANT} timers at t=${this.current}: a zero-delay loop`, 'timer-loop');
      }
      fn();
    }
  }

  /** The earliest live timer, discarding cleared ones on the way. */
  private peek(): Timer | undefined {
    let top = this.heap[0];
    while (top && top.fn === null) {
      this.pop();
      top = this.heap[0];
    }
    return top;
  }

  /** Rebuilds the heap from its live timers (Floyd's heapify, linear). */
  private compact(): void {
    const heap = this.heap;
    let kept = 0;
    for (const timer of heap) if (timer.fn !== null) heap[kept++] = timer;
    heap.length = kept;
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(i, heap[i] as Timer);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Timer;
      if (!earlier(timer, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): void {
    const last = this.heap.pop() as Timer;
    if (this.heap.length > 0) this.siftDown(0, last);
  }

  /** Places `timer` at `i` or below, moving earlier children up. */
  private siftDown(start: number, timer: Timer): void {
    const heap = this.heap;
    const size = heap.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (right < size && earlier(heap[right] as Timer, heap[left] as Timer)) child = right;
      const c = heap[child] as Timer;
      if (!earlier(c, timer)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = timer;
  }
}

function earlier(a: Timer, b: Timer): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
