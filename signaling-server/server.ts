import { ICE_CONFIG_PATH, type IceServer } from '../shared/wire/ice';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  MAX_SIGNAL_FRAME_BYTES,
  SIGNAL_MAX_CONNECTIONS_PER_IP,
  SIGNAL_PATH,
  SIGNAL_RATE_PER_SECOND,
} from '../shared/constants';
import type { Logger } from '../shared/ring/types';
import { CLOSE_GOING_AWAY, CLOSE_RATE_LIMITED, CLOSE_TOO_MANY_CONNECTIONS, type ErrorCode, type ServerMessage } from '../shared/wire/signal';
import {
  CONNECTION_BURST_PER_ADDRESS,
  CONNECTIONS_PER_SECOND_PER_ADDRESS,
  ConnectionCounter,
  ConnectionRate,
  MAX_CONNECTIONS,
  RateLimiter,
} from './limits';
import { CHALLENGE_BYTES, PUZZLE_BITS } from '../shared/trust/peer-id';
import { jsonLogger } from './log';
import { Relay } from './relay';
import { Session, type SessionSocket } from './session';
import { serveStatic } from './static-files';

/** A socket that has not answered a ping by the next one is dead: a crashed tab is dropped within two periods. */
const HEARTBEAT_MS = 10_000;
/**
 * Bytes queued for one peer that is not reading its socket. Signaling needs a few KiB per connection;
 * past this the peer is cut off, so a client that never reads cannot make the server buffer without bound.
 */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long close() waits for clients to answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 1_000;
const CLOSE_INTERNAL_ERROR = 1011;
/**
 * A socket must say hello within this long. Until then it holds one of its address's connection slots and
 * is nobody's peer, so a client that connects and stays silent could otherwise fill every slot.
 */
const HELLO_TIMEOUT_MS = 10_000;
/** Policy violation, as for a connection that keeps exceeding the rate. */
export const CLOSE_NO_HELLO = 1008;

/** Why the server cut connections off, as /healthz counts them. */
export type CloseReason =
  | 'too-many-connections'
  | 'connection-rate'
  | 'server-full'
  | 'frame-too-large' | 'rate-limited' | 'slow-consumer' | 'heartbeat' | 'no-hello' | 'internal-error';

export interface SignalServerOptions {
  host?: string;
  port?: number;
  /** The built page (Vite's dist/); without it only /healthz and the WebSocket are served. */
  staticDir?: string;
  maxFrameBytes?: number;
  ratePerSecond?: number;
  maxConnectionsPerIp?: number;
  /** New connections per second from one address, and the burst it may open at once. */
  connectionsPerSecondPerAddress?: number;
  connectionBurstPerAddress?: number;
  /** Open WebSockets in all, from every address. */
  maxConnections?: number;
  heartbeatMs?: number;
  helloTimeoutMs?: number;
  maxBufferedBytes?: number;
  /** Leading zero bits a hello's puzzle must have; PUZZLE_BITS unless a test lowers it to make many keys quickly. */
  puzzleBits?: number;
  /** STUN/TURN servers handed to every page at /config.json; none means host candidates only. */
  iceServers?: IceServer[];
  log?: Logger;
}

export interface SignalServer {
  /** http://host:port */
  url: string;
  port: number;
  /** Ids of the registered peers. */
  peers(): string[];
  close(): Promise<void>;
}

interface Connection {
  session: Session;
  /** Cleared at each ping, set by the pong. */
  alive: boolean;
  leaveReason?: string;
}

