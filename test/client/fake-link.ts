/** A scripted Link for unit tests of the transport and its parts: no WebRTC, and it opens when told to. */
import { vi } from 'vitest';
import type { Envelope, RequestOptions } from '../../shared/ring/types';
import type { SignalData } from '../../shared/wire/signal';
import type { Link, LinkHooks, LinkOptions, LinkState, SignalPath } from '../../client/net/link';
import { TransportError } from '../../client/net/transport-error';
import { generateIdentity } from '../../shared/trust/identity';
import { peerKeyOf, type PeerKey } from '../../shared/trust/peer-id';

export class FakeLink implements Link {
  readonly peer: string;
  readonly initiator: boolean;
  hasOffer = false;
  path: SignalPath;
  heard = false;
  lastUsed: number;
  state: LinkState = 'connecting';
  maxFrameBytes = 256 * 1024;
  busy = false;
  readonly hooks: LinkHooks | undefined;
  /** Requests sent on this link, in order. */
  readonly requests: Envelope[] = [];
  /** Answers given on it: replies and error replies, by request id. */
  readonly answers: Array<{ id: number; body?: Envelope['body']; error?: { code?: string; message: string } }> = [];
  readonly signals: SignalData[] = [];
  /** How the far end answers a request; every request is answered 'ok' unless a test says otherwise. */
  respond: (msg: Envelope) => Promise<Envelope> = async () => ({ body: { type: 'ok' } });
  /** How the link was let go: closing once idle, or left to the far end. */
  letGo: { how: 'when-idle' | 'after'; reason: TransportError; graceMs: number } | undefined;
  closedWith: TransportError | undefined;
  private opened!: { resolve(): void; reject(err: Error): void };
  private readonly opening = new Promise<void>((resolve, reject) => (this.opened = { resolve, reject }));

  constructor(opts: Pick<LinkOptions, 'peer' | 'initiator' | 'path'> & { hooks?: LinkHooks; lastUsed?: number }) {
    this.peer = opts.peer;
    this.initiator = opts.initiator;
    this.path = opts.path;
    this.hooks = opts.hooks;
    this.lastUsed = opts.lastUsed ?? 0;
    this.opening.catch(() => undefined);
  }

  /** The channel opens, as a WebRTC 'connect' would. */
  open(): void {
    this.state = 'open';
    this.opened.resolve();
    this.hooks?.opened(this);
  }

  signal(data: SignalData): void {
    if (data.type === 'offer') this.hasOffer = true;
    this.heard = true;
    this.signals.push(data);
  }

  whenOpen(): Promise<void> {
    return this.opening;
  }

  request(msg: Envelope, _opts: RequestOptions): Promise<Envelope> {
    if (this.state !== 'open') return Promise.reject(new TransportError('unreachable', `link to ${this.peer} is ${this.state}`));
    this.requests.push(msg);
    return this.respond(msg);
  }

  reply(id: number, reply: Envelope): void {
    this.answers.push({ id, body: reply.body });
  }

  replyError(id: number, error: { code?: string; message: string }): void {
    this.answers.push({ id, error });
  }

  sendRaw(): void {}

  closeWhenIdle(reason: TransportError, graceMs: number): void {
    this.letGo = { how: 'when-idle', reason, graceMs };
  }

  closeAfter(reason: TransportError, graceMs: number): void {
    this.letGo = { how: 'after', reason, graceMs };
  }

  destroy(reason: TransportError): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.closedWith = reason;
    this.opened.reject(reason);
    this.hooks?.closed(this, reason, wasOpen);
  }
}

/** An open fake link to `peer`, last used at `lastUsed`. */
export function openLink(peer: string, lastUsed = 0): FakeLink {
  const link = new FakeLink({ peer, initiator: true, path: 'server', lastUsed });
  link.state = 'open';
  return link;
}

/** A logger that keeps nothing. */
export const quietLog = { debug() {}, info() {}, warn() {} };

/** A real peer key whose id is the hash of its key, under a 0-bit puzzle so that it takes a millisecond to make. */
export async function testPeerKey(): Promise<PeerKey> {
  return peerKeyOf(await generateIdentity(), undefined, 0);
}

/** Waits in real time (at most 2 s) until `assertion` passes: WebCrypto signs and verifies off any virtual clock. */
export function eventually(assertion: () => void): Promise<void> {
  return vi.waitFor(assertion, { timeout: 2000, interval: 2 });
}
