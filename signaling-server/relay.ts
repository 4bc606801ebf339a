import { BOOTSTRAP_PEERS, DEFAULT_REPLICAS } from '../shared/constants';
import type { Random } from '../shared/ring/types';
import type { ServerMessage, SignalData } from '../shared/wire/signal';
import { KeyOrder } from './key-order';

/** Whatever can carry a server message to one peer (its WebSocket, in the server). */
export interface PeerLink {
  send(msg: ServerMessage): void;
}

export interface RelayOptions {
  bootstrapPeers?: number;
  random?: Random;
}
/**
 * Peers told of a departure on each side of it in ring order. Its r predecessors hold it in their successor
 * lists and its r successors hold its backups or take over its keys; one more on each side covers a list that
 * is one join behind.
 */
export const PEER_LEFT_NEIGHBOURS = DEFAULT_REPLICAS + 1;
/**
 * Peers a peer exchanged signals with through the server that are told of its departure, the most recent
 * first: a tab connecting to it learns at once that the offer will not be answered.
 */
export const MAX_RECENT_CONTACTS = 16;

interface Entry<L> {
  link: L;
  /** Ids this peer signaled with through the server, oldest first (a Set keeps insertion order). */
  contacts: Set<string>;
}

/**
 * The registry of live peers: holds each proven id's link (the session checked the proof), routes signals by id, announces departures to the peers that
 * need them (its ring neighbours and recent contacts), so one departure costs a bounded number of messages.
 */
export class Relay<L extends PeerLink = PeerLink> {
  private readonly links = new Map<string, Entry<L>>();
  private readonly order: KeyOrder;
  private readonly bootstrapPeers: number;
  private readonly random: Random;

  constructor(opts: RelayOptions = {}) {
    this.bootstrapPeers = opts.bootstrapPeers ?? BOOTSTRAP_PEERS;
    this.random = opts.random ?? Math.random;
    this.order = new KeyOrder(this.random);
  }

  /**
   * Registers `link` under `id`, whose key its session has proven. A link already there is displaced and
   * returned (the same key reconnecting: a reloaded tab, a blip). Its departure is not announced: the id is
   * live again at once, and its contacts are kept, since the peers it talked to are still its neighbours.
   */
  register(link: L, id: string): L | undefined {
    const entry = this.links.get(id);
    if (entry) {
      const displaced = entry.link;
      entry.link = link;
      return displaced;
    }
    this.links.set(id, { link, contacts: new Set() });
    this.order.add(id);
    return undefined;
  }

  /** True while `link` is the one registered under `id` (false once another link reclaimed it). */
  holds(id: string, link: L): boolean {
    return this.links.get(id)?.link === link;
  }

  /**
   * Removes the peer and tells its ring neighbours and its recent contacts that it left. With `link`, only
   * if that is still the peer's link: a displaced link closing later must not remove the one that took over.
   */
  unregister(id: string, link?: L): void {
    const entry = this.links.get(id);
    if (!entry || (link !== undefined && entry.link !== link)) return;
    const told = new Set([...this.order.around(id, PEER_LEFT_NEIGHBOURS), ...entry.contacts]);
    this.links.delete(id);
    this.order.remove(id);
    for (const peer of told) this.links.get(peer)?.link.send({ type: 'peer-left', id });
  }

  /** Delivers a signal to `to`; false when no live peer has that id. */
  forward(from: string, to: string, data: SignalData): boolean {
    const target = this.links.get(to);
    if (!target) return false;
    target.link.send({ type: 'signal', from, data });
    remember(target.contacts, from);
    const source = this.links.get(from);
    if (source) remember(source.contacts, to);
    return true;
  }

  /** Up to bootstrapPeers distinct live ids other than `self`, uniformly at random. */
  sample(self: string): string[] {
    const ids = [...this.links.keys()].filter((id) => id !== self);
    const count = Math.min(this.bootstrapPeers, ids.length);
    // Partial Fisher-Yates: only the first `count` slots need shuffling.
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.random() * (ids.length - i));
      [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
    }
    return ids.slice(0, count);
  }

  ids(): string[] {
    return [...this.links.keys()];
  }
}

/** Moves `id` to the newest end of `contacts`, dropping the oldest beyond MAX_RECENT_CONTACTS. */
function remember(contacts: Set<string>, id: string): void {
  contacts.delete(id);
  contacts.add(id);
  if (contacts.size > MAX_RECENT_CONTACTS) contacts.delete(contacts.values().next().value as string);
}
