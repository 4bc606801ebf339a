/**
 * Chord upkeep: entering the ring, stabilize and notify, check predecessor, fix fingers, reunite split
 * rings, and a neighbour's leave or loss. It changes only the routing table; storage hears of every change
 * of the successors or predecessors through `ringChanged`, and decides for itself what to move. The node
 * runs stabilize, checkPredecessor, fixFingers and reunite on its timers.
 */
import type { ReplyTo } from '../wire/peer';
import type { RingContext } from './context';
import { RingError } from './errors';
import { between, betweenRightIncl, fingerStart } from './id';
import type { Handlers } from './inbound';
import type { Lookup } from './lookup';
import type { Rpc } from './rpc';
import type { Address } from './types';

/** Stabilize rounds in which no known peer answers before a node concludes it is alone. */
const SILENT_ROUNDS_BEFORE_ALONE = 5;
/**
 * Check-predecessor periods for which the predecessors our predecessor sent with its own stabilize stand in
 * for asking it: it sends them every stabilize period, so 1.5 periods miss none but a late one, and a
 * predecessor that stops sending (crashed) is asked within 1.5 periods, as before.
 */
const SENT_PREDECESSORS_FRESH_PERIODS = 1.5;

type PeerState = ReplyTo<'state'>;

export class Maintenance {
  private nextFinger = 0;
  private silentRounds = 0;
  /** When our predecessor last sent us its predecessors unasked (with its stabilize's state request). */
  private sentPredecessors: { pred: Address; at: number } | null = null;

  constructor(
    private readonly ctx: RingContext,
    private readonly rpc: Rpc,
    private readonly lookup: Lookup,
    /** Our successors or predecessors changed: what this node should hold may have too. */
    private readonly ringChanged: () => void,
  ) {}

  /** Takes our place in the ring that `bootstrap` is in: successors, and a tentative predecessor. */
  async enter(bootstrap: Address): Promise<void> {
    const { ctx } = this;
    const found = await this.lookup.through(bootstrap, ctx.key);
    const successors = found.replicas.filter((a) => a !== ctx.address);
    if (successors.length === 0) return; // the ring holds only us (a reload that others still remember)
    const owner = successors[0]!;
    if (ctx.keyOf(owner) === ctx.key) {
      throw new RingError('key-collision', `peer ${owner} already holds key ${ctx.key.toString(16)}; choose another address`);
    }
    // The owner may have just crashed: the next replica then is our successor.
    const alive = await this.firstAlive(successors);
    if (!alive) throw new RingError('lookup-failed', `none of the successors ${successors.join(', ')} answered`);
    const { peer: succ, state } = alive;
    ctx.routing.setSuccessors(succ, await this.believed(state.successors));
    const pred = state.predecessor;
    if (pred && pred !== ctx.address && pred !== succ && between(ctx.key, ctx.keyOf(pred), ctx.keyOf(succ)) && (await this.believed([pred])).length > 0) {
      // Tentative until the real predecessor notifies us; it makes gets and ownership right from the start.
      ctx.routing.predecessor = pred;
      ctx.routing.setPredecessors(pred, await this.believed(state.predecessors));
    } else {
      ctx.routing.predecessor = null;
    }
  }

  /** Tells our successor we are its predecessor now (just joined). */
  async notifySuccessor(): Promise<void> {
    if (!this.ctx.routing.alone) await this.rpc.request(this.ctx.routing.successor, { type: 'notify' }).catch(() => undefined);
  }

  /**
   * Tells our neighbours we leave and who takes our place, so they repair at once instead of by timeouts: after
   * a hand-off (leave) or without one (a closing page's goodbye, which the neighbours handle the same way).
   */
  async announceLeaving(successors: Address[]): Promise<void> {
    const { routing, address } = this.ctx;
    const leaving = { type: 'leaving', successors, predecessors: routing.predecessors } as const;
    const neighbours = new Set([routing.predecessor, routing.successor].filter((a): a is Address => !!a && a !== address));
    await Promise.allSettled([...neighbours].map((peer) => this.rpc.request(peer, leaving)));
  }

  /** The transport says `peer` is gone (its link closed, or the signaling server saw it leave). */
  peerDown(peer: Address): void {
    // A 'peer-left' naming an id that never spoke to us is someone's word only: suspecting it would have reunite dial it.
    if (!this.ctx.joined || !this.ctx.routing.hasHeard(peer)) return;
    this.ctx.routing.suspect(peer, true);
    if (peer === this.ctx.routing.predecessor) void this.checkPredecessor();
    if (this.ctx.routing.successors.includes(peer)) void this.stabilize();
  }

  handlers(): Pick<Handlers, 'ping' | 'state' | 'notify' | 'leaving'> {
    const { routing } = this.ctx;
    return {
      ping: () => ({ body: { type: 'ok' } }),
      state: (from, req) => {
        if (req.predecessors && from === routing.predecessor) void this.adoptPredecessors(from, req.predecessors);
        return { body: { type: 'state', predecessor: routing.predecessor, successors: routing.successors, predecessors: routing.predecessors } };
      },
      notify: (from) => {
        this.onNotify(from);
        return { body: { type: 'ok' } };
      },
      leaving: async (from, req) => {
        this.onLeaving(from, await this.believed(req.successors), await this.believed(req.predecessors));
        return { body: { type: 'ok' } };
      },
    };
  }

