import { randomUUID } from 'node:crypto';
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
  newId?: () => string;
}

/** 32 hex characters: url-safe and unguessable, so nobody can claim a peer's id before it reconnects. */
export function randomPeerId(): string {
  return randomUUID().replaceAll('-', '');
}

const MAX_ID_ATTEMPTS = 16;
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

interface Entry {
  link: PeerLink;
  /** Ids this peer signaled with through the server, oldest first (a Set keeps insertion order). */
  contacts: Set<string>;
}

/**
 * The registry of live peers: hands out ids, routes signals by id, announces departures to the peers that
 * need them (its ring neighbours and recent contacts), so one departure costs a bounded number of messages.
 */
export class Relay {
  private readonly links = new Map<string, Entry>();
  private readonly order: KeyOrder;
  private readonly bootstrapPeers: number;
  private readonly random: Random;
  private readonly newId: () => string;

  constructor(opts: RelayOptions = {}) {
    this.bootstrapPeers = opts.bootstrapPeers ?? BOOTSTRAP_PEERS;
    this.random = opts.random ?? Math.random;
    this.newId = opts.newId ?? randomPeerId;
    this.order = new KeyOrder(this.random);
  }

  /** Registers a link under the requested id if it is free, else under a fresh one; `taken` says which. */
  register(link: PeerLink, requested?: string): { id: string; taken: boolean } {
    const free = requested !== undefined && !this.links.has(requested);
    const id = free ? requested : this.freshId();
    this.links.set(id, { link, contacts: new Set() });
    this.order.add(id);
    return { id, taken: requested !== undefined && !free };
  }

  /** Removes the peer and tells its ring neighbours and its recent contacts that it left. */
  unregister(id: string): void {
    const entry = this.links.get(id);
    if (!entry) return;
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

  private freshId(): string {
    for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
      const id = this.newId();
      if (!this.links.has(id)) return id;
    }
    throw new Error(`no free peer id after ${MAX_ID_ATTEMPTS} attempts`);
  }
}

/** Moves `id` to the newest end of `contacts`, dropping the oldest beyond MAX_RECENT_CONTACTS. */
function remember(contacts: Set<string>, id: string): void {
  contacts.delete(id);
  contacts.add(id);
  if (contacts.size > MAX_RECENT_CONTACTS) contacts.delete(contacts.values().next().value as string);
}