export async function startSignalServer(opts: SignalServerOptions = {}): Promise<SignalServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? jsonLogger();
  const ratePerSecond = opts.ratePerSecond ?? SIGNAL_RATE_PER_SECOND;
  const maxBufferedBytes = opts.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  const relay = new Relay<SessionSocket>();
  const perAddress = new ConnectionCounter(opts.maxConnectionsPerIp ?? SIGNAL_MAX_CONNECTIONS_PER_IP);
  const connectionRate = new ConnectionRate(
    opts.connectionsPerSecondPerAddress ?? CONNECTIONS_PER_SECOND_PER_ADDRESS,
    opts.connectionBurstPerAddress ?? CONNECTION_BURST_PER_ADDRESS,
  );
  const maxConnections = opts.maxConnections ?? MAX_CONNECTIONS;
  const errorCounts = new Map<ErrorCode, number>();
  const closeCounts = new Map<CloseReason, number>();
  const cutOff = (reason: CloseReason) => closeCounts.set(reason, (closeCounts.get(reason) ?? 0) + 1);
  const helloTimeoutMs = opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
  const live = new Map<WebSocket, Connection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes ?? MAX_SIGNAL_FRAME_BYTES });

  function accept(ws: WebSocket, address: string): void {
    // ws reports oversized frames and protocol violations here and then closes the socket itself. Without a
    // listener the 'error' event would throw and take the server down, even on a socket being refused.
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') cutOff('frame-too-large');
      log.warn('socket-error', { id: live.get(ws)?.session.peerId, address, message: err.message });
    });
    // 1013 (try again later) for all three: the tab's reconnect backoff is the right answer to each.
    const refuse = (reason: CloseReason, text: string) => {
      cutOff(reason);
      log.warn('connection-refused', { address, reason: text });
      ws.close(CLOSE_TOO_MANY_CONNECTIONS, text);
    };
    if (live.size >= maxConnections) return refuse('server-full', 'the server is full');
    if (!connectionRate.tryTake(address)) return refuse('connection-rate', 'too many new connections from your address');
    if (!perAddress.tryAcquire(address)) return refuse('too-many-connections', 'too many connections from your address');
    const send = (msg: ServerMessage) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxBufferedBytes) {
        conn.leaveReason = 'slow-consumer';
        cutOff('slow-consumer');
        log.warn('slow-consumer', { id: session.peerId, address, buffered: ws.bufferedAmount });
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(msg));
    };
    const session = new Session(
      {
        send,
        close: (code, reason) => {
          if (code === CLOSE_RATE_LIMITED) cutOff('rate-limited');
          ws.close(code, reason);
        },
      },
      new RateLimiter(ratePerSecond),
      {
        relay,
        log,
        address,
        challenge: new Uint8Array(randomBytes(CHALLENGE_BYTES)),
        puzzleBits: opts.puzzleBits ?? PUZZLE_BITS,
        onError: (code) => errorCounts.set(code, (errorCounts.get(code) ?? 0) + 1),
      },
    );
    const conn: Connection = { session, alive: true };
    live.set(ws, conn);
    const helloTimer = setTimeout(() => {
      if (session.peerId !== undefined || ws.readyState !== ws.OPEN) return;
      cutOff('no-hello');
      log.warn('no-hello', { address, afterMs: helloTimeoutMs });
      ws.close(CLOSE_NO_HELLO, `no hello within ${helloTimeoutMs} ms`);
    }, helloTimeoutMs);
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      try {
        session.receive(isBinary ? (data as Buffer) : data.toString());
      } catch (err) {
        // A bug in one session must not take the server down with it.
        log.warn('session-failed', { id: session.peerId, address, message: (err as Error).message });
        cutOff('internal-error');
        ws.close(CLOSE_INTERNAL_ERROR, 'internal error');
      }
    });
    ws.on('close', (code) => {
      clearTimeout(helloTimer);
      live.delete(ws);
      perAddress.release(address);
      session.end(conn.leaveReason ?? `closed ${code}`);
    });
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (requestPath(req) !== SIGNAL_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req.socket.remoteAddress ?? 'unknown'));
  }

  function request(req: IncomingMessage, res: ServerResponse): void {
    const path = requestPath(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    } else if (path === ICE_CONFIG_PATH) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify({ iceServers: opts.iceServers ?? [] }));
    } else if (path === '/healthz') {
      const body = {
        ok: true,
        peers: relay.ids().length,
        connections: live.size,
        errors: Object.fromEntries(errorCounts),
        closed: Object.fromEntries(closeCounts),
      };
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    } else if (opts.staticDir !== undefined) {
      serveStatic(opts.staticDir, path, req, res).catch((err: Error) => {
        log.warn('static-failed', { path, message: err.message });
        if (res.headersSent) res.destroy();
        else res.writeHead(500).end();
      });
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  }

  const http = createServer(request);
  http.on('upgrade', upgrade);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 8080, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address();
  if (address === null || typeof address === 'string') throw new Error('signal server is not listening on a TCP port');
  const port = address.port;

  const heartbeat = setInterval(() => {
    for (const [ws, conn] of live) {
      if (!conn.alive) {
        conn.leaveReason = 'heartbeat';
        cutOff('heartbeat');
        ws.terminate();
        continue;
      }
      conn.alive = false;
      ws.ping();
    }
  }, opts.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    peers: () => relay.ids(),
    close: () => (closing ??= shutdown()),
  };

  async function shutdown(): Promise<void> {
    clearInterval(heartbeat);
    const open = [...wss.clients].filter((ws) => ws.readyState !== ws.CLOSED);
    const closed = Promise.all(open.map((ws) => new Promise((resolve) => ws.once('close', resolve))));
    for (const ws of open) ws.close(CLOSE_GOING_AWAY, 'server shutting down');
    await settleWithin(closed, CLOSE_GRACE_MS);
    for (const ws of wss.clients) ws.terminate();
    await new Promise((resolve) => wss.close(resolve));
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  }
}

/** The path part of the request target, still percent-encoded. */
function requestPath(req: IncomingMessage): string {
  const target = req.url ?? '/';
  const end = target.search(/[?#]/);
  return end < 0 ? target : target.slice(0, end);
}

async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
