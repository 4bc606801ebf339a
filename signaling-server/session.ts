import { errorMessage } from '../shared/ring/errors';
import type { Logger } from '../shared/ring/types';
import { fromBase64url, toBase64url } from '../shared/trust/bytes';
import { checkHelloProof, type ProofVerdict } from '../shared/trust/peer-id';
import {
  CLOSE_ID_RECLAIMED,
  CLOSE_RATE_LIMITED,
  parseClientMessage,
  type ClientMessage,
  type ErrorCode,
  type Hello,
  type ServerMessage,
} from '../shared/wire/signal';
import type { RateLimiter } from './limits';
import type { PeerLink, Relay } from './relay';

/** The two things a session does to its socket. */
export interface SessionSocket extends PeerLink {
  close(code: number, reason: string): void;
}

export interface SessionContext {
  relay: Relay<SessionSocket>;
  /** Fresh random bytes for this connection alone (CHALLENGE_BYTES): its hello must sign them. */
  challenge: Uint8Array;
  /** Leading zero bits a hello's puzzle must have (PUZZLE_BITS). */
  puzzleBits: number;
  log: Logger;
  /** Remote address, for log lines. */
  address: string;
  /** Called for every error reply, so the server can count refused input. */
  onError(code: ErrorCode): void;
}

/**
 * One WebSocket connection: sends its challenge, rate-limits and decodes its frames, then runs one handler
 * per message type. Its id is the one its hello proved; another connection proving the same key takes it over.
 */
export class Session {
  private id: string | undefined;
  private closing = false;
  /** A hello's signature is being checked (WebCrypto is asynchronous); a second hello meanwhile is refused. */
  private proving = false;

  constructor(
    private readonly socket: SessionSocket,
    private readonly limiter: RateLimiter,
    private readonly ctx: SessionContext,
  ) {
    socket.send({ type: 'challenge', challenge: toBase64url(ctx.challenge) });
  }

  /** The id this connection proved, while no other connection has reclaimed it. */
  get peerId(): string | undefined {
    return this.id !== undefined && this.ctx.relay.holds(this.id, this.socket) ? this.id : undefined;
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
    const id = this.peerId;
    if (id !== undefined) {
      this.ctx.relay.unregister(id, this.socket);
      this.ctx.log.info('peer-leave', { id, reason });
    }
    this.id = undefined;
  }

  private dispatch(msg: ClientMessage): void {
    switch (msg.type) {
      case 'hello':
        return this.hello(msg);
      case 'signal':
        return this.signal(msg);
      case 'peers':
        return this.peers();
    }
  }

  private hello(msg: Hello): void {
    if (this.id !== undefined) return this.fail('bad-message', `hello: already registered as ${this.id}`);
    if (this.proving) return this.fail('bad-message', 'hello: the previous hello is still being checked');
    this.proving = true;
    // The parser checked the signature decodes.
    checkHelloProof(this.ctx.challenge, msg, fromBase64url(msg.signature)!, this.ctx.puzzleBits)
      .then((verdict) => this.proven(verdict))
      // Off the server's try/catch around receive(): a failure here must end as an error reply, not an unhandled rejection.
      .catch((err: unknown) => {
        this.ctx.log.warn('hello-failed', { address: this.ctx.address, message: errorMessage(err) });
        if (!this.closing) this.fail('bad-proof', 'hello: the proof could not be checked');
      })
      .finally(() => (this.proving = false));
  }

  private proven(verdict: ProofVerdict): void {
    if (this.closing) return;
    if (!verdict.ok) return this.fail('bad-proof', `hello: ${verdict.reason}`);
    const id = verdict.id;
    const displaced = this.ctx.relay.register(this.socket, id);
    this.id = id;
    this.socket.send({ type: 'welcome', id, peers: this.ctx.relay.sample(id) });
    this.ctx.log.info('peer-join', { id, address: this.ctx.address, ...(displaced && { reclaimed: true }) });
    displaced?.close(CLOSE_ID_RECLAIMED, 'another connection proved this key and took its id');
  }

  private signal(msg: Extract<ClientMessage, { type: 'signal' }>): void {
    const id = this.peerId;
    if (id === undefined) return this.fail('not-registered', 'send hello before signal');
    if (msg.from !== undefined && msg.from !== id) {
      return this.fail('spoofed-from', `from must be your own id ${id} or absent`, msg.from);
    }
    if (!this.ctx.relay.forward(id, msg.to, msg.data)) {
      this.fail('unknown-target', `no live peer with id ${msg.to}`, msg.to);
    }
  }

  private peers(): void {
    const id = this.peerId;
    if (id === undefined) return this.fail('not-registered', 'send hello before peers');
    this.socket.send({ type: 'peers', peers: this.ctx.relay.sample(id) });
  }

  private fail(code: ErrorCode, message: string, ref?: string): void {
    this.ctx.onError(code);
    this.ctx.log.debug('signal-error', { id: this.id, address: this.ctx.address, code, message });
    const reply: ServerMessage = { type: 'error', code, message };
    if (ref !== undefined) reply.ref = ref;
    this.socket.send(reply);
  }
}
