import { describe, expect, it } from 'vitest';
import type { LinkPolicy } from '../../client/net/connection-budget';
import type { LinkOptions } from '../../client/net/link';
import { TRIM_MS } from '../../client/net/link-trimmer';
import { createPeerTransport } from '../../client/net/peer-transport';
import type { PeerTransport, SignalChannel } from '../../client/net/transport-contract';
import type { SignalEvents, SignalStatus } from '../../client/net/signal-client';
import { Emitter } from '../../client/net/emitter';
import { TransportError } from '../../client/net/transport-error';
import { SimClock } from '../../shared/sim/clock';
import { FrameKind } from '../../shared/wire/frame';
import type { SignalData } from '../../shared/wire/signal';
import type { PeerKey } from '../../shared/trust/peer-id';
import { RelayAuth } from '../../client/net/relay-auth';
import { eventually, FakeLink, quietLog, testPeerKey } from './fake-link';

const OURS = await testPeerKey();

class FakeSignal extends Emitter<SignalEvents> implements SignalChannel {
  status: SignalStatus = 'online';
  readonly sent: Array<{ to: string; data: SignalData }> = [];
  constructor(
    readonly id: string,
    readonly peerKey: PeerKey = OURS,
  ) {
    super();
  }
  send(to: string, data: SignalData): void {
    this.sent.push({ to, data });
  }
}

function setup(id = 'm') {
  const clock = new SimClock();
  const signal = new FakeSignal(id);
  const links: FakeLink[] = [];
  const transport = createPeerTransport({
    signal,
    log: quietLog,
    clock,
    createLink: (opts: LinkOptions) => {
      const link = new FakeLink({ ...opts, lastUsed: clock.now() });
      links.push(link);
      return link;
    },
  });
  const down: string[] = [];
  transport.onPeerDown((peer) => down.push(peer));
  return { clock, signal, links, transport, down };
}

/** Opens a link from `transport` to `peer` with a ping, as the far end answering it would. */
async function linked(t: { clock: SimClock; links: FakeLink[]; transport: PeerTransport }, peer: string): Promise<FakeLink> {
  const reply = t.transport.request(peer, { body: { type: 'ping' } }, { timeoutMs: 1000 });
  await t.clock.settle();
  const link = t.links.find((l) => l.peer === peer && l.state === 'connecting')!;
  link.open();
  await t.clock.drive(reply, 1000);
  return link;
}

const policy = (budget: number): LinkPolicy => ({ budget: () => budget, neighbours: () => new Set(), fingers: () => new Set(), inRing: () => true });

