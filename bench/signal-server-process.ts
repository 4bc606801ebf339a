/**
 * The signaling server in a process of its own, so the bench's 1,000 clients and the relay do not share
 * one event loop (the latency measured is the relay's, not the clients' queue). Started by signaling.ts
 * through fork(): it reports `{ port }` over IPC and shuts down when told to or when its parent goes away.
 */
import type { Logger } from '../shared/ring/types';
import { startSignalServer } from '../signaling-server/server';

const maxConnectionsPerIp = Number(process.argv[2]);
const puzzleBits = Number(process.argv[3]);
if (!Number.isInteger(maxConnectionsPerIp) || maxConnectionsPerIp < 1 || !Number.isInteger(puzzleBits) || puzzleBits < 0) {
  throw new Error(`usage: signal-server-process.ts MAX_CONNECTIONS_PER_IP PUZZLE_BITS, got "${process.argv.slice(2).join(' ')}"`);
}
if (!process.send) throw new Error('signal-server-process.ts must be started with fork()');

// Warnings (refused connections, slow consumers) would mean the figure is wrong, so they reach the bench's stderr.
const log: Logger = {
  debug() {},
  info() {},
  warn: (event, fields) => process.stderr.write(`${JSON.stringify({ event: `server:${event}`, ...fields })}\n`),
};

// Every bench client comes from 127.0.0.1: the per-address connection rate would refuse all but the first burst.
const server = await startSignalServer({
  host: '127.0.0.1',
  port: 0,
  maxConnectionsPerIp,
  connectionsPerSecondPerAddress: maxConnectionsPerIp,
  connectionBurstPerAddress: maxConnectionsPerIp,
  puzzleBits,
  log,
});
process.send({ port: server.port });
const stop = () => void server.close().finally(() => process.exit(0));
process.on('message', (msg) => {
  if (msg === 'close') stop();
});
process.on('disconnect', stop);
