import { describe, expect, it } from 'vitest';
import type { Link } from '../../client/net/link';
import type { SignalStatus } from '../../client/net/signal-client';
import { OverlayRoutes } from '../../client/net/overlay-routes';
import { RelayAuth } from '../../client/net/relay-auth';
import { OVERLAY_ANSWER_TIMEOUT_MS, SignalPaths } from '../../client/net/signal-paths';
import { TransportError } from '../../client/net/transport-error';
import { RELAY_RATE } from '../../shared/constants';
import { SimClock } from '../../shared/sim/clock';
import type { SignalData } from '../../shared/wire/signal';
import type { RelayMessage } from '../../shared/wire/overlay';
import { eventually, FakeLink, openLink, quietLog, testPeerKey } from './fake-link';

const OFFER: SignalData = { type: 'offer', sdp: 'v=0' };
/** Our key (our address 'm' is not its id: only other peers' relays are checked against their keys). */
const OURS = await testPeerKey();
/** A first hop's proof is not checked (the link vouches for its peer): any well-formed one does. */
const UNSIGNED = { key: OURS.publicKey, nonce: 0, seq: 1, sig: 'A'.repeat(86) };

function setup(links: FakeLink[], status: SignalStatus = 'online') {
  const clock = new SimClock();
  const inUse = new Map<string, Link>(links.map((link) => [link.peer, link]));
  const server = { status, sent: [] as Array<{ to: string; data: SignalData }>, send: (to: string, data: SignalData) => server.sent.push({ to, data }) };
  const restarted: string[] = [];
  const drops: string[] = [];
  const paths = new SignalPaths({
    address: 'm',
    server,
    clock,
    log: quietLog,
    auth: new RelayAuth(OURS, () => clock.now()),
    openLinks: () => [...inUse.values()].filter((link) => link.state === 'open'),
    current: (peer) => inUse.get(peer),
    restart: (link) => restarted.push(link.peer),
    drop: (reason) => drops.push(reason),
  });
  return { clock, inUse, server, paths, restarted, drops };
}

/** A link we are setting up to `peer`, in the transport's map. */
function connecting(inUse: Map<string, Link>, peer: string, path: 'overlay' | 'server'): FakeLink {
  const link = new FakeLink({ peer, initiator: true, path });
  inUse.set(peer, link);
  return link;
}