describe('the peer transport on fake links', () => {
  it('connects on first use: the lower id initiates, the higher asks for a connection through the server', async () => {
    const t = setup('m');
    const toHigher = await linked(t, 'z');
    expect(toHigher.initiator).toBe(true);
    expect(t.signal.sent).toEqual([]);
    const reply = t.transport.request('a', { body: { type: 'ping' } }, { timeoutMs: 1000 });
    await t.clock.settle();
    const toLower = t.links.at(-1)!;
    expect(toLower.initiator).toBe(false);
    // With an open link and no policy (not in a ring), the server still carries our signals.
    expect(t.signal.sent).toEqual([{ to: 'a', data: { type: 'renegotiate', renegotiate: true } }]);
    toLower.open();
    await t.clock.drive(reply, 1000);
    expect(t.transport.connections()).toEqual(['z', 'a']);
    expect(t.transport.stats()).toMatchObject({ links: 2, linksCreated: 2, viaServer: 1 });
    t.transport.close();
  });

  it('takes an offer from a lower id and refuses one from a higher id', () => {
    const t = setup('m');
    t.signal.emit('signal', { from: 'a', data: { type: 'offer', sdp: 'v=0' } });
    t.signal.emit('signal', { from: 'z', data: { type: 'offer', sdp: 'v=0' } });
    expect(t.links.map((l) => [l.peer, l.initiator, l.signals.length])).toEqual([['a', false, 1]]);
    expect(t.transport.stats().dropped).toEqual({ 'unexpected-signal': 1 });
    t.transport.close();
  });

  it('reports a peer down when its open link fails, but not when it closes by agreement', async () => {
    const t = setup('m');
    const failing = await linked(t, 'x');
    await linked(t, 'y');
    failing.destroy(new TransportError('unreachable', 'gone'));
    expect(t.down).toEqual(['x']);
    t.transport.setLinkPolicy(policy(0));
    await t.clock.runFor(TRIM_MS);
    const agreed = t.links.find((l) => l.peer === 'y')!;
    expect(agreed.requests.map((r) => r.body.type)).toEqual(['ping', 'bye']);
    expect(agreed.letGo?.how).toBe('when-idle');
    agreed.destroy(agreed.letGo!.reason);
    expect(t.down).toEqual(['x']);
    expect(t.transport.stats().budgetClosed).toBe(1);
    t.transport.close();
  });

  it('answers a request from a link with its handler, and refuses a bad control message, counting it', async () => {
    const t = setup('m');
    t.transport.listen(async (from, msg) => ({ body: { type: 'ok', echo: `${from}:${msg.body.type}` } }));
    const link = await linked(t, 'x');
    link.hooks!.request(link, { kind: FrameKind.request, id: 5, body: { type: 'ping' } });
    link.hooks!.request(link, { kind: FrameKind.request, id: 6, body: { type: 'relay', from: 5 } });
    await t.clock.settle();
    expect(link.answers).toEqual([
      { id: 6, error: { code: 'bad-message', message: expect.any(String) } },
      { id: 5, body: { type: 'ok', echo: 'x:ping' } },
    ]);
    expect(t.transport.stats().dropped).toEqual({ 'bad-control': 1 });
    t.transport.close();
  });

  it('answers a request to itself through the same wire format, and fails requests once closed', async () => {
    const t = setup('m');
    t.transport.listen(async () => ({ body: { type: 'ok' }, data: new Uint8Array([1, 2]) }));
    const reply = await t.clock.drive(t.transport.request('m', { body: { type: 'ping' } }, { timeoutMs: 1000 }), 1000);
    expect(reply).toEqual({ body: { type: 'ok' }, data: new Uint8Array([1, 2]) });
    t.transport.close();
    await expect(t.transport.request('x', { body: { type: 'ping' } }, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'closed' });
    expect(t.clock.pending).toBe(0);
  });

  it('drops a relayed offer whose from is spoofed, counting it, and keeps the real link up', async () => {
    // 'z' is above every hex id, so the victim's (lower) offers are ones this transport takes.
    const t = setup('z');
    const victimKey = await testPeerKey();
    const liarKey = await testPeerKey();
    const victim = await linked(t, victimKey.id);
    const liar = await linked(t, liarKey.id);
    const offer = { type: 'offer' as const, sdp: 'v=0' };
    const body = async (key: PeerKey, signal = offer) => ({ ...(await new RelayAuth(key, () => 1).sign(victimKey.id, 'z', signal)), hops: 1 });
    // The liar signs as itself, then with the victim's key and nonce but its own signature, then replays a real one.
    const asItself = await body(liarKey);
    const forged = { ...(await body(victimKey)), sig: asItself.sig };
    const genuine = await body(victimKey, { type: 'offer', sdp: 'v=0 genuine' });
    liar.hooks!.request(liar, { kind: FrameKind.request, id: 1, body: asItself });
    liar.hooks!.request(liar, { kind: FrameKind.request, id: 2, body: forged });
    await eventually(() => expect(liar.answers).toHaveLength(2));
    expect(liar.answers).toEqual([
      { id: 1, error: { code: 'bad-message', message: expect.stringContaining('relay-wrong-key') } },
      { id: 2, error: { code: 'bad-message', message: expect.stringContaining('relay-forged') } },
    ]);
    expect(t.transport.stats().dropped).toEqual({ 'relay-wrong-key': 1, 'relay-forged': 1 });
    expect(victim.state).toBe('open');
    expect(victim.signals).toEqual([]);
    expect(t.links.filter((l) => l.peer === victimKey.id)).toEqual([victim]);
    expect(t.transport.connections()).toEqual([victimKey.id, liarKey.id]);
    // A signed offer is the victim's own (it started over): taken once, and refused when replayed.
    liar.hooks!.request(liar, { kind: FrameKind.request, id: 3, body: genuine });
    liar.hooks!.request(liar, { kind: FrameKind.request, id: 4, body: genuine });
    await eventually(() => expect(liar.answers).toHaveLength(4));
    expect(liar.answers.slice(2)).toEqual([
      { id: 3, body: { type: 'ok' } },
      { id: 4, error: { code: 'bad-message', message: expect.stringContaining('relay-replay') } },
    ]);
    // (Our link to the victim, which we asked for, had no offer yet: the genuine one is its.)
    expect(t.links.filter((l) => l.peer === victimKey.id)).toEqual([victim]);
    expect(victim.signals).toEqual([genuine.signal]);
    expect(t.transport.stats().dropped).toMatchObject({ 'relay-replay': 1 });
    t.transport.close();
  });
});
