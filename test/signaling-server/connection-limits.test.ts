/** Limits on new connections: per address per second (a token bucket) and in all; both refuse with 1013. */
import { describe, expect, it } from 'vitest';
import { CLOSE_TOO_MANY_CONNECTIONS } from '../../shared/wire/signal';
import { CONNECTION_BURST_PER_ADDRESS, CONNECTIONS_PER_SECOND_PER_ADDRESS } from '../../signaling-server/limits';
import { eventually, healthz, withServer, type Harness, type TestClient } from './harness';
import { freshPeerKey } from './peer-keys';

/** Cycles of the connect/hello/close loop: at 40 ms a cycle on a busy machine, well past what 4 s of refill admits. */
const LOOP_CYCLES = 100;

/** Says hello on a fresh socket: true when welcomed, false when the server closed it instead. */
async function admitted(h: Harness): Promise<TestClient | undefined> {
  const client = await h.open();
  const key = await freshPeerKey();
  return (async () => {
    await client.hello(key);
    await client.next('welcome');
  })().then(
    () => client,
    () => undefined,
  );
}

/** Opens a socket, retrying on refusal with the tab's backoff (250 ms doubling to 5 s), within a deadline. */
async function openWithBackoff(h: Harness, deadlineMs: number): Promise<{ client: TestClient; attempts: number }> {
  const deadline = Date.now() + deadlineMs;
  for (let attempts = 1, backoff = 250; Date.now() < deadline; attempts++, backoff = Math.min(5000, backoff * 2)) {
    const client = await admitted(h);
    if (client) return { client, attempts };
    await new Promise((resolve) => setTimeout(resolve, backoff));
  }
  throw new Error(`not admitted within ${deadlineMs} ms`);
}

describe('connection limits', () => {
  it('refuses new connections from an address past its burst with 1013, and admits it again at the rate', () =>
    withServer({ connectionsPerSecondPerAddress: 4, connectionBurstPerAddress: 3 }, async (h) => {
      // The burst is spent on connecting; the hellos (a signature each way) come after, so no token refills meanwhile.
      const admitted = await Promise.all([h.open(), h.open(), h.open()]);
      const refused = await h.open();
      await Promise.all(admitted.map(async (client) => {
        await client.hello(await freshPeerKey());
        await client.next('welcome');
      }));
      expect(await refused.closed()).toEqual({ code: CLOSE_TOO_MANY_CONNECTIONS, reason: 'too many new connections from your address' });
      expect(h.log.lines.some((l) => l.event === 'connection-refused' && l.fields.reason === 'too many new connections from your address')).toBe(true);
      // Those already in are untouched: the limit is on new connections, not open ones.
      for (const client of admitted) expect(client.isOpen).toBe(true);
      const { attempts } = await openWithBackoff(h, 3000);
      // A token comes back every 250 ms: the tab's immediate first retry is too soon, the one after a backoff is in.
      expect(attempts).toBeLessThanOrEqual(2);
      expect((await healthz(h.server.url)).closed).toEqual({ 'connection-rate': attempts });
    }));

  it('turns a connect/hello/close loop into a trickle at the default rate', () =>
    withServer({}, async (h) => {
      let welcomed = 0;
      let refused = 0;
      const started = performance.now();
      for (let i = 0; i < LOOP_CYCLES; i++) {
        const client = await admitted(h);
        if (client) welcomed++;
        else refused++;
        client?.close();
      }
      const seconds = (performance.now() - started) / 1000;
      // A burst of 32, then 4 a second; the loop's own speed (a shared machine) only sets how many came back.
      expect(welcomed).toBeGreaterThanOrEqual(Math.min(LOOP_CYCLES, CONNECTION_BURST_PER_ADDRESS));
      expect(welcomed).toBeLessThanOrEqual(CONNECTION_BURST_PER_ADDRESS + Math.ceil(CONNECTIONS_PER_SECOND_PER_ADDRESS * seconds));
      expect(refused).toBeGreaterThan(0);
      expect((await healthz(h.server.url)).closed['connection-rate']).toBe(refused);
    }));

  it('refuses connections past the global cap with 1013 whatever their address, and admits again when one leaves', () =>
    withServer({ maxConnections: 2 }, async (h) => {
      const a = await h.join();
      await h.join();
      const refused = await h.open();
      expect(await refused.closed()).toEqual({ code: CLOSE_TOO_MANY_CONNECTIONS, reason: 'the server is full' });
      const health = await healthz(h.server.url);
      expect([health.connections, health.closed]).toEqual([2, { 'server-full': 1 }]);
      a.client.close();
      await eventually(() => h.server.peers().length === 1, 'the server to see the close');
      const { attempts } = await openWithBackoff(h, 3000);
      expect(attempts).toBe(1);
    }));
});
