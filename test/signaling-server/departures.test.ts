/**
 * Who hears of a departure: a peer's ring neighbours and its recent signaling contacts, never every peer, so
 * a loop of connect/hello/close (issue #18, ../shared/repro/id-squat.mts part 3) costs each honest peer only
 * its share as a neighbour.
 */
import { describe, expect, it } from 'vitest';
import type { SignalData } from '../../shared/wire/signal';
import { MAX_RECENT_CONTACTS, PEER_LEFT_NEIGHBOURS } from '../../signaling-server/relay';
import { eventually, ringNeighbours, withServer, type Harness, type TestClient } from './harness';
import { seededPeerKey } from './peer-keys';

const CYCLES = 200;
const OFFER: SignalData = { type: 'offer', sdp: 'v=0\r\n' };
/** Connection limits out of the way: these tests count messages, not refusals. */
const UNLIMITED = { connectionsPerSecondPerAddress: 100_000, connectionBurstPerAddress: 100_000 };

/** The ids of every peer-left the client received up to now: a 'peers' round trip flushes what the server sent before. */
async function peerLefts(client: TestClient): Promise<string[]> {
  client.send({ type: 'peers' });
  const ids: string[] = [];
  for (let i = 0; i < 10 * CYCLES; i++) {
    const msg = await client.next();
    if (msg.type === 'peers') return ids;
    if (msg.type === 'peer-left') ids.push(msg.id);
  }
  throw new Error('no peers reply after many messages');
}

/** `count` peers with keys from `seed`, by the ids the server derived from them. */
async function joinAll(h: Harness, seed: string, count: number): Promise<Map<string, TestClient>> {
  const clients = new Map<string, TestClient>();
  for (let i = 0; i < count; i++) {
    const { client, welcome } = await h.join(await seededPeerKey(`${seed}-${i}`));
    clients.set(welcome.id, client);
  }
  return clients;
}

async function leave(h: Harness, client: TestClient, id: string): Promise<void> {
  client.close();
  await eventually(() => !h.server.peers().includes(id), `${id} to be unregistered`);
}

describe('peer-left', () => {
  it.each([
    [20, 1],
    [50, 2],
  ])(`${CYCLES} connect/hello/close cycles reach each of %i honest peers only as a ring neighbour (seed %i)`, (honestCount, seed) =>
    withServer(UNLIMITED, async (h) => {
      const honest = await joinAll(h, `honest-${seed}`, honestCount);
      const honestIds = [...honest.keys()];
      const expected = new Map(honestIds.map((id) => [id, 0]));
      for (let i = 0; i < CYCLES; i++) {
        const junk = await h.join(await seededPeerKey(`junk-${seed}-${i}`));
        const id = junk.welcome.id;
        for (const near of ringNeighbours([...honestIds, id], id, PEER_LEFT_NEIGHBOURS)) expected.set(near, (expected.get(near) ?? 0) + 1);
        await leave(h, junk.client, id);
      }
      const received = new Map<string, number>();
      for (const [id, client] of honest) received.set(id, (await peerLefts(client)).length);
      expect(received).toEqual(expected);
      const counts = [...received.values()];
      // Each departure is told to 2 * PEER_LEFT_NEIGHBOURS honest peers; before, every honest peer got all CYCLES.
      expect(counts.reduce((a, b) => a + b, 0)).toBe(CYCLES * 2 * PEER_LEFT_NEIGHBOURS);
      expect(Math.max(...counts)).toBeLessThan(CYCLES);
    }));

  it('also reaches the peers it signaled with, in either direction, the most recent MAX_RECENT_CONTACTS of them', () =>
    withServer(UNLIMITED, async (h) => {
      const honest = await joinAll(h, 'contact', 2 * PEER_LEFT_NEIGHBOURS + MAX_RECENT_CONTACTS + 8);
      const honestIds = [...honest.keys()];
      const leaver = await h.join(await seededPeerKey('leaver'));
      const leaverId = leaver.welcome.id;
      const near = ringNeighbours([...honestIds, leaverId], leaverId, PEER_LEFT_NEIGHBOURS);
      const far = honestIds.filter((id) => !near.has(id));
      const [answerer, ...signaled] = far as [string, ...string[]];
      // The leaver signals more far peers than it remembers, then one more far peer signals it.
      for (const id of signaled) {
        leaver.client.send({ type: 'signal', to: id, data: OFFER });
        expect((await honest.get(id)?.next('signal'))?.from).toBe(leaverId);
      }
      honest.get(answerer)?.send({ type: 'signal', to: leaverId, data: OFFER });
      expect((await leaver.client.next('signal')).from).toBe(answerer);
      await leave(h, leaver.client, leaverId);
      const told = new Set([...near, ...signaled.slice(1 - MAX_RECENT_CONTACTS), answerer]);
      for (const [id, client] of honest) expect([id, await peerLefts(client)]).toEqual([id, told.has(id) ? [leaverId] : []]);
    }));

  it('announces a socket that never said hello to nobody', () =>
    withServer(UNLIMITED, async (h) => {
      const honest = await joinAll(h, 'silent', 3);
      const silent = await h.open();
      silent.close();
      await eventually(() => h.server.peers().length === 3, 'the silent socket to go');
      for (const client of honest.values()) expect(await peerLefts(client)).toEqual([]);
    }));
});
