/**
 * `npm run peer -- --data DIR --signal ws://HOST:PORT/signal`: a headless ring peer that keeps files on
 * disk. Logs are JSON lines (info and warnings; --verbose adds debug). SIGINT or SIGTERM leaves the ring
 * gracefully, then exits; a second signal exits at once.
 */
import { setMaxListeners } from 'node:events';
import { createConsoleLogger } from '../client/net/log';
import { errorMessage } from '../shared/ring/errors';
import { parseOptions, USAGE, UsageError, type PeerOptions } from './options';
import { startNodePeer, type NodePeer } from './peer';

/** A leave hands files to the successors; past this the peer exits anyway (its backups are on the next peers). */
const LEAVE_TIMEOUT_MS = 15_000;
const EXIT_USAGE = 2;
/**
 * The ring's session AbortSignal carries one listener per request in flight (16 per download window, several
 * transfers at once). Node warns of a leak past 10 listeners; browsers do not. A real leak still warns past this.
 */
const MAX_ABORT_LISTENERS = 4096;

function options(): PeerOptions {
  try {
    const parsed = parseOptions(process.argv.slice(2));
    if (parsed !== 'help') return parsed;
    console.log(USAGE);
    process.exit(0);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`ringshare peer: ${err.message}\n\n${USAGE}`);
    process.exit(EXIT_USAGE);
  }
}

function printStatus(peer: NodePeer): () => void {
  let last = '';
  return () => {
    const line = JSON.stringify({ scope: 'peer', event: 'status', ...peer.status() });
    if (line === last) return;
    last = line;
    console.log(line);
  };
}

async function main(): Promise<void> {
  const opts = options();
  setMaxListeners(MAX_ABORT_LISTENERS);
  const logger = (scope: string) => createConsoleLogger(scope, opts.verbose);
  const log = logger('peer');
  // A stray rejection inside a WebRTC library must not take down a peer that holds other people's files.
  process.on('unhandledRejection', (reason) => log.warn('unhandled-rejection', { reason: errorMessage(reason) }));

  // Handlers first: a signal while the server is still unreachable must exit cleanly too.
  let peer: NodePeer | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (!peer) {
      log.info('stopped', { signal, before: 'the signaling server answered' });
      process.exit(0);
    }
    if (stopping) {
      log.warn('stop-forced', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('stopping', { signal });
    const timer = setTimeout(() => {
      log.warn('leave-timed-out', { afterMs: LEAVE_TIMEOUT_MS });
      process.exit(1);
    }, LEAVE_TIMEOUT_MS);
    peer.stop().then(
      () => {
        clearTimeout(timer);
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.warn('stop-failed', { reason: errorMessage(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  peer = await startNodePeer({ dataDir: opts.dataDir, signalUrl: opts.signalUrl, logger });
  if (opts.status) {
    const print = printStatus(peer);
    peer.dht.on('change', print);
    print();
  }
}

main().catch((err: unknown) => {
  console.error(JSON.stringify({ scope: 'peer', event: 'failed', reason: errorMessage(err) }));
  process.exit(1);
});
