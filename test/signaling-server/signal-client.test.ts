/**
 * The signaling client a tab and the Node peer use, against the real server: it proves its peer key and is
 * welcomed under the key's id, comes back under it after the server restarts, and when another connection
 * reclaims its id (a duplicated tab) it stays offline rather than take the id back.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignalClient, type WebSocketClass } from '../../client/net/signal-client';
import { SIGNAL_PATH } from '../../shared/constants';
import type { Logger } from '../../shared/ring/types';
import { startSignalServer } from '../../signaling-server/server';
import { eventually, recordingLogger, withServer } from './harness';
import { TEST_PUZZLE_BITS, seededPeerKey } from './peer-keys';

const quiet: Logger = { debug() {}, info() {}, warn() {} };
const NodeWebSocket = WebSocket as unknown as WebSocketClass;

describe('SignalClient', () => {
  it('is welcomed under its key’s id, and the same id after the server restarts on the same port', async () => {
    const key = await seededPeerKey('client-restart');
    let server = await startSignalServer({ port: 0, log: quiet, puzzleBits: TEST_PUZZLE_BITS });
    const port = server.port;
    const client = new SignalClient({ url: `ws://127.0.0.1:${port}${SIGNAL_PATH}`, WebSocket: NodeWebSocket, peerKey: key, log: quiet, random: () => 0 });
    try {
      expect(await client.ready()).toBe(key.id);
      expect(client.id).toBe(key.id);
      await server.close();
      await eventually(() => client.status !== 'online', 'the client to see the server go');
      server = await startSignalServer({ port, log: quiet, puzzleBits: TEST_PUZZLE_BITS });
      await eventually(() => client.status === 'online', 'the client to reconnect', 10_000);
      expect(client.id).toBe(key.id);
      expect(server.peers()).toEqual([key.id]);
    } finally {
      client.close();
      await server.close();
    }
  });

  it('stays offline once another connection proving its key took its id over', () =>
    withServer({}, async ({ server, join }) => {
      const key = await seededPeerKey('client-duplicate');
      const log = recordingLogger();
      const client = new SignalClient({ url: `${server.url.replace(/^http/, 'ws')}${SIGNAL_PATH}`, WebSocket: NodeWebSocket, peerKey: key, log, random: () => 0 });
      try {
        expect(await client.ready()).toBe(key.id);
        const duplicate = await join(key);
        expect(duplicate.welcome.id).toBe(key.id);
        await eventually(() => client.status === 'offline', 'the displaced client to go offline');
        expect(log.lines.some((l) => l.event === 'signal-id-reclaimed')).toBe(true);
        // Well past the first reconnect delay (RECONNECT_MIN_MS): it did not come back to take the id.
        await new Promise((resolve) => setTimeout(resolve, 600));
        expect(client.status).toBe('offline');
        duplicate.client.send({ type: 'peers' });
        expect(await duplicate.client.next('peers')).toEqual({ type: 'peers', peers: [] });
      } finally {
        client.close();
      }
    }));
});
