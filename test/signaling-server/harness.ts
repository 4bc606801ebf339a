/** Test helpers: a server whose clients are all closed in `finally`, a WebSocket client with bounded waits, a recording logger. */
import WebSocket, { type ClientOptions } from 'ws';
import { SIGNAL_PATH } from '../../shared/constants';
import { hashKey } from '../../shared/ring/id';
import type { Logger } from '../../shared/ring/types';
import { fromBase64url } from '../../shared/trust/bytes';
import { signHello, type PeerKey } from '../../shared/trust/peer-id';
import { encodeHello, parseServerMessage, type ServerMessage } from '../../shared/wire/signal';
import { startSignalServer, type SignalServer, type SignalServerOptions } from '../../signaling-server/server';
import { TEST_PUZZLE_BITS, freshPeerKey } from './peer-keys';

const WAIT_MS = 2000;

export type Welcome = Extract<ServerMessage, { type: 'welcome' }>;

export interface Closed {
  code: number;
  reason: string;
}

/**
 * Every frame the server sends must pass parseServerMessage, so these tests also check the server's output
 * schema. The connection's challenge is kept aside (`challenge()`), so `next()` sees what follows it.
 */
export class TestClient {
  private readonly inbox: ServerMessage[] = [];
  private challengeBytes: Uint8Array | undefined;
  private readonly waiting: Array<() => void> = [];
  private failure: Error | undefined;
  private closedWith: Closed | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const parsed = parseServerMessage(data.toString());
      if (parsed.ok && parsed.msg.type === 'challenge' && !this.challengeBytes) this.challengeBytes = fromBase64url(parsed.msg.challenge)!;
      else if (parsed.ok) this.inbox.push(parsed.msg);
      else this.failure ??= new Error(`server sent an invalid message (${parsed.code}: ${parsed.message}): ${data.toString()}`);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closedWith = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => {});
  }

  static open(baseUrl: string, options: ClientOptions & { path?: string } = {}): Promise<TestClient> {
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + (options.path ?? SIGNAL_PATH), options);
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** The challenge the server sent this connection first. */
  async challenge(timeoutMs = WAIT_MS): Promise<Uint8Array> {
    await this.until(() => this.challengeBytes !== undefined || this.closedWith !== undefined, timeoutMs, 'the challenge');
    if (!this.challengeBytes) throw new Error(`connection closed (${this.closedWith?.code}) before its challenge`);
    return this.challengeBytes;
  }

  /** Proves `key` over this connection's challenge: the hello every client sends. */
  async hello(key: PeerKey): Promise<void> {
    const signature = await signHello(key, await this.challenge());
    this.sendRaw(encodeHello({ publicKey: key.publicKey, nonce: key.nonce, signature }));
  }

  /** The next message, which must be of `type` when one is given. */
  async next<T extends ServerMessage['type']>(type?: T, timeoutMs = WAIT_MS): Promise<Extract<ServerMessage, { type: T }>> {
    await this.until(() => this.inbox.length > 0 || this.closedWith !== undefined, timeoutMs, `a message${type ? ` of type ${type}` : ''}`);
    const msg = this.inbox.shift();
    if (!msg) throw new Error(`connection closed (${this.closedWith?.code}) while waiting for a message`);
    if (type !== undefined && msg.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(msg)}`);
    return msg as Extract<ServerMessage, { type: T }>;
  }

  async closed(timeoutMs = WAIT_MS): Promise<Closed> {
    await this.until(() => this.closedWith !== undefined, timeoutMs, 'the connection to close');
    return this.closedWith as Closed;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.terminate();
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  private async until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.failure) throw this.failure;
  }
}

export interface RecordedLine {
  level: 'debug' | 'info' | 'warn';
  event: string;
  fields: Record<string, unknown>;
}

export function recordingLogger(): Logger & { lines: RecordedLine[] } {
  const lines: RecordedLine[] = [];
  const record = (level: RecordedLine['level']) => (event: string, fields: Record<string, unknown> = {}) =>
    void lines.push({ level, event, fields });
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn') };
}

/** Polls a condition with a deadline, for effects that are not messages (a log line, a registry entry). */
export async function eventually(check: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface Harness {
  server: SignalServer;
  log: ReturnType<typeof recordingLogger>;
  open(options?: ClientOptions & { path?: string }): Promise<TestClient>;
  /** Opens a client and registers it with a hello proving `key` (a fresh key when none is given). */
  join(key?: PeerKey): Promise<{ client: TestClient; welcome: Welcome }>;
}

/**
 * Runs `body` against a fresh server on a random port; the server and every client it opened are closed
 * afterwards. Its puzzle is TEST_PUZZLE_BITS unless `opts` say otherwise.
 */
export async function withServer(opts: SignalServerOptions, body: (h: Harness) => Promise<void>): Promise<void> {
  const log = recordingLogger();
  const server = await startSignalServer({ port: 0, log, puzzleBits: TEST_PUZZLE_BITS, ...opts });
  const clients: TestClient[] = [];
  const harness: Harness = {
    server,
    log,
    async open(options) {
      const client = await TestClient.open(server.url, options);
      clients.push(client);
      return client;
    },
    async join(key) {
      const client = await harness.open();
      await client.hello(key ?? (await freshPeerKey()));
      return { client, welcome: await client.next('welcome') };
    },
  };
  try {
    await body(harness);
  } finally {
    for (const client of clients) client.close();
    await server.close();
  }
}

export interface Health {
  ok: boolean;
  peers: number;
  connections: number;
  errors: Record<string, number>;
  closed: Record<string, number>;
}

export async function healthz(url: string): Promise<Health> {
  const res = await fetch(`${url}/healthz`);
  if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
  if (!/^application\/json/.test(res.headers.get('content-type') ?? '')) throw new Error('/healthz is not JSON');
  return (await res.json()) as Health;
}

/**
 * The test's own account of ring order, by sorting: the up to `each` ids before and after `id` among `ids`
 * (which include it) by the first 64 bits of SHA-256, wrapping around, distinct and without `id`.
 */
export function ringNeighbours(ids: readonly string[], id: string, each: number): Set<string> {
  const sorted = ids
    .map((peer) => ({ peer, key: hashKey(peer, 64) }))
    .sort((a, b) => (a.key !== b.key ? (a.key < b.key ? -1 : 1) : a.peer < b.peer ? -1 : 1))
    .map(({ peer }) => peer);
  const at = sorted.indexOf(id);
  const near = new Set<string>();
  for (let step = 1; step <= each; step++) {
    near.add(sorted[(at + step) % sorted.length] as string);
    near.add(sorted[(at - step + sorted.length * step) % sorted.length] as string);
  }
  near.delete(id);
  return near;
}
