import { connect, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_SIGNAL_FRAME_BYTES } from '../../shared/constants';
import {
  CLOSE_FRAME_TOO_LARGE,
  CLOSE_GOING_AWAY,
  CLOSE_RATE_LIMITED,
  CLOSE_ID_RECLAIMED,
  CLOSE_TOO_MANY_CONNECTIONS,
  encodeHello,
  type SignalData,
} from '../../shared/wire/signal';
import { fromBase64url } from '../../shared/trust/bytes';
import { peerIdOf, signHello, type PeerKey } from '../../shared/trust/peer-id';
import { eventually, healthz, withServer, type TestClient } from './harness';
import { freshPeerKey } from './peer-keys';

const OFFER: SignalData = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n' };
const CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
};

async function expectRelay(from: TestClient, fromId: string, to: TestClient, toId: string, data: SignalData): Promise<void> {
  from.send({ type: 'signal', to: toId, data });
  expect(await to.next('signal')).toEqual({ type: 'signal', from: fromId, data });
}

/** Writes bytes on a plain TCP socket and collects what comes back until the server closes it. */
function rawExchange(port: number, ...parts: Array<string | Buffer>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.concat(parts.map((p) => Buffer.from(p)))));
    const chunks: Buffer[] = [];
    socket.setTimeout(2000, () => socket.destroy(new Error('no close from the server within 2 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

/** Connects, reads the handshake and the challenge, registers with a hello proving `key`, then never reads again. */
function stalledPeer(socket: Socket, port: number, key: PeerKey): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const head = received.indexOf('\r\n\r\n');
      // The server's challenge is one short unmasked text frame: 0x81, its length (< 126), the JSON.
      const length = head < 0 ? 0 : (received[head + 5] ?? 0);
      if (head < 0 || received.length < head + 6 + length) return;
      socket.off('data', onData);
      socket.pause();
      const challenge = JSON.parse(received.subarray(head + 6, head + 6 + length).toString()) as { challenge: string };
      signHello(key, fromBase64url(challenge.challenge)!).then((signature) => {
        const hello = Buffer.from(encodeHello({ publicKey: key.publicKey, nonce: key.nonce, signature }));
        // Client frames must be masked; an all-zero mask leaves the payload as is. 126: a 16-bit length follows.
        const frame = Buffer.concat([Buffer.from([0x81, 0x80 | 126, hello.length >> 8, hello.length & 0xff, 0, 0, 0, 0]), hello]);
        socket.write(frame, () => resolve());
      }, reject);
    };
    socket.on('data', onData);
    socket.connect(port, '127.0.0.1', () => {
      socket.write(
        'GET /signal HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
  });
}

describe('hello and welcome', () => {
  it('gives the first peer the url-safe id its key derives and no peers, and later peers the earlier ones', () =>
    withServer({}, async ({ server, join, log }) => {
      const key = await freshPeerKey();
      const a = await join(key);
      expect(a.welcome.id).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
      expect(a.welcome.id).toBe(peerIdOf(key.publicKey, key.nonce));
      expect(a.welcome.peers).toEqual([]);
      const b = await join();
      expect(b.welcome.id).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
      expect(b.welcome.id).not.toBe(a.welcome.id);
      expect(b.welcome.peers).toEqual([a.welcome.id]);
      expect(server.peers().sort()).toEqual([a.welcome.id, b.welcome.id].sort());
      const joins = log.lines.filter((l) => l.event === 'peer-join' && l.level === 'info').map((l) => l.fields.id);
      expect(joins).toEqual([a.welcome.id, b.welcome.id]);
      expect(await healthz(server.url)).toMatchObject({ ok: true, peers: 2, connections: 2 });
    }));

  it('hands out at most BOOTSTRAP_PEERS distinct other peers, chosen at random', () =>
    withServer({}, async ({ join }) => {
      const others: string[] = [];
      for (let i = 0; i < 6; i++) others.push((await join()).welcome.id);
      const { client, welcome } = await join();
      expect(welcome.peers).toHaveLength(4);
      expect(new Set(welcome.peers).size).toBe(4);
      for (const id of welcome.peers) expect(others).toContain(id);
      // Each request misses a given peer with probability 1/3, so 30 requests all missing one is ~1e-14.
      const seen = new Set(welcome.peers);
      for (let i = 0; i < 30; i++) {
        client.send({ type: 'peers' });
        const { peers } = await client.next('peers');
        expect(peers).toHaveLength(4);
        expect(peers).not.toContain(welcome.id);
        for (const id of peers) seen.add(id);
      }
      expect([...seen].sort()).toEqual([...others].sort());
    }));

  it('gives a reconnecting tab its old id once the old socket is gone', () =>
    withServer({}, async ({ server, join }) => {
      const key = await freshPeerKey();
      const first = await join(key);
      const id = first.welcome.id;
      first.client.close();
      await eventually(() => !server.peers().includes(id), 'the old socket to be dropped');
      const again = await join(key);
      expect(again.welcome.id).toBe(id);
    }));

  it('gives a live id to a second socket proving its key, closing the old one with CLOSE_ID_RECLAIMED, and never to another key', () =>
    withServer({}, async ({ server, join, log }) => {
      const key = await freshPeerKey();
      const holder = await join(key);
      const other = await join();
      expect(other.welcome.id).not.toBe(holder.welcome.id);
      const again = await join(key);
      expect(again.welcome.id).toBe(holder.welcome.id);
      expect((await holder.client.closed()).code).toBe(CLOSE_ID_RECLAIMED);
      // The old socket's close neither removed nor announced the id: it is live, under the new socket.
      expect(server.peers().sort()).toEqual([holder.welcome.id, other.welcome.id].sort());
      await expectRelay(again.client, again.welcome.id, other.client, other.welcome.id, OFFER);
      await expectRelay(other.client, other.welcome.id, again.client, again.welcome.id, OFFER);
      expect(log.lines.filter((l) => l.event === 'peer-leave')).toEqual([]);
      expect(log.lines.filter((l) => l.event === 'peer-join').at(-1)?.fields).toMatchObject({ id: holder.welcome.id, reclaimed: true });
    }));
});

describe('relay', () => {
  it('forwards signal data to the named peer with the sender as from', () =>
    withServer({}, async ({ join }) => {
      const a = await join();
      const b = await join();
      await expectRelay(a.client, a.welcome.id, b.client, b.welcome.id, OFFER);
      await expectRelay(b.client, b.welcome.id, a.client, a.welcome.id, { type: 'answer', sdp: 'v=0\r\n' });
      await expectRelay(a.client, a.welcome.id, b.client, b.welcome.id, CANDIDATE);
      // A from equal to the sender's own id is accepted.
      a.client.send({ type: 'signal', from: a.welcome.id, to: b.welcome.id, data: { type: 'renegotiate', renegotiate: true } });
      expect(await b.client.next('signal')).toEqual({ type: 'signal', from: a.welcome.id, data: { type: 'renegotiate', renegotiate: true } });
    }));

  it('answers each bad message with its documented error and keeps the connection usable', () =>
    withServer({}, async ({ server, open, join }) => {
      const target = await join();
      const c = await open();
      const key = await freshPeerKey();
      const cases: Array<{ send: () => void; code: string; message?: RegExp; ref?: string }> = [
        { send: () => c.send({ type: 'signal', to: target.welcome.id, data: OFFER }), code: 'not-registered' },
        { send: () => c.send({ type: 'peers' }), code: 'not-registered' },
      ];
      for (const { send, code } of cases) {
        send();
        expect(await c.next('error')).toMatchObject({ code });
      }
      await c.hello(key);
      const { id } = await c.next('welcome');
      const afterHello: typeof cases = [
        { send: () => c.sendRaw('{"type":"signal",'), code: 'bad-json' },
        { send: () => c.sendRaw('[1,2]'), code: 'bad-message', message: /object/ },
        { send: () => c.send({ to: target.welcome.id }), code: 'bad-message', message: /type/ },
        { send: () => c.send({ type: 'gossip' }), code: 'unknown-type', message: /gossip/ },
        { send: () => c.send({ type: 'signal', data: OFFER }), code: 'bad-message', message: /\bto\b/ },
        { send: () => c.send({ type: 'signal', to: target.welcome.id }), code: 'bad-message', message: /data/ },
        { send: () => c.send({ type: 'signal', to: target.welcome.id, data: { type: 'offer' } }), code: 'bad-message', message: /data\.sdp/ },
        { send: () => c.send({ type: 'signal', to: 'nobody-here', data: OFFER }), code: 'unknown-target', ref: 'nobody-here' },
        { send: () => c.send({ type: 'signal', from: target.welcome.id, to: target.welcome.id, data: OFFER }), code: 'spoofed-from', ref: target.welcome.id },
        { send: () => c.sendRaw(Buffer.from('{"type":"peers"}')), code: 'bad-message', message: /binary/ },
        { send: () => void c.hello(key), code: 'bad-message', message: /already registered/ },
      ];
      for (const { send, code, message, ref } of afterHello) {
        send();
        const error = await c.next('error');
        expect(error.code, JSON.stringify(error)).toBe(code);
        if (message) expect(error.message).toMatch(message);
        if (ref !== undefined) expect(error.ref).toBe(ref);
      }
      expect(c.isOpen).toBe(true);
      // Nothing above reached the target: its next message is this good relay.
      await expectRelay(c, id, target.client, target.welcome.id, CANDIDATE);
      const { errors } = await healthz(server.url);
      expect(errors).toEqual({
        'not-registered': 2,
        'bad-json': 1,
        'bad-message': 7,
        'unknown-type': 1,
        'unknown-target': 1,
        'spoofed-from': 1,
      });
    }));
});

describe('limits', () => {
  it('closes a connection that sends an oversized frame with 1009 and keeps serving the others', () =>
    withServer({}, async ({ join }) => {
      const a = await join();
      const b = await join();
      const big = await join();
      big.client.sendRaw(JSON.stringify({ type: 'signal', to: a.welcome.id, data: { type: 'offer', sdp: 'x'.repeat(MAX_SIGNAL_FRAME_BYTES) } }));
      expect((await big.client.closed()).code).toBe(CLOSE_FRAME_TOO_LARGE);
      expect(await a.client.next('peer-left')).toEqual({ type: 'peer-left', id: big.welcome.id });
      expect(await b.client.next('peer-left')).toEqual({ type: 'peer-left', id: big.welcome.id });
      await expectRelay(a.client, a.welcome.id, b.client, b.welcome.id, OFFER);
    }));

  it('accepts a frame just under the limit', () =>
    withServer({ maxFrameBytes: 2048 }, async ({ join }) => {
      const a = await join();
      const b = await join();
      const envelope = JSON.stringify({ type: 'signal', to: b.welcome.id, data: { type: 'offer', sdp: '' } });
      const sdp = 'y'.repeat(2048 - envelope.length);
      a.client.send({ type: 'signal', to: b.welcome.id, data: { type: 'offer', sdp } });
      expect((await b.client.next('signal')).data).toEqual({ type: 'offer', sdp });
      a.client.send({ type: 'signal', to: b.welcome.id, data: { type: 'offer', sdp: `${sdp}y` } });
      expect((await a.client.closed()).code).toBe(CLOSE_FRAME_TOO_LARGE);
    }));

  it('refuses messages over the rate with rate-limited, then closes with 1008 past twice the rate', () =>
    withServer({ ratePerSecond: 5 }, async ({ join, log }) => {
      const { client } = await join();
      // The hello already counted as one message in this second.
      for (let i = 0; i < 9; i++) client.send({ type: 'peers' });
      for (let i = 0; i < 4; i++) expect(await client.next('peers')).toEqual({ type: 'peers', peers: [] });
      for (let i = 0; i < 5; i++) expect(await client.next('error')).toMatchObject({ code: 'rate-limited' });
      expect(client.isOpen).toBe(true);
      client.send({ type: 'peers' });
      expect((await client.closed()).code).toBe(CLOSE_RATE_LIMITED);
      expect(log.lines.some((l) => l.event === 'rate-limit-close')).toBe(true);
    }));

  it('closes connections beyond the per-address limit with 1013 and frees the slot when one leaves', () =>
    withServer({ maxConnectionsPerIp: 2 }, async ({ server, open, join, log }) => {
      const a = await join();
      const b = await join();
      const third = await open();
      expect((await third.closed()).code).toBe(CLOSE_TOO_MANY_CONNECTIONS);
      expect(log.lines.some((l) => l.event === 'connection-refused')).toBe(true);
      a.client.close();
      await eventually(() => server.peers().length === 1, 'the server to see the close');
      const fourth = await join();
      expect(fourth.welcome.peers).toEqual([b.welcome.id]);
    }));

  it('survives a refused connection whose first frame is already a protocol violation', () =>
    withServer({ maxConnectionsPerIp: 1 }, async ({ server, join }) => {
      const a = await join();
      // Handshake and an unmasked frame in one write, so the frame is parsed after the server has decided to refuse.
      const reply = await rawExchange(
        server.port,
        'GET /signal HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        Buffer.from([0x81, 0x02, 0x68, 0x69]),
      );
      expect(reply).toMatch(/^HTTP\/1\.1 101/);
      a.client.send({ type: 'peers' });
      expect(await a.client.next('peers')).toEqual({ type: 'peers', peers: [] });
      expect(server.peers()).toEqual([a.welcome.id]);
    }));
});

describe('slow consumers', () => {
  it('cuts off a peer that stops reading instead of buffering for it without bound', async () => {
    const stalled = new Socket();
    try {
      await withServer({ ratePerSecond: 100_000, maxBufferedBytes: 256 * 1024 }, async ({ server, join, log }) => {
        const sender = await join();
        await stalledPeer(stalled, server.port, await freshPeerKey());
        await eventually(() => server.peers().length === 2, 'the stalled peer to register');
        const stalledId = server.peers().find((id) => id !== sender.welcome.id) as string;
        const data: SignalData = { type: 'offer', sdp: 'x'.repeat(30_000) };
        // Kernel buffers absorb a few MiB first; 100 batches of 10 frames is about 30 MB, far more than enough.
        for (let batch = 0; batch < 100 && !log.lines.some((l) => l.event === 'slow-consumer'); batch++) {
          for (let i = 0; i < 10; i++) sender.client.send({ type: 'signal', to: stalledId, data });
          sender.client.send({ type: 'peers' });
          // Once the stalled peer is cut off, the rest of the batch may bounce and its departure be announced.
          let reply = await sender.client.next();
          for (let i = 0; i <= 10 && (reply.type === 'peer-left' || (reply.type === 'error' && reply.code === 'unknown-target')); i++) {
            reply = await sender.client.next();
          }
          expect(reply.type).toBe('peers');
        }
        expect(log.lines.find((l) => l.event === 'slow-consumer')?.fields.id).toBe(stalledId);
        await eventually(() => !server.peers().includes(stalledId), 'the stalled peer to be dropped');
        expect(log.lines.find((l) => l.event === 'peer-leave')?.fields).toMatchObject({ id: stalledId, reason: 'slow-consumer' });
      });
    } finally {
      stalled.destroy();
    }
  });
});

describe('departures', () => {
  it('tells every other peer when a socket closes', () =>
    withServer({}, async ({ server, join, log }) => {
      const a = await join();
      const b = await join();
      const c = await join();
      b.client.close();
      expect(await a.client.next('peer-left')).toEqual({ type: 'peer-left', id: b.welcome.id });
      expect(await c.client.next('peer-left')).toEqual({ type: 'peer-left', id: b.welcome.id });
      expect(server.peers()).not.toContain(b.welcome.id);
      expect(log.lines.find((l) => l.event === 'peer-leave')?.fields.id).toBe(b.welcome.id);
      a.client.send({ type: 'signal', to: b.welcome.id, data: OFFER });
      expect(await a.client.next('error')).toMatchObject({ code: 'unknown-target', ref: b.welcome.id });
    }));

  it('drops a socket that stops answering pings and announces it', () =>
    withServer({ heartbeatMs: 50 }, async ({ server, open, join, log }) => {
      const live = await join();
      const dead = await open({ autoPong: false });
      await dead.hello(await freshPeerKey());
      const { id } = await dead.next('welcome');
      expect(await live.client.next('peer-left', 3000)).toEqual({ type: 'peer-left', id });
      expect(server.peers()).toEqual([live.welcome.id]);
      expect(log.lines.find((l) => l.event === 'peer-leave')?.fields).toMatchObject({ id, reason: 'heartbeat' });
      // The responsive socket outlived several heartbeats.
      live.client.send({ type: 'peers' });
      expect(await live.client.next('peers')).toEqual({ type: 'peers', peers: [] });
    }));

  it('closes every client with 1001 when the server stops', async () => {
    let closedCode: number | undefined;
    await withServer({}, async ({ server, join }) => {
      const { client } = await join();
      await server.close();
      closedCode = (await client.closed()).code;
    });
    expect(closedCode).toBe(CLOSE_GOING_AWAY);
  });

  it('accepts WebSocket upgrades only on the signal path', () =>
    withServer({}, async ({ open }) => {
      await expect(open({ path: '/elsewhere' })).rejects.toThrow(/404/);
    }));
});
