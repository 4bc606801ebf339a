/**
 * The signaling server against generated hostile clients: 10,000 bad messages (bad JSON, wrong types,
 * unknown types, spoofed senders, unknown targets, oversized fields, binary frames, second hellos), each
 * answered with exactly the error the protocol documents, counted in /healthz, while relaying stays correct.
 * Also the limits that end a connection, counted in /healthz, and the hello deadline.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../shared/sim/rng';
import { CLOSE_FRAME_TOO_LARGE, CLOSE_RATE_LIMITED, CLOSE_TOO_MANY_CONNECTIONS, parseClientMessage, type SignalData } from '../../shared/wire/signal';
import { CLOSE_NO_HELLO } from '../../signaling-server/server';
import { expectedSignalOutcome, hostileSignal, type SignalOutcome } from '../shared/fuzz-inputs';
import { eventually, healthz, withServer, type TestClient } from './harness';

const MESSAGES = 10_000;
const FUZZERS = 4;
const RENEGOTIATE: SignalData = { type: 'renegotiate', renegotiate: true };

/** Reads the replies a fuzzer's frames must produce, in order, and checks each. */
async function expectReplies(client: TestClient, expected: SignalOutcome[]): Promise<void> {
  for (const [i, want] of expected.entries()) {
    if ('relayTo' in want) continue;
    const got = await client.next(undefined, 10_000);
    if (want.type === 'error') expect(got, `reply ${i}`).toMatchObject({ type: 'error', code: want.code });
    else expect(got.type, `reply ${i}`).toBe(want.type);
  }
}

function tally(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

describe('signaling server under hostile clients', () => {
  it('answers 10,000 generated bad messages with their documented errors, counts them, and keeps relaying', () =>
    withServer({ ratePerSecond: 1_000_000 }, async ({ server, join, open }) => {
      const rng = new Rng(31);
      const targets = await Promise.all([join(), join(), join()]);
      const fuzzers = await Promise.all(Array.from({ length: FUZZERS }, () => join()));
      const live = new Set([...targets, ...fuzzers].map((c) => c.welcome.id));
      const errors = new Map<string, number>();
      const relayed = new Map<string, number>();

      const plans = fuzzers.map(({ client, welcome }) => {
        const self = welcome.id;
        const expected: SignalOutcome[] = [];
        for (let i = 0; i < MESSAGES / FUZZERS; i++) {
          // Only the targets are named: a relay to another fuzzer would land among that fuzzer's replies.
          const text = hostileSignal(rng, self, targets.map((t) => t.welcome.id));
          const frame = rng.chance(0.02) ? Buffer.from(text) : text;
          const want = expectedSignalOutcome(frame, self, live);
          if ('relayTo' in want) tally(relayed, want.relayTo);
          else if (want.type === 'error') tally(errors, want.code);
          client.sendRaw(frame);
          expected.push(want);
        }
        return { client, expected };
      });
      // Before any hello: everything but a parse error is refused as not registered.
      const stranger = await open();
      const strangerPlan: SignalOutcome[] = [];
      for (let sent = 0; sent < 500; ) {
        const text = hostileSignal(rng, 'stranger', [...live]);
        const parsed = parseClientMessage(text);
        if (parsed.ok && parsed.msg.type === 'hello') continue;
        const want = expectedSignalOutcome(text, undefined, live);
        if ('type' in want && want.type === 'error') tally(errors, want.code);
        stranger.sendRaw(text);
        strangerPlan.push(want);
        sent++;
      }

      await Promise.all([...plans.map(({ client, expected }) => expectReplies(client, expected)), expectReplies(stranger, strangerPlan)]);
      // Each target got exactly the relays addressed to it: the next thing it reads is a sentinel sent after the flood.
      const sentinel = await join();
      for (const target of targets) {
        for (let i = 0; i < (relayed.get(target.welcome.id) ?? 0); i++) expect((await target.client.next(undefined, 10_000)).type).toBe('signal');
        sentinel.client.send({ type: 'signal', to: target.welcome.id, data: RENEGOTIATE });
        expect(await target.client.next('signal')).toEqual({ type: 'signal', from: sentinel.welcome.id, data: RENEGOTIATE });
      }

      const health = await healthz(server.url);
      expect(health.errors).toEqual(Object.fromEntries(errors));
      expect(health.closed).toEqual({});
      expect(health.peers).toBe(targets.length + fuzzers.length + 1);
      // Everyone is still connected, the fuzzers included: every error keeps the connection open.
      for (const { client } of [...fuzzers, ...targets]) expect(client.isOpen).toBe(true);
      expect(relayed.size).toBeGreaterThan(0);
      expect(Object.keys(health.errors).sort()).toEqual(['bad-json', 'bad-message', 'not-registered', 'spoofed-from', 'unknown-target', 'unknown-type']);
    }));

  it('counts the connections it cuts off in /healthz: oversized frame, flooding, too many from one address', () =>
    withServer({ ratePerSecond: 5, maxConnectionsPerIp: 3 }, async ({ server, join, open }) => {
      const big = await join();
      big.client.sendRaw(`{"type":"peers","pad":"${'x'.repeat(70 * 1024)}"}`);
      expect((await big.client.closed()).code).toBe(CLOSE_FRAME_TOO_LARGE);
      const flooder = await join();
      for (let i = 0; i < 12; i++) flooder.client.send({ type: 'peers' });
      expect((await flooder.client.closed()).code).toBe(CLOSE_RATE_LIMITED);
      await eventually(() => server.peers().length === 0, 'both to be gone');
      const kept = await Promise.all([open(), open(), open()]);
      const refused = await open();
      expect((await refused.closed()).code).toBe(CLOSE_TOO_MANY_CONNECTIONS);
      expect(kept.every((c) => c.isOpen)).toBe(true);
      expect((await healthz(server.url)).closed).toEqual({ 'frame-too-large': 1, 'rate-limited': 1, 'too-many-connections': 1 });
    }));

  it('closes a connection that never says hello, freeing its slot for a real peer', () =>
    withServer({ helloTimeoutMs: 200, maxConnectionsPerIp: 1 }, async ({ server, open, join }) => {
      const silent = await open();
      const started = Date.now();
      expect((await silent.closed(3000)).code).toBe(CLOSE_NO_HELLO);
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      // The slot is free again, and a peer that does say hello in time is not cut off.
      const peer = await join();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(peer.client.isOpen).toBe(true);
      expect(server.peers()).toEqual([peer.welcome.id]);
      expect((await healthz(server.url)).closed).toEqual({ 'no-hello': 1 });
    }));
});
