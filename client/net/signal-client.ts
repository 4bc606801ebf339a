/**
 * The tab's WebSocket to the signaling server: proves the tab's peer key to be given the id derived from it
 * (shared/trust/peer-id), relays WebRTC signals, and reconnects (proving the key again, so the id is the same)
 * whenever the server goes away. Every message from the server is validated here.
 */
import { SIGNAL_PATH } from '../../shared/constants';
import { errorMessage } from '../../shared/ring/errors';
import type { Logger, Random } from '../../shared/ring/types';
import { fromBase64url } from '../../shared/trust/bytes';
import { signHello, type PeerKey } from '../../shared/trust/peer-id';
import { CLOSE_ID_RECLAIMED, encodeHello, parseServerMessage, type ErrorCode, type ServerMessage, type SignalData } from '../../shared/wire/signal';
import { Emitter } from './emitter';

export type SignalStatus = 'connecting' | 'online' | 'offline';

export const RECONNECT_MIN_MS = 250;
export const RECONNECT_MAX_MS = 5000;
/** How long `askPeers` waits for the server's answer. */
export const ASK_PEERS_TIMEOUT_MS = 5000;

export interface SignalEvents {
  status: SignalStatus;
  /** Every welcome, the first and each one after a reconnect. */
  welcome: { id: string; peers: string[] };
  signal: { from: string; data: SignalData };
  /** The server saw this peer's socket close. */
  'peer-left': string;
  /** A signal we sent could not be delivered: the target is not connected to the server. */
  'unknown-target': string;
  /** Any other error the server reported. */
  error: { code: ErrorCode; message: string; ref?: string };
}

/** What the client needs of a WebSocket class: the page's own, or `ws` in a Node process. */
export interface WebSocketClass {
  new (url: string): WebSocket;
  readonly OPEN: number;
}

export interface SignalClientOptions {
  /** Defaults to ws(s)://<this page's host>/signal. */
  url?: string;
  /** Defaults to the global WebSocket. */
  WebSocket?: WebSocketClass;
  /** The key this peer proves at each hello; its id is `peerKey.id` (client/identity/peer-key, node-peer/peer-key). */
  peerKey: PeerKey;
  log: Logger;
  random?: Random;
}

export class SignalOfflineError extends Error {
  readonly code = 'unreachable';
  override name = 'SignalOfflineError';
}