  private onNotify(from: Address): void {
    const { ctx } = this;
    if (from === ctx.address) return;
    const pred = ctx.routing.predecessor;
    if (pred === null || pred === ctx.address || ctx.routing.isSuspected(pred) || between(ctx.keyOf(from), ctx.keyOf(pred), ctx.key)) {
      ctx.routing.predecessor = from;
      ctx.routing.setPredecessors(from, []);
      if (ctx.routing.alone) ctx.routing.setSuccessors(from, []);
      this.ringChanged();
      void this.checkPredecessor();
    }
  }

  private onLeaving(from: Address, successors: Address[], predecessors: Address[]): void {
    const { routing, address } = this.ctx;
    routing.suspect(from, true);
    if (routing.predecessor === from) {
      const pred = predecessors.find((a) => a !== from && a !== address);
      routing.predecessor = pred ?? (routing.successors.includes(from) ? null : address);
      if (pred) routing.setPredecessors(pred, predecessors.slice(predecessors.indexOf(pred) + 1));
      else routing.predecessors = [];
    }
    if (routing.successors.includes(from)) {
      const rest = [...successors, ...routing.successors].filter((a) => a !== from && a !== address);
      if (rest[0] !== undefined) routing.setSuccessors(rest[0], rest.slice(1));
      else routing.reset();
    }
    this.ringChanged();
  }

  async stabilize(): Promise<void> {
    const { ctx } = this;
    const { routing } = ctx;
    if (!ctx.joined) return;
    if (routing.alone) {
      const pred = routing.predecessor;
      if (!pred || pred === ctx.address) return;
      routing.setSuccessors(pred, []);
    }
    const before = routing.successors.join();
    let succ = routing.successor;
    let state = routing.isSuspected(succ) ? null : await this.stateOf(succ);
    if (!state && !routing.isSuspected(succ)) return; // one silent round may be loss: ask again next round
    if (!state) {
      // Nearest first: in list order our predecessor could win, and a successor behind us is undone one peer per round.
      const alive = await this.firstAlive(routing.clockwise([...routing.successors.slice(1), ...routing.known()]));
      if (!alive) {
        // Everyone we know is silent. Only after several rounds of that are we alone; until then it may be loss.
        if (++this.silentRounds < SILENT_ROUNDS_BEFORE_ALONE) return;
        routing.setSuccessors(ctx.address, []);
        routing.predecessor = ctx.address;
        this.ringChanged();
        return;
      }
      ({ peer: succ, state } = alive);
    }
    this.silentRounds = 0;
    const x = state.predecessor;
    if (x && x !== ctx.address && x !== succ && between(ctx.keyOf(x), ctx.key, ctx.keyOf(succ)) && !routing.isSuspected(x)) {
      const closer = await this.stateOf(x);
      if (closer) {
        succ = x;
        state = closer;
      }
    }
    routing.setSuccessors(succ, await this.believed(state.successors));
    if (state.predecessor !== ctx.address) await this.rpc.request(succ, { type: 'notify' }).catch(() => undefined);
    if (routing.successors.join() !== before) this.ringChanged();
  }

  async checkPredecessor(): Promise<void> {
    const { ctx } = this;
    const { routing } = ctx;
    const pred = routing.predecessor;
    if (!ctx.joined || !pred || pred === ctx.address) return;
    // Each pair of neighbours asked each other's state every 200 ms: half of a quiet ring's requests were these.
    const sent = this.sentPredecessors;
    const fresh = sent?.pred === pred && ctx.clock.now() - sent.at < SENT_PREDECESSORS_FRESH_PERIODS * ctx.config.checkPredecessorMs;
    if (fresh && !routing.isSuspected(pred)) return; // a link that closed (peerDown) is checked at once
    const before = [pred, ...routing.predecessors].join();
    const state = routing.isSuspected(pred) ? null : await this.stateOf(pred);
    if (routing.predecessor !== pred) return; // a notify replaced it meanwhile
    const claimed = state && (await this.believed(state.predecessors));
    if (routing.predecessor !== pred) return;
    if (claimed) {
      routing.setPredecessors(pred, claimed);
    } else if (!routing.isSuspected(pred)) {
      return; // one silent round may be loss: ask again next round
    } else {
      // Fall back on the next live predecessor we know, so its range is ours (and its backups promoted) at once.
      const alive = await this.firstAlive(routing.predecessors.slice(1));
      if (routing.predecessor !== pred) return;
      if (alive) {
        routing.predecessor = alive.peer;
        routing.setPredecessors(alive.peer, await this.believed(alive.state.predecessors));
      } else {
        routing.predecessor = null;
        routing.predecessors = [];
      }
    }
    if ([routing.predecessor, ...routing.predecessors].join() !== before) this.ringChanged();
  }

