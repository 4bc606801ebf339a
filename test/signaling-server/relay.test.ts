import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/wire/signal';
import { Relay, type PeerLink } from '../../signaling-server/relay';

function link(): PeerLink & { inbox: ServerMessage[] } {
  const inbox: ServerMessage[] = [];
  return { inbox, send: (msg) => void inbox.push(msg) };
}

describe('Relay', () => {
  it('registers proven ids; the same id again displaces the old link, returned, and nothing is announced', () => {
    const relay = new Relay();
    const [first, second, other] = [link(), link(), link()];
    expect(relay.register(first, 'mine')).toBeUndefined();
    expect(relay.register(other, 'other')).toBeUndefined();
    expect(relay.register(second, 'mine')).toBe(first);
    expect(relay.holds('mine', second)).toBe(true);
    expect(relay.holds('mine', first)).toBe(false);
    expect(relay.ids()).toEqual(['mine', 'other']);
    expect(other.inbox).toEqual([]);
    // Signals for the id reach the link that took over.
    relay.forward('other', 'mine', { type: 'renegotiate', renegotiate: true });
    expect(second.inbox).toHaveLength(1);
    expect(first.inbox).toEqual([]);
  });

  it('ignores the departure of a displaced link, and announces the one that holds the id', () => {
    const relay = new Relay();
    const [first, second, other] = [link(), link(), link()];
    relay.register(first, 'mine');
    relay.register(other, 'other');
    relay.register(second, 'mine');
    relay.unregister('mine', first);
    expect(relay.ids()).toEqual(['mine', 'other']);
    expect(other.inbox).toEqual([]);
    relay.unregister('mine', second);
    expect(relay.ids()).toEqual(['other']);
    expect(other.inbox).toEqual([{ type: 'peer-left', id: 'mine' }]);
  });

  it('forwards to a live id only', () => {
    const relay = new Relay();
    const b = link();
    relay.register(b, 'b');
    const data = { type: 'offer', sdp: 'v=0' } as const;
    expect(relay.forward('a', 'b', data)).toBe(true);
    expect(b.inbox).toEqual([{ type: 'signal', from: 'a', data }]);
    expect(relay.forward('a', 'c', data)).toBe(false);
  });

  it('announces an unregistered peer to every other peer, once', () => {
    const relay = new Relay();
    const links = { a: link(), b: link(), c: link() };
    for (const [id, l] of Object.entries(links)) relay.register(l, id);
    relay.unregister('b');
    relay.unregister('b');
    expect(links.a.inbox).toEqual([{ type: 'peer-left', id: 'b' }]);
    expect(links.c.inbox).toEqual([{ type: 'peer-left', id: 'b' }]);
    expect(links.b.inbox).toEqual([]);
    expect(relay.ids()).toEqual(['a', 'c']);
  });

  it('samples distinct peers other than self, as many as allowed', () => {
    // mulberry32: a seeded generator keeps the draw reproducible.
    let seed = 7;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const relay = new Relay({ bootstrapPeers: 3, random });
    for (const id of ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']) relay.register(link(), id);
    const counts = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const sample = relay.sample('p0');
      expect(sample).toHaveLength(3);
      expect(new Set(sample).size).toBe(3);
      expect(sample).not.toContain('p0');
      for (const id of sample) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    // Uniform: each of the 5 others appears in 3/5 of the samples, 360 of 600.
    for (const id of ['p1', 'p2', 'p3', 'p4', 'p5']) expect(counts.get(id)).toBeGreaterThan(300);
    expect(new Relay().sample('alone')).toEqual([]);
  });
});
