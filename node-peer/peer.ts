/**
 * An always-on ring peer in a Node process, wired like a tab (client/main.ts): the same signaling client,
 * WebRTC transport and ring node, with werift for WebRTC, `ws` for the WebSocket and its files on disk.
 */
import { WebSocket } from 'ws';
import { BrowserDht } from '../client/dht/browser-dht';
import { createPeerTransport } from '../client/net/peer-transport';
import type { PeerTransport } from '../client/net/transport-contract';
import { SignalClient, type WebSocketClass } from '../client/net/signal-client';
import { errorMessage } from '../shared/ring/errors';
import type { PeerKey } from '../shared/trust/peer-id';
import type { Logger } from '../shared/ring/types';
import { lockDataDir } from './data-dir';
import { createFsStore } from './fs-store';
import { loadOrCreateIdentity } from './identity';
import { loadOrCreatePeerKey } from './peer-key';
import { installWebRtc } from './webrtc';

export interface NodePeerOptions {
  dataDir: string;
  signalUrl: string;
  /** A logger for each part (ring, signal, transport, store, peer). */
  logger(scope: string): Logger;
}

/** What the peer looks like from outside, as one JSON-able object. */
export interface PeerStatus {
  host: string;
  key: string;
  successor: string;
  predecessor: string;
  joined: boolean;
  files: string[];
  backUpFiles: string[];
  signal: string;
}

export interface NodePeer {
  readonly dht: BrowserDht;
  status(): PeerStatus;
  /** Leaves the ring (handing its files to its successors), then closes every connection and the data folder. */
  stop(): Promise<void>;
}

/** `ws` has the part of the browser's WebSocket the signaling client uses: addEventListener, send, close, readyState. */
function nodeWebSocket(log: Logger): WebSocketClass {
  return class extends WebSocket {
    constructor(url: string) {
      super(url);
      // An 'error' event nobody listens to would throw (EventEmitter); a 'close' follows it and the client reconnects from there.
      this.on('error', (err) => log.debug('signal-socket-error', { reason: err.message }));
    }
  } as unknown as WebSocketClass;
}

/** Starts the peer: resolves once the signaling server has named it; joining the ring goes on in the background. */
export async function startNodePeer(opts: NodePeerOptions): Promise<NodePeer> {
  installWebRtc();
  const log = opts.logger('peer');
  const release = lockDataDir(opts.dataDir);
  // However the process ends (a forced stop, a failure), the folder is free again for the next start.
  process.once('exit', release);
  const store = createFsStore(opts.dataDir, opts.logger('store'));
  let peerKey: PeerKey;
  try {
    await store.opened;
    peerKey = await loadOrCreatePeerKey(opts.dataDir, log);
  } catch (err) {
    release();
    throw err;
  }
  const identity = await loadOrCreateIdentity(opts.dataDir, log).catch((err: unknown) => {
    release();
    throw err;
  });
  let transport: PeerTransport | undefined;
  const signal = new SignalClient({
    url: opts.signalUrl,
    WebSocket: nodeWebSocket(opts.logger('signal')),
    peerKey,
    log: opts.logger('signal'),
  });
  const dht = new BrowserDht({
    status: () => signal.status,
    bootstrapPeers: () => signal.bootstrapPeers,
    askPeers: () => signal.askPeers(),
    transport: () => (transport = createPeerTransport({ signal, log: opts.logger('transport') })),
    store: () => store,
    identity,
    log: opts.logger('ring'),
  });
  signal.on('status', () => dht.statusChanged());
  dht.attach(await signal.ready());
  log.info('started', { id: dht.host, dataDir: opts.dataDir, signal: opts.signalUrl, writer: identity.fingerprint });
  dht.join().catch((err: unknown) => log.warn('auto-join-failed', { reason: errorMessage(err) }));

  let stopping: Promise<void> | undefined;
  return {
    dht,
    status: () => ({
      host: dht.host,
      key: String(dht.key),
      successor: dht.successor,
      predecessor: dht.predecessor,
      joined: dht.joined,
      files: dht.files,
      backUpFiles: dht.backUpFiles,
      signal: dht.status,
    }),
    stop: () =>
      (stopping ??= (async () => {
        try {
          await dht.leave();
        } finally {
          transport?.close();
          signal.close();
          release();
        }
      })()),
  };
}
