/**
 * A link's frames waiting for room in its data channel's buffer: small ones first, each kind in arrival order,
 * bounded in bytes. Every request and reply is one frame, so reordering them is safe, and arrival order within
 * each size class keeps it fair across requests.
 */
import { MAX_FRAME_BYTES } from '../../shared/constants';

/** Stop handing frames to the channel above this many buffered bytes; Chromium closes a channel whose buffer overflows. */
export const SEND_HIGH_WATER_BYTES = 1024 * 1024;
/**
 * Bytes waiting in our send queue. The queue only grows while the peer reads slower than we answer; past this
 * it is not reading at all, and the link is cut rather than buffering for it without bound.
 */
export const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
/**
 * Frames up to this size go out before bigger ones waiting in our queue. The channel is ordered, so without
 * this a ping, a lookup or a metadata answer would wait behind megabytes of chunk replies to the same peer,
 * past its one-second timeout, and the peer would be taken for dead while it is only busy.
 */
export const URGENT_FRAME_BYTES = 16 * 1024;

export interface Outgoing {
  /** The message, or the frame's prefix and header when `data` follows. */
  bytes: Uint8Array;
  /** A frame's payload, joined to `bytes` only as the message leaves. */
  data?: Uint8Array;
  /** Bytes of the whole message. */
  size: number;
  /** Set for a request, so an abandoned request that has not left yet is never sent. */
  requestId?: number;
  /** Set for the answer to a peer's request: that request stops counting once its answer has left. */
  answer?: true;
  /** One of a frame's parts: they all go in the bulk queue, so nothing of another frame's comes between them. */
  part?: true;
}

export class SendQueue {
  private readonly urgent: Outgoing[] = [];
  private readonly bulk: Outgoing[] = [];
  private queued = 0;

  /** Bytes waiting. */
  get bytes(): number {
    return this.queued;
  }

  /** Queues `item`; false, queuing nothing, when that would pass MAX_QUEUED_BYTES. */
  push(item: Outgoing): boolean {
    if (this.queued + item.size > MAX_QUEUED_BYTES) return false;
    (item.size <= URGENT_FRAME_BYTES && !item.part ? this.urgent : this.bulk).push(item);
    this.queued += item.size;
    return true;
  }

  /** Takes out a request that has not left yet. */
  remove(requestId: number): void {
    for (const queue of [this.urgent, this.bulk]) {
      const index = queue.findIndex((item) => item.requestId === requestId);
      if (index >= 0) this.queued -= queue.splice(index, 1)[0]!.size;
    }
  }

  /** The next frame for a channel with `buffered` bytes in its buffer, taken off the queue; undefined when none fits or none waits. */
  take(buffered: number): Outgoing | undefined {
    const queue = this.urgent.length > 0 ? this.urgent : this.bulk;
    const next = queue[0];
    if (next === undefined) return undefined;
    if (buffered > 0 && buffered + next.size > SEND_HIGH_WATER_BYTES) return undefined;
    queue.shift();
    this.queued -= next.size;
    return next;
  }

  clear(): void {
    this.urgent.length = 0;
    this.bulk.length = 0;
    this.queued = 0;
  }
}

/** A frame to queue: its head, and its payload when it has one. */
export function withData(head: Uint8Array, data: Uint8Array | undefined, rest: Pick<Outgoing, 'requestId' | 'answer'>): Outgoing {
  return data?.length ? { bytes: head, data, size: head.length + data.length, ...rest } : { bytes: head, size: head.length, ...rest };
}

/**
 * One buffer that every outgoing frame with a payload is put together in. A browser's data channel copies
 * what it is given before send returns, so the buffer is free again at once; a new buffer per chunk cost
 * more than the copy (fresh memory is slow to touch: about 4 ms per MiB in a tab here).
 */
let assembly: Uint8Array | undefined;

/** The bytes to hand to the channel for `item`. */
export function message(item: Outgoing, channel: RTCDataChannel): Uint8Array {
  if (!item.data) return item.bytes;
  // A Node peer's data channel (werift) keeps a reference to what it sends: that needs bytes of its own.
  const copiesOnSend = typeof RTCDataChannel === 'function' && channel instanceof RTCDataChannel;
  const target = copiesOnSend ? (assembly ??= new Uint8Array(MAX_FRAME_BYTES)).subarray(0, item.size) : new Uint8Array(item.size);
  target.set(item.bytes);
  target.set(item.data, item.bytes.length);
  return target;
}
