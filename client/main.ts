/**
 * The page: connects to the signaling server, runs this tab's ring node over WebRTC with its files in
 * IndexedDB, signing as the browser profile's identity; exposes it as `window.dht`, and draws it. Joins by
 * itself unless the URL says `?join=manual`.
 */
import { BrowserDht } from './dht/browser-dht';
import { loadOrCreateIdentity } from './identity/idb-identity';
import { createConsoleLogger } from './net/log';
import { createPeerTransport } from './net/peer-transport';
import type { PeerTransport } from './net/transport-contract';
import { SignalClient } from './net/signal-client';
import { loadOrCreatePeerKey } from './identity/peer-key';
import { createIdbStore } from './storage/idb-store';
import { mountUi } from './ui/app';
import { loadIceServers } from './net/ice-config';
import { MAX_REPLICAS } from '../shared/constants';

declare global {
  interface Window {
    /** The tab's plumbing, for debugging from the console and for tests. */
    ringshare?: { signal: SignalClient; transport: PeerTransport | null };
  }
}

const log = createConsoleLogger('ring');
const params = new URLSearchParams(location.search);
/** `?links=N` fixes the connection budget at N open links (a positive integer); else it follows the ring's size. */
const maxLinks = Number(params.get('links') ?? NaN);
/** `?replicas=N` keeps N copies of every file (1..16, default 3); every tab of a ring must use the same N. */
const replicas = Number(params.get('replicas') ?? NaN);
/** `?memory-mib=N` holds downloads up to N MiB in memory (default 64); bigger ones go to the origin private file system. */
const memoryMiB = Number(params.get('memory-mib') ?? NaN);
// The socket connects while the ICE configuration loads: a new tab joins a round trip sooner.
const signal = new SignalClient({ peerKey: await loadOrCreatePeerKey(), log: createConsoleLogger('signal') });
const [iceServers, identity] = await Promise.all([loadIceServers(log), loadOrCreateIdentity()]);
const plumbing: { signal: SignalClient; transport: PeerTransport | null } = { signal, transport: null };
window.ringshare = plumbing;

const dht = new BrowserDht({
  status: () => signal.status,
  bootstrapPeers: () => signal.bootstrapPeers,
  askPeers: () => signal.askPeers(),
  transport: () => (plumbing.transport = createPeerTransport({ signal, log: createConsoleLogger('transport'), iceServers })),
  store: (id) => createIdbStore(id),
  identity,
  page: () => location.href,
  log,
  ...(Number.isInteger(replicas) && replicas >= 1 && replicas <= MAX_REPLICAS ? { config: { r: replicas } } : {}),
  ...(Number.isInteger(maxLinks) && maxLinks > 0 ? { maxLinks } : {}),
  ...(Number.isInteger(memoryMiB) && memoryMiB >= 0 ? { inMemoryDownloadBytes: memoryMiB * 1024 * 1024 } : {}),
});
window.dht = dht;
signal.on('status', () => dht.statusChanged());
// A page kept in the back/forward cache (persisted) may come back as it was: only a page that goes says goodbye.
addEventListener('pagehide', (event) => event.persisted || dht.goodbye());
mountUi(document.getElementById('app')!, dht);

dht.attach(await signal.ready());
if (params.get('join') !== 'manual') {
  dht.join().catch((err: unknown) => log.warn('auto-join-failed', { reason: err instanceof Error ? err.message : String(err) }));
}