describe('SignalPaths', () => {
  it('signals through the overlay only with an open link, and outside the ring only while the server is down', () => {
    expect(setup([]).paths.choose(true)).toBe('server');
    expect(setup([openLink('a')]).paths.choose(true)).toBe('overlay');
    expect(setup([openLink('a')]).paths.choose(false)).toBe('server');
    expect(setup([openLink('a')], 'offline').paths.choose(false)).toBe('overlay');
  });

  it('relays a signal to the link closest to the target, and falls back on the server once no link is left', async () => {
    const hop = openLink('z');
    const { clock, inUse, paths, server } = setup([hop]);
    const link = connecting(inUse, 'x', 'overlay');
    paths.send(link, OFFER);
    await eventually(() => expect(hop.requests).toHaveLength(1));
    const proof = { key: OURS.publicKey, nonce: OURS.nonce, seq: expect.any(Number), sig: expect.any(String) };
    expect(hop.requests).toEqual([{ body: { type: 'relay', from: 'm', to: 'x', hops: 0, signal: OFFER, ...proof } }]);
    hop.state = 'closed';
    paths.send(link, OFFER);
    expect(link.path).toBe('server');
    expect(server.sent).toEqual([{ to: 'x', data: OFFER }]);
    expect(paths.counts).toMatchObject({ viaOverlay: 1, viaServer: 1 });
  });

  it('starts a connection again through the server when the overlay brings no answer in time, unless the peer was heard', async () => {
    const { clock, inUse, paths, restarted } = setup([openLink('z')]);
    const silent = connecting(inUse, 'x', 'overlay');
    const heard = connecting(inUse, 'y', 'overlay');
    paths.started(silent);
    paths.started(heard);
    heard.signal({ type: 'answer', sdp: 'v=0' });
    await clock.runFor(OVERLAY_ANSWER_TIMEOUT_MS - 1);
    expect(restarted).toEqual([]);
    await clock.runFor(1);
    expect(restarted).toEqual(['x']);
    expect(paths.counts.overlayFallbacks).toBe(1);
  });

  it('ends a connection the overlay refused when the server is down too', async () => {
    const hop = openLink('z');
    hop.respond = () => Promise.reject(new TransportError('no-route', 'no route to x'));
    const { clock, inUse, paths, restarted, drops } = setup([hop], 'offline');
    const link = connecting(inUse, 'x', 'overlay');
    paths.send(link, OFFER);
    await eventually(() => expect(drops).toEqual(['relay-failed']));
    expect(link.state).toBe('closed');
    expect(link.closedWith?.message).toMatch(/signaling server is offline/);
    expect(restarted).toEqual([]);
  });

  it('hands back a signal for us, passes on one for another peer, and refuses spoofed, looping and exhausted ones', async () => {
    const from = openLink('a');
    const next = openLink('z');
    const { paths } = setup([from, next]);
    const relay = (over: Partial<{ from: string; to: string; hops: number }>): RelayMessage => ({
      type: 'relay',
      from: 'a',
      to: 'm',
      hops: 0,
      signal: OFFER,
      ...UNSIGNED,
      ...over,
    });
    expect(await paths.received(from, relay({}))).toEqual({ ok: true, signal: OFFER });
    expect(await paths.received(from, relay({ to: 'z' }))).toEqual({ ok: true });
    expect(next.requests).toHaveLength(1);
    expect(await paths.received(from, relay({ from: 'b' }))).toMatchObject({ ok: false, reason: 'spoofed-from' });
    expect(await paths.received(from, relay({ from: 'm', hops: 1 }))).toMatchObject({ ok: false, reason: 'relay-loop' });
    expect(await paths.received(from, relay({ to: 'z', hops: 15 }))).toMatchObject({ ok: false, reason: 'relay-hops' });
    expect(paths.counts).toMatchObject({ overlayIn: 1, relayed: 1 });
  });

  it('takes at most RELAY_RATE relayed signals from one link, refused before any signature check, other links untouched', async () => {
    const flooder = openLink('a');
    const other = openLink('b');
    const { clock, paths } = setup([flooder, other]);
    const relay = (from: string): RelayMessage => ({ type: 'relay', from, to: 'm', hops: 0, signal: OFFER, ...UNSIGNED });
    const [perSecond, burst] = RELAY_RATE;
    const taken = [];
    for (let i = 0; i < burst + 10; i++) taken.push(await paths.received(flooder, relay('a')));
    expect(taken.filter((o) => o.ok)).toHaveLength(burst);
    expect(taken.at(-1)).toMatchObject({ ok: false, reason: 'relay-rate', code: 'rate-limited' });
    // A forged relay past the limit is refused for the rate, its signature never checked.
    const forged = { ...relay('x'), hops: 3 };
    expect(await paths.received(flooder, forged)).toMatchObject({ ok: false, reason: 'relay-rate' });
    expect(await paths.received(other, relay('b'))).toEqual({ ok: true, signal: OFFER });
    await clock.runFor(1000);
    const next = [];
    for (let i = 0; i < perSecond + 5; i++) next.push(await paths.received(flooder, relay('a')));
    expect(next.filter((o) => o.ok)).toHaveLength(perSecond);
  });

  it('believes a relayed from past the first hop only when its key and signature say so, and learns the way back only then', async () => {
    const origin = await testPeerKey();
    const other = await testPeerKey();
    // Two links: the liar is the one greedy routing would not pick for the origin, so a way back through it can only be learned.
    const greedy = new OverlayRoutes().next('m', origin.id, ['h1', 'h2'])!;
    const liar = openLink(greedy === 'h1' ? 'h2' : 'h1');
    const honest = openLink(greedy);
    const { clock, inUse, paths, drops } = setup([liar, honest]);
    const signed = async (key: typeof origin, from = origin.id) => ({ ...(await new RelayAuth(key, () => clock.now()).sign(from, 'm', OFFER)), hops: 2 });
    const wrongKey = await signed(other);
    const forged = { ...(await signed(origin)), sig: (await signed(other, origin.id)).sig };
    expect(await paths.received(liar, wrongKey)).toMatchObject({ ok: false, reason: 'relay-wrong-key', code: 'bad-message' });
    expect(await paths.received(liar, forged)).toMatchObject({ ok: false, reason: 'relay-forged' });
    expect(await paths.received(liar, { ...forged, signal: { type: 'offer', sdp: 'v=1' } })).toMatchObject({ ok: false, reason: 'relay-forged' });
    // Our answer to the origin takes greedy's hop: nothing was learned from the liar.
    const toOrigin = connecting(inUse, origin.id, 'overlay');
    paths.send(toOrigin, { type: 'answer', sdp: 'v=0' });
    await eventually(() => expect(honest.requests).toHaveLength(1));
    expect(liar.requests).toHaveLength(0);
    // A genuine signal through the same link is taken once, and its way back is learned; a replay is refused.
    const genuine = await signed(origin);
    expect(await paths.received(liar, genuine)).toEqual({ ok: true, signal: OFFER });
    expect(await paths.received(liar, genuine)).toMatchObject({ ok: false, reason: 'relay-replay' });
    paths.send(toOrigin, { type: 'answer', sdp: 'v=0' });
    await eventually(() => expect(liar.requests).toHaveLength(1));
    expect(honest.requests).toHaveLength(1);
    expect(paths.counts.overlayIn).toBe(1);
    expect(drops).toEqual([]);
  });
});
