/**
 * Relay latency of the real signaling server with many WebSocket clients connected at once: every client
 * sends signals to the next client at a steady rate, and the time from send to delivery is recorded.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { SIGNAL_PATH } from '../shared/constants';
import { fromBase64url } from '../shared/trust/bytes';
import { generateIdentity } from '../shared/trust/identity';
import { peerKeyOf, signHello } from '../shared/trust/peer-id';
import { encodeHello, parseServerMessage } from '../shared/wire/signal';
import type { BenchPlan } from './options';
import type { Progress } from './progress';
import { median, quantile, round } from './stats';

export interface SignalingResult {
  clients: number;
  p50Ms: number;
  p99Ms: number;
  /** Signals each client sends per second while measured. */
  perClientPerSecond: number;
  /** Signals measured per run. */
  samples: number;
  runs: number;
}

const SERVER_ENTRY = fileURLToPath(new URL('./signal-server-process.ts', import.meta.url));
const PER_CLIENT_PER_SECOND = 5;
const MEASURE_MS = 4000;
const CONNECT_TIMEOUT_MS = 30_000;
/** Signals still in flight this long after the last send count as lost. */
const DRAIN_MS = 5000;
/** The relay is measured, not the hello: 1,000 keys made at once skip the puzzle (the proof is still signed and checked). */
const BENCH_PUZZLE_BITS = 0;

interface ServerProcess {
  port: number;
  stop(): Promise<void>;
}

async function startServerProcess(maxConnectionsPerIp: number): Promise<ServerProcess> {
  const child: ChildProcess = fork(SERVER_ENTRY, [String(maxConnectionsPerIp), String(BENCH_PUZZLE_BITS)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send('close');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('signaling server process did not report its port within 20 s')), 20_000);
      child.once('message', (msg) => {
        clearTimeout(timer);
        const port = (msg as { port?: unknown }).port;
        if (typeof port === 'number') resolve(port);
        else reject(new Error(`signaling server process sent ${JSON.stringify(msg)} instead of its port`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`signaling server process exited (${signal ?? `code ${code}`}) before listening`));
      });
    });
    return { port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface Client {
  ws: WebSocket;
  id: string;
}

/** Clients of one run: each signal carries its sequence number, so delivery can be matched to the send. */
class LoadClients {
  readonly sentAt: number[] = [];
  readonly latencies: number[] = [];
  private readonly sockets: WebSocket[] = [];
  private invalid = 0;
  private firstInvalid = '';

  /** Opens `count` clients, each registered with a hello. */
  async connect(port: number, count: number): Promise<Client[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${count} clients did not all get a welcome within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    });
    try {
      return await Promise.race([Promise.all(Array.from({ length: count }, () => this.open(port))), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  send(client: Client, to: string): void {
    const seq = this.sentAt.length;
    this.sentAt.push(performance.now());
    client.ws.send(JSON.stringify({ type: 'signal', to, data: { type: 'candidate', candidate: { candidate: `bench ${seq}` } } }));
  }

  /** Throws if the server sent anything but challenges, welcomes and the signals. */
  check(): void {
    if (this.invalid > 0) throw new Error(`${this.invalid} unexpected server messages, first: ${this.firstInvalid}`);
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  private async open(port: number): Promise<Client> {
    const key = peerKeyOf(await generateIdentity(), undefined, BENCH_PUZZLE_BITS);
    return new Promise<Client>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${SIGNAL_PATH}`);
      this.sockets.push(ws);
      ws.on('error', reject);
      ws.on('close', (code) => reject(new Error(`closed by the server (${code}) before welcome`)));
      ws.on('message', (data) => {
        const parsed = parseServerMessage(data.toString());
        if (!parsed.ok) return this.refuse(`${parsed.code}: ${parsed.message}`);
        const msg = parsed.msg;
        if (msg.type === 'challenge') {
          signHello(key, fromBase64url(msg.challenge)!).then(
            (signature) => ws.send(encodeHello({ publicKey: key.publicKey, nonce: key.nonce, signature })),
            reject,
          );
        } else if (msg.type === 'welcome') resolve({ ws, id: msg.id });
        else if (msg.type === 'signal' && msg.data.type === 'candidate') this.delivered(msg.data.candidate.candidate);
        else if (msg.type === 'error') this.refuse(`server error ${msg.code}: ${msg.message}`);
      });
    });
  }

  private delivered(text: string): void {
    const at = this.sentAt[Number(text.slice('bench '.length))];
    if (at === undefined) return this.refuse(`a signal nobody sent: ${text}`);
    this.latencies.push(performance.now() - at);
  }

  private refuse(reason: string): void {
    this.invalid++;
    this.firstInvalid ||= reason;
  }
}

/** One run: a fresh server and `count` clients; returns the latency of each delivered signal in ms. */
async function measureOnce(count: number): Promise<number[]> {
  const server = await startServerProcess(count + 16);
  const load = new LoadClients();
  try {
    const clients = await load.connect(server.port, count);
    const interval = 1000 / PER_CLIENT_PER_SECOND;
    const sends = Math.floor(MEASURE_MS / interval);
    // Each client starts at a random phase, so the load is steady rather than all clients at once.
    await Promise.all(
      clients.map(
        (client, i) =>
          new Promise<void>((resolve) => {
            const to = (clients[(i + 1) % clients.length] as Client).id;
            let sent = 0;
            const tick = () => {
              load.send(client, to);
              if (++sent < sends) setTimeout(tick, interval);
              else resolve();
            };
            setTimeout(tick, Math.random() * interval);
          }),
      ),
    );
    const drainEnd = performance.now() + DRAIN_MS;
    while (load.latencies.length < load.sentAt.length && performance.now() < drainEnd) await new Promise((resolve) => setTimeout(resolve, 20));
    load.check();
    const lost = load.sentAt.length - load.latencies.length;
    if (lost > 0) throw new Error(`${lost} of ${load.sentAt.length} signals were not delivered within ${DRAIN_MS} ms`);
    return load.latencies;
  } finally {
    await server.stop();
    load.close();
  }
}

export async function benchSignaling(plan: BenchPlan, progress: Progress): Promise<SignalingResult> {
  const p50s: number[] = [];
  const p99s: number[] = [];
  let samples = 0;
  for (let run = 0; run < plan.runs; run++) {
    const latencies = await measureOnce(plan.signalingClients);
    p50s.push(quantile(latencies, 0.5));
    p99s.push(quantile(latencies, 0.99));
    samples = latencies.length;
    progress('signaling-measured', { run: run + 1, clients: plan.signalingClients, samples, p50Ms: round(p50s.at(-1)!, 3), p99Ms: round(p99s.at(-1)!, 3) });
  }
  return {
    clients: plan.signalingClients,
    p50Ms: round(median(p50s), 3),
    p99Ms: round(median(p99s), 3),
    perClientPerSecond: PER_CLIENT_PER_SECOND,
    samples,
    runs: plan.runs,
  };
}