interface PeersWaiter {
  resolve(peers: string[]): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export function signalUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${SIGNAL_PATH}`;
}

export class SignalClient extends Emitter<SignalEvents> {
  private socket: WebSocket | null = null;
  private currentStatus: SignalStatus = 'offline';
  private currentId: string | null = null;
  private peers: string[] = [];
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly peersWaiters: PeersWaiter[] = [];
  private readonly dropped: Record<string, number> = {};
  private readonly url: string;
  private readonly Socket: WebSocketClass;
  readonly peerKey: PeerKey;
  private readonly log: Logger;
  private readonly random: Random;
  private firstWelcome: { promise: Promise<string>; resolve(id: string): void };

  constructor(opts: SignalClientOptions) {
    super();
    this.url = opts.url ?? signalUrl(location);
    this.Socket = opts.WebSocket ?? WebSocket;
    this.peerKey = opts.peerKey;
    this.log = opts.log;
    this.random = opts.random ?? Math.random;
    let resolve!: (id: string) => void;
    this.firstWelcome = { promise: new Promise<string>((r) => (resolve = r)), resolve };
    this.connect();
  }

  /** This tab's id once the server has welcomed it (null before): its peer key's, so the same across reconnects and reloads. */
  get id(): string | null {
    return this.currentId;
  }

  get status(): SignalStatus {
    return this.currentStatus;
  }

  /** Peers the server offered in its last welcome, to join the ring through. */
  get bootstrapPeers(): string[] {
    return [...this.peers];
  }

  /** Resolves with the id at the first welcome. */
  ready(): Promise<string> {
    return this.firstWelcome.promise;
  }

  /** Messages from the server that failed validation, by reason. */
  droppedMessages(): Record<string, number> {
    return { ...this.dropped };
  }

  /** Throws SignalOfflineError while the server is unreachable: the caller's connection attempt fails at once. */
  send(to: string, data: SignalData): void {
    this.write({ type: 'signal', to, data });
  }

  /** A fresh sample of live peer ids (not this tab). */
  askPeers(): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      try {
        this.write({ type: 'peers' });
      } catch (err) {
        reject(err as Error);
        return;
      }
      const waiter: PeersWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.removeWaiter(waiter);
          reject(new Error(`the signaling server did not answer a peers request within ${ASK_PEERS_TIMEOUT_MS} ms`));
        }, ASK_PEERS_TIMEOUT_MS),
      };
      this.peersWaiters.push(waiter);
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.close(1000, 'tab closing');
    this.dropSocket(new SignalOfflineError('the signaling client was closed'));
  }

  private write(msg: { type: 'signal'; to: string; data: SignalData } | { type: 'peers' }): void {
    if (this.currentStatus !== 'online' || this.socket?.readyState !== this.Socket.OPEN) {
      throw new SignalOfflineError(`the signaling server is ${this.currentStatus}`);
    }
    this.socket.send(JSON.stringify(msg));
  }

  private connect(): void {
    this.setStatus('connecting');
    let socket: WebSocket;
    try {
      socket = new this.Socket(this.url);
    } catch (err) {
      // Only a malformed URL throws here; retrying cannot fix it.
      this.log.warn('signal-bad-url', { url: this.url, error: (err as Error).message });
      this.closed = true;
      this.setStatus('offline');
      return;
    }
    this.socket = socket;
    socket.addEventListener('message', (event: MessageEvent) => {
      if (this.socket === socket) this.receive(event.data);
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.log.info('signal-closed', { code: event.code, reason: event.reason });
      this.dropSocket(new SignalOfflineError('the signaling connection closed'));
      if (event.code === CLOSE_ID_RECLAIMED) {
        // Another tab holds this tab's key (a duplicated tab copies its session): reconnecting would take the
        // id back from it, and it from us, in turn. This tab stays offline instead.
        this.log.warn('signal-id-reclaimed', { id: this.peerKey.id });
        this.closed = true;
        return;
      }
      this.scheduleReconnect();
    });
  }

  private dropSocket(err: Error): void {
    this.socket = null;
    for (const waiter of this.peersWaiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.setStatus('offline');
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.attempt);
    // Jitter spreads the reconnects of every tab after a server restart.
    const delay = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    this.attempt++;
    this.log.debug('signal-reconnect', { inMs: delay, attempt: this.attempt });
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'string') {
      this.drop('not-text', 'binary frame');
      return;
    }
    const parsed = parseServerMessage(raw);
    if (!parsed.ok) {
      this.drop(parsed.code, parsed.message);
      return;
    }
    this.handle(parsed.msg);
  }

  private drop(reason: string, message: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
    this.log.warn('signal-message-dropped', { reason, message });
  }

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'challenge':
        this.prove(msg.challenge);
        return;
      case 'welcome':
        this.welcome(msg.id, msg.peers);
        return;
      case 'signal':
        this.emit('signal', { from: msg.from, data: msg.data });
        return;
      case 'peers': {
        const waiter = this.peersWaiters.shift();
        if (!waiter) return this.drop('unasked-peers', 'a peers answer nobody asked for');
        clearTimeout(waiter.timer);
        waiter.resolve(msg.peers);
        return;
      }
      case 'peer-left':
        this.emit('peer-left', msg.id);
        return;
      case 'error':
        if (msg.code === 'unknown-target' && msg.ref !== undefined) {
          this.emit('unknown-target', msg.ref);
          return;
        }
        this.log.warn('signal-error', { code: msg.code, message: msg.message, ref: msg.ref });
        this.emit('error', msg);
        return;
    }
  }

  /** Answers the connection's challenge with a hello that proves the peer key. */
  private prove(challenge: string): void {
    const socket = this.socket;
    // The parser checked the challenge is base64url of the right length.
    signHello(this.peerKey, fromBase64url(challenge)!).then(
      (signature) => {
        if (this.socket === socket && socket?.readyState === this.Socket.OPEN) {
          socket.send(encodeHello({ publicKey: this.peerKey.publicKey, nonce: this.peerKey.nonce, signature }));
        }
      },
      (err: unknown) => this.log.warn('signal-hello-unsigned', { reason: errorMessage(err) }),
    );
  }

  private welcome(id: string, peers: string[]): void {
    if (id !== this.peerKey.id) {
      // The server must hand out the id the key derives; anything else is a server bug, and the ring would disagree with it.
      this.drop('wrong-id', `welcomed as ${id}, but this peer key's id is ${this.peerKey.id}`);
      return;
    }
    this.currentId = id;
    this.peers = peers;
    this.attempt = 0;
    this.log.info('signal-online', { id, peers: peers.length });
    this.setStatus('online');
    this.emit('welcome', { id, peers });
    this.firstWelcome.resolve(id);
  }

  private setStatus(status: SignalStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit('status', status);
  }

  private removeWaiter(waiter: PeersWaiter): void {
    const index = this.peersWaiters.indexOf(waiter);
    if (index >= 0) this.peersWaiters.splice(index, 1);
  }
}
