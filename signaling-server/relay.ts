import { randomUUID } from 'node:crypto';
import { BOOTSTRAP_PEERS } from '../shared/constants';
import type { Random } from '../shared/ring/types';
import type { ServerMessage, SignalData } from '../shared/wire/signal';

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

/** The registry of live peers: hands out ids, routes signals by id, announces departures. */
export class Relay {
  private readonly links = new Map<string, PeerLink>();
  private readonly bootstrapPeers: number;
  private readonly random: Random;
  private readonly newId: () => string;

  constructor(opts: RelayOptions = {}) {
    this.bootstrapPeers = opts.bootstrapPeers ?? BOOTSTRAP_PEERS;
    this.random = opts.random ?? Math.random;
    this.newId = opts.newId ?? randomPeerId;
  }

  /** Registers a link under the requested id if it is free, else under a fresh one; `taken` says which. */
  register(link: PeerLink, requested?: string): { id: string; taken: boolean } {
    if (requested !== undefined && !this.links.has(requested)) {
      this.links.set(requested, link);
      return { id: requested, taken: false };
    }
    const id = this.freshId();
    this.links.set(id, link);
    return { id, taken: requested !== undefined };
  }

  /** Removes the peer and tells every other peer it left. */
  unregister(id: string): void {
    if (!this.links.delete(id)) return;
    for (const link of this.links.values()) link.send({ type: 'peer-left', id });
  }

  /** Delivers a signal to `to`; false when no live peer has that id. */
  forward(from: string, to: string, data: SignalData): boolean {
    const link = this.links.get(to);
    if (!link) return false;
    link.send({ type: 'signal', from, data });
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
