import type { Logger } from '../shared/ring/types';
import { CLOSE_RATE_LIMITED, parseClientMessage, type ClientMessage, type ErrorCode, type ServerMessage } from '../shared/wire/signal';
import type { RateLimiter } from './limits';
import type { PeerLink, Relay } from './relay';

/** The two things a session does to its socket. */
export interface SessionSocket extends PeerLink {
  close(code: number, reason: string): void;
}

export interface SessionContext {
  relay: Relay;
  log: Logger;
  /** Remote address, for log lines. */
  address: string;
  /** Called for every error reply, so the server can count refused input. */
  onError(code: ErrorCode): void;
}

/** One WebSocket connection: rate-limits and decodes its frames, then runs one handler per message type. */
export class Session {
  private id: string | undefined;
  private closing = false;

  constructor(
    private readonly socket: SessionSocket,
    private readonly limiter: RateLimiter,
    private readonly ctx: SessionContext,
  ) {}

  get peerId(): string | undefined {
    return this.id;
  }

  /** A text frame arrives as a string, a binary frame as bytes. */
  receive(frame: string | Uint8Array): void {
    if (this.closing) return;
    const verdict = this.limiter.hit();
    if (verdict === 'close') {
      this.closing = true;
      this.ctx.log.warn('rate-limit-close', { id: this.id, address: this.ctx.address });
      this.socket.close(CLOSE_RATE_LIMITED, 'rate limit exceeded');
      return;
    }
    if (verdict === 'limited') return this.fail('rate-limited', 'too many messages per second; message dropped');
    if (typeof frame !== 'string') return this.fail('bad-message', 'binary frames are not accepted; send JSON text');
    const parsed = parseClientMessage(frame);
    if (!parsed.ok) return this.fail(parsed.code, parsed.message);
    this.dispatch(parsed.msg);
  }

  /** The socket closed, for whatever reason. */
  end(reason: string): void {
    this.closing = true;
    if (this.id === undefined) return;
    this.ctx.relay.unregister(this.id);
    this.ctx.log.info('peer-leave', { id: this.id, reason });
    this.id = undefined;
  }

  private dispatch(msg: ClientMessage): void {
    switch (msg.type) {
      case 'hello':
        return this.hello(msg.id);
      case 'signal':
        return this.signal(msg);
      case 'peers':
        return this.peers();
    }
  }

  private hello(requested: string | undefined): void {
    if (this.id !== undefined) return this.fail('bad-message', `hello: already registered as ${this.id}`);
    const { id, taken } = this.ctx.relay.register(this.socket, requested);
    if (taken) this.fail('id-taken', `id ${requested} belongs to a live connection; you are ${id} instead`, requested);
    this.id = id;
    this.socket.send({ type: 'welcome', id, peers: this.ctx.relay.sample(id) });
    this.ctx.log.info('peer-join', { id, address: this.ctx.address, ...(requested !== undefined && { requested }) });
  }

  private signal(msg: Extract<ClientMessage, { type: 'signal' }>): void {
    if (this.id === undefined) return this.fail('not-registered', 'send hello before signal');
    if (msg.from !== undefined && msg.from !== this.id) {
      return this.fail('spoofed-from', `from must be your own id ${this.id} or absent`, msg.from);
    }
    if (!this.ctx.relay.forward(this.id, msg.to, msg.data)) {
      this.fail('unknown-target', `no live peer with id ${msg.to}`, msg.to);
    }
  }

  private peers(): void {
    if (this.id === undefined) return this.fail('not-registered', 'send hello before peers');
    this.socket.send({ type: 'peers', peers: this.ctx.relay.sample(this.id) });
  }

  private fail(code: ErrorCode, message: string, ref?: string): void {
    this.ctx.onError(code);
    this.ctx.log.debug('signal-error', { id: this.id, address: this.ctx.address, code, message });
    const reply: ServerMessage = { type: 'error', code, message };
    if (ref !== undefined) reply.ref = ref;
    this.socket.send(reply);
  }
}
