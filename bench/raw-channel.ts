/**
 * The ceiling a tab-to-tab transfer is compared with: one plain RTCPeerConnection between two tabs, no product
 * code, signalled by the bench (offer and answer with every candidate gathered, passed through page.evaluate),
 * bytes pushed as fast as the channel takes them with bufferedAmount backpressure.
 */
import type { Page } from 'playwright-core';

/** Above this many queued bytes the sender waits for `bufferedamountlow`; Chromium closes a channel whose queue passes 16 MiB. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
const LOW_WATER_BYTES = 1024 * 1024;
const CONNECT_TIMEOUT_MS = 15_000;

declare global {
  interface Window {
    benchRaw?: {
      pc: RTCPeerConnection;
      channel?: RTCDataChannel;
      /** Set by `arm` on the receiving tab: resolves with the times of the first and last byte. */
      receiving?: Promise<{ firstAt: number; lastAt: number }>;
    };
  }
}

/** Connects `sender` to `receiver`; the channel is open on both sides when this resolves. */
export async function connectRaw(sender: Page, receiver: Page): Promise<void> {
  const offer = await sender.evaluate(async () => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const channel = pc.createDataChannel('bench', { ordered: true });
    channel.binaryType = 'arraybuffer';
    window.benchRaw = { pc, channel };
    const gathered = new Promise<void>((resolve) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()));
    await pc.setLocalDescription(await pc.createOffer());
    await gathered;
    return pc.localDescription!.toJSON() as RTCSessionDescriptionInit;
  });
  const answer = await receiver.evaluate(async (offer) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    window.benchRaw = { pc };
    pc.addEventListener('datachannel', (event) => {
      event.channel.binaryType = 'arraybuffer';
      window.benchRaw!.channel = event.channel;
    });
    const gathered = new Promise<void>((resolve) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()));
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered;
    return pc.localDescription!.toJSON() as RTCSessionDescriptionInit;
  }, offer);
  await sender.evaluate(async (answer) => window.benchRaw!.pc.setRemoteDescription(answer), answer);
  const open = (page: Page) =>
    page.waitForFunction(() => window.benchRaw?.channel?.readyState === 'open', undefined, { timeout: CONNECT_TIMEOUT_MS, polling: 50 });
  await Promise.all([open(sender), open(receiver)]);
}

/** Sends `bytes` in messages of `chunkBytes` from sender to receiver; returns the ms from the first send to the last byte received. */
export async function rawTransfer(sender: Page, receiver: Page, bytes: number, chunkBytes: number): Promise<number> {
  await receiver.evaluate((bytes) => {
    const raw = window.benchRaw!;
    raw.receiving = new Promise((resolve, reject) => {
      let got = 0;
      let firstAt = 0;
      const channel = raw.channel!;
      channel.onclose = () => reject(new Error(`channel closed after ${got} of ${bytes} bytes`));
      channel.onmessage = (event: MessageEvent<ArrayBuffer>) => {
        const now = performance.timeOrigin + performance.now();
        if (got === 0) firstAt = now;
        got += event.data.byteLength;
        if (got >= bytes) {
          channel.onmessage = null;
          channel.onclose = null;
          resolve({ firstAt, lastAt: now });
        }
      };
    });
  }, bytes);
  const [startedAt, { lastAt }] = await Promise.all([
    sender.evaluate(
      async ({ bytes, chunkBytes, high, low }) => {
        const channel = window.benchRaw!.channel!;
        const chunk = new Uint8Array(chunkBytes);
        for (let i = 0; i < chunkBytes; i += 65536) crypto.getRandomValues(chunk.subarray(i, Math.min(chunkBytes, i + 65536)));
        channel.bufferedAmountLowThreshold = low;
        const startedAt = performance.timeOrigin + performance.now();
        for (let sent = 0; sent < bytes; ) {
          if (channel.bufferedAmount > high) await new Promise((resolve) => channel.addEventListener('bufferedamountlow', resolve, { once: true }));
          const n = Math.min(chunkBytes, bytes - sent);
          channel.send(n === chunkBytes ? chunk : chunk.subarray(0, n));
          sent += n;
        }
        return startedAt;
      },
      { bytes, chunkBytes, high: HIGH_WATER_BYTES, low: LOW_WATER_BYTES },
    ),
    receiver.evaluate(() => window.benchRaw!.receiving!),
  ]);
  return lastAt - startedAt;
}