  async fixFingers(): Promise<void> {
    const { ctx } = this;
    const { routing } = ctx;
    if (!ctx.joined || routing.alone) return;
    const { m } = ctx.config;
    const i = this.nextFinger;
    const start = fingerStart(ctx.key, i, m);
    // Beyond our successor, the finger we have still owns its start unless a peer joined or left just there:
    // asking it costs one hop, a lookup from here several (fingers were most of a large ring's traffic).
    const finger = routing.ownsNext(start) ? null : routing.fingers[i];
    const { owner } = finger ? await this.lookup.run(start, finger).catch(() => this.lookup.run(start)) : await this.lookup.run(start);
    if (owner === ctx.address) {
      routing.fingers[i] = null;
      this.nextFinger = (i + 1) % m;
      return;
    }
    // Fingers whose start also falls before that owner share it: one lookup fills them all.
    const ownerKey = ctx.keyOf(owner);
    let j = i;
    while (j < m && betweenRightIncl(fingerStart(ctx.key, j, m), ctx.key, ownerKey)) routing.fingers[j++] = owner;
    this.nextFinger = j > i ? j % m : (i + 1) % m;
  }

  /**
   * Asks a remembered peer who our successor is in its ring. If that peer is closer than ours, two rings
   * (after a partition, or two started at once) begin to zip together: stabilize and notify do the rest.
   */
  async reunite(): Promise<void> {
    const { ctx } = this;
    const { routing } = ctx;
    if (!ctx.joined) return;
    // Suspected or not: across a healed partition every remembered peer is one we once gave up on.
    const peer = routing.takeRemembered(ctx.random);
    if (peer === undefined) return;
    const { replicas } = await this.lookup.run(ctx.key, peer).catch(() => ({ replicas: [] as Address[] }));
    const found = replicas.find((a) => a !== ctx.address);
    if (found === undefined) return;
    const closer = () => routing.alone || between(ctx.keyOf(found), ctx.key, ctx.keyOf(routing.successor));
    if (closer()) {
      // The answer may be stale (a peer that is leaving right now): only a peer that answers replaces our successors.
      const state = await this.stateOf(found);
      if (!state || !closer()) return;
      ctx.log.info('reunite', { via: peer, successor: found });
      routing.setSuccessors(found, await this.believed(state.successors));
      await this.stabilize();
    }
  }

  /**
   * The part of a list of neighbours another peer claims that we may build on: up to the first peer that has
   * never spoken to us and does not answer a ping now. Made-up predecessors would make us, and the peers after
   * us, think a range is not ours and hand it away (../shared/repro/sybil-delete.mts).
   */
  private async believed(claimed: Address[]): Promise<Address[]> {
    const { routing, address } = this.ctx;
    const answers = await Promise.all(
      claimed.map((peer) => peer === address || routing.hasHeard(peer) || this.rpc.request(peer, { type: 'ping' }, { suspect: false }).then(() => true, () => false)),
    );
    const firstSilent = answers.indexOf(false);
    return firstSilent < 0 ? claimed : claimed.slice(0, firstSilent);
  }

  /**
   * Our predecessor's own predecessors, sent with its stabilize: the answer checkPredecessor would have asked
   * for, from the same peer, so believed as much (no more: a peer it names that never spoke to us must answer).
   */
  private async adoptPredecessors(pred: Address, claimed: Address[]): Promise<void> {
    const { routing, clock } = this.ctx;
    const before = [pred, ...routing.predecessors].join();
    const believed = await this.believed(claimed);
    if (routing.predecessor !== pred) return;
    routing.setPredecessors(pred, believed);
    this.sentPredecessors = { pred, at: clock.now() };
    if ([pred, ...routing.predecessors].join() !== before) this.ringChanged();
  }

  /** Asks `peer` for its neighbours, sending ours: a successor takes them as its predecessors (adoptPredecessors). */
  private async stateOf(peer: Address): Promise<PeerState | null> {
    try {
      return (await this.rpc.request(peer, { type: 'state', predecessors: this.ctx.routing.predecessors })).reply;
    } catch {
      return null;
    }
  }

  /**
   * Asks the candidates at once; the first of them in order that answers wins. Suspected peers are asked
   * only when no other answers (a lost reply or two must not leave a node without neighbours).
   */
  private async firstAlive(candidates: Address[]): Promise<{ peer: Address; state: PeerState } | null> {
    const { routing, address } = this.ctx;
    const distinct = [...new Set(candidates)].filter((a) => a !== address);
    const trusted = distinct.filter((a) => !routing.isSuspected(a));
    for (const group of [trusted, distinct.filter((a) => routing.isSuspected(a))]) {
      const states = await Promise.all(group.map((peer) => this.stateOf(peer)));
      const i = states.findIndex((s) => s !== null);
      if (i >= 0) return { peer: group[i]!, state: states[i]! };
    }
    return null;
  }
}
