import SimplePeer from 'simple-peer';
import { describe, expect, it } from 'vitest';
import { NodeRTCPeerConnection, NodeRTCSessionDescription, nodeWrtc } from '../../node-peer/webrtc';

/** Connects two simple-peers in this process through werift; resolves with what `b` received. */
function exchange(message: Uint8Array, timeoutMs: number): Promise<{ data: Uint8Array; maxMessageSize: number | undefined }> {
  const options = { trickle: true, config: { iceServers: [] }, wrtc: nodeWrtc as unknown as SimplePeer.Options['wrtc'] };
  const a = new SimplePeer({ ...options, initiator: true });
  const b = new SimplePeer({ ...options, initiator: false });
  a.on('signal', (data) => b.signal(data));
  b.on('signal', (data) => a.signal(data));
  return new Promise<{ data: Uint8Array; maxMessageSize: number | undefined }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no data within ${timeoutMs} ms`)), timeoutMs);
    a.on('error', reject);
    b.on('error', reject);
    a.on('connect', () => a.send(message));
    b.on('data', (data: Uint8Array) => {
      clearTimeout(timer);
      const pc = (a as unknown as { _pc: NodeRTCPeerConnection })._pc;
      resolve({ data: new Uint8Array(data), maxMessageSize: pc.sctp?.maxMessageSize });
    });
  }).finally(() => {
    a.destroy();
    b.destroy();
  });
}

describe('werift as simple-peer sees it', () => {
  it('has the browser shapes simple-peer relies on', async () => {
    const pc = new NodeRTCPeerConnection();
    try {
      expect(pc.getConfiguration().iceServers).toEqual([]);
      // simple-peer uses the callback form of getStats when it declares parameters.
      expect(pc.getStats.length).toBe(0);
      pc.createDataChannel('probe');
      const offer = await pc.createOffer();
      expect(() => ((offer as { sdp: string }).sdp = offer.sdp.trimEnd())).not.toThrow();
      expect(offer.type).toBe('offer');
      expect(new NodeRTCSessionDescription({ type: 'answer', sdp: 'v=0' })).toEqual({ type: 'answer', sdp: 'v=0' });
    } finally {
      await pc.close();
    }
  });

  it('carries binary data between two simple-peers, with the 64 KiB message limit werift advertises', async () => {
    const message = new Uint8Array(60 * 1024).map((_, i) => i % 251);
    // werift's DTLS client fails the handshake when a busy server answers its first hello late (it receives
    // two HelloVerifyRequests and throws on the second); the ring reconnects, so a retry is what production does.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const received = await exchange(message, 10_000);
        expect(received.data).toEqual(message);
        expect(received.maxMessageSize).toBe(64 * 1024);
        return;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  });
});
