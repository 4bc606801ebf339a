/**
 * `window.dht`: the node contract on top of a ChordNode running in this tab. Before the signaling server
 * has given the tab its id there is no node yet; the fields then describe a tab that is not in a ring.
 */
import { hashKey, publicKey, ringSize } from '../../shared/ring/id';
import { ChordNode, type RingConfig } from '../../shared/ring/node';
import type { UnderReplication } from '../../shared/ring/files/confirmed';
import type { Sink } from '../../shared/ring/files/get';
import { resolveConfig } from '../../shared/ring/config';
import { RingError, errorMessage, throwIfAborted } from '../../shared/ring/errors';
import { systemClock } from '../../shared/ring/system-clock';
import type { BlobStore, ChunkSource, FileMeta, Logger, Transport } from '../../shared/ring/types';
import type { Identity } from '../../shared/trust/identity';
import { keyToFragment, newFileKey } from '../../shared/trust/seal';
import type { ConnectionStatus, DhtApi, DhtEvents, Key, KnownPeer, ListEntry, ListOptions, PutResult, TransferOptions } from '../dht-api';
import { estimateRingSize, linkBudget, type LinkPolicy } from '../net/connection-budget';
import { Emitter } from '../net/emitter';
import { sourceFromBlob } from './blob-source';
import { IN_MEMORY_DOWNLOAD_BYTES, downloadFolder, downloadTarget, type DownloadFolder, type DownloadTarget } from './download-target';
import { fileLink, isPrivate, linkKey, openingSink, plainVersion, requireKey } from './private-files';
import { privateSourceFromBlob } from './private-source';
import { webDigest } from './web-digest';

export interface DhtDeps {
  status(): ConnectionStatus;
  /** Peers the signaling server suggested to bootstrap from. */
  bootstrapPeers(): string[];
  askPeers(): Promise<string[]>;
  transport(id: string): LinkedTransport;
  store(id: string): BlobStore;
  /** The browser profile's signing identity (client/identity), the writer of every file this tab puts. */
  identity: Identity;
  /** The page's URL, which share links are made from; without one (a Node peer) links are relative. */
  page?(): string;
  log: Logger;
  config?: Partial<RingConfig>;
  /** A fixed connection budget; by default it follows the ring's estimated size (connection-budget.ts). */
  maxLinks?: number;
  /** Downloads bigger than this go to the origin private file system (download-target.ts). */
  inMemoryDownloadBytes?: number;
}

type LinkedTransport = Transport & { connections(): string[]; setLinkPolicy(policy: LinkPolicy): void };

/** Rounds of trying the suggested peers before a tab starts a ring of its own. */
const JOIN_ROUNDS = 3;
const JOIN_RETRY_MS = 300;
/** A tab alone in its ring asks the server this often whether others are around. */
const LONELY_CHECK_MS = 3000;

export class BrowserDht implements DhtApi {
  readonly port = 0;
  readonly M: number;
  readonly N: Key;
  private node: ChordNode | null = null;
  private transport: LinkedTransport | null = null;
  private readonly events = new Emitter<DhtEvents>();
  private readonly config: RingConfig;
  private attached: Promise<ChordNode>;
  private downloads: DownloadFolder | undefined;
  private resolveAttached!: (node: ChordNode) => void;

  constructor(private readonly deps: DhtDeps) {
    this.config = resolveConfig(deps.config);
    this.M = this.config.m;
    this.N = publicKey(ringSize(this.M), this.M);
    this.attached = new Promise((resolve) => (this.resolveAttached = resolve));
    setInterval(() => void this.lookForCompany(), LONELY_CHECK_MS);
  }

  /** Gives the tab its node once the signaling server has named it. */
  attach(id: string): void {
    if (this.node) {
      if (this.node.address !== id) this.deps.log.warn('id-changed', { was: this.node.address, now: id });
      return;
    }
    this.transport = this.deps.transport(id);
    const node = new ChordNode({
      transport: this.transport,
      store: this.deps.store(id),
      clock: systemClock,
      random: Math.random,
      log: this.deps.log,
      digest: webDigest,
      identity: this.deps.identity,
      config: this.config,
      // The offer gate refuses a file that would not fit before pulling a chunk of it (issue 18's offer flood).
      storageEstimate: storageEstimate(),
    });
    node.on('change', () => this.events.emit('change', undefined));
    node.on('notice', (notice) => this.events.emit('notice', notice));
    this.node = node;
    this.transport.setLinkPolicy({
      budget: () => this.connectionBudget(),
      neighbours: () => new Set([...node.routing.successors, ...node.routing.predecessors, node.routing.predecessor].filter((a): a is string => a !== null && a !== id)),
      fingers: () => new Set(node.routing.fingers.filter((a): a is string => a !== null)),
      inRing: () => node.joined && !node.routing.alone,
    });
    this.resolveAttached(node);
    void node.start().then(() => this.events.emit('change', undefined));
  }

  /** The signaling connection went up or down. */
  statusChanged(): void {
    this.events.emit('change', undefined);
  }

  get host(): string {
    return this.node?.address ?? '';
  }
  get key(): Key {
    return publicKey(this.node?.key ?? 0n, this.M);
  }
  get successor(): string {
    return this.node?.successor ?? '';
  }
  get predecessor(): string {
    return this.node?.predecessor ?? '';
  }
  get files(): string[] {
    return this.node?.files ?? [];
  }
  get backUpFiles(): string[] {
    return this.node?.backUpFiles ?? [];
  }
  get joined(): boolean {
    return this.node?.joined ?? false;
  }
  get status(): ConnectionStatus {
    return this.deps.status();
  }
  get identity(): string {
    return this.deps.identity.publicKey;
  }
  get fingerprint(): string {
    return this.deps.identity.fingerprint;
  }

  hasher(text: string): Key {
    return publicKey(hashKey(text, this.M), this.M);
  }

  /** `address`: another tab's host to join through; '' for a new ring; omitted to use the peers the server suggests. */
  async join(address?: string): Promise<void> {
    const node = await this.attached;
    if (address !== undefined) return node.join(address || undefined);
    for (let round = 0; round < JOIN_ROUNDS; round++) {
      const peers = round === 0 ? this.deps.bootstrapPeers() : await this.deps.askPeers().catch(() => []);
      if (peers.length === 0) break;
      node.remember(peers);
      for (const peer of peers) {
        try {
          return await node.join(peer);
        } catch (err) {
          this.deps.log.info('join-attempt-failed', { via: peer, reason: errorMessage(err) });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS));
    }
    // Nobody to join: start a ring. Peers remembered above are tried again later, so two rings started at once merge.
    await node.join();
  }

  async leave(): Promise<void> {
    await this.node?.leave();
  }

  /** The page is going (pagehide): the neighbours take over our range now; our files stay in IndexedDB. */
  goodbye(): void {
    this.node?.goodbye();
  }

  put(file: File, options?: TransferOptions): Promise<PutResult>;
  put(name: string, data: Blob | ArrayBuffer | Uint8Array, options?: TransferOptions): Promise<PutResult>;
  async put(first: File | string, second?: Blob | ArrayBuffer | Uint8Array | TransferOptions, third?: TransferOptions): Promise<PutResult> {
    const node = this.requireJoined();
    const [name, blob, options] =
      typeof first === 'string' ? [first, toBlob(second as Blob | ArrayBuffer | Uint8Array), third] : [first.name, first, second as TransferOptions | undefined];
    const size = blob.size;
    const signal = options?.signal;
    throwIfAborted(signal, `put of ${name}`);
    let finished = false;
    // The ring may read the file from us after the put resolved (until its backups are made): not progress.
    const report = (done: number) => finished || options?.onProgress?.({ done: Math.min(size, done), total: size });
    // Progress: the first half is hashing the file, the second half is the owner reading it from us.
    const onHashed = (done: number, total: number) => report((done / total) * (size / 2));
    const fileKey = options?.private ? await newFileKey() : undefined;
    const source = fileKey
      ? await privateSourceFromBlob(name, blob, fileKey, webDigest, onHashed, signal)
      : await sourceFromBlob(name, blob, this.config.chunkSize, webDigest, onHashed, signal);
    let served = 0;
    const counted: ChunkSource = {
      meta: source.meta,
      read: async (index) => {
        const data = await source.read(index);
        served = Math.min(source.meta.size, served + data.length);
        report(size / 2 + (served / Math.max(1, source.meta.size)) * (size / 2));
        return data;
      },
    };
    try {
      const { writer } = await node.put(counted, { replicated: options?.replicated === true, private: fileKey !== undefined, ...(signal && { signal }) });
      report(size);
      const link = fileLink(this.deps.page?.(), name, fileKey && keyToFragment(fileKey));
      return { name, size, writer, link };
    } finally {
      finished = true;
    }
  }

  async delete(name: string, options?: Pick<TransferOptions, 'signal'>): Promise<void> {
    await this.requireJoined().delete(name, options?.signal ? { signal: options.signal } : {});
  }

  async get(name: string, options?: TransferOptions): Promise<Blob | null> {
    const node = this.requireJoined();
    const folder = (this.downloads ??= downloadFolder(node.address));
    const fileKey = options?.key === undefined ? undefined : await linkKey(options.key);
    let target: DownloadTarget | undefined;
    const add: Sink = (index, data) => target!.add(index, data);
    // A private version's chunks are opened on their way in; a public one's go as they are (a key is then unused).
    let sink = add;
    try {
      const meta = await node.get(name, (index, data) => sink(index, data), {
        onStart: async (version) => {
          if (target?.root === version.root) return;
          await target?.discard();
          const sealed = isPrivate(version);
          sink = sealed ? openingSink(requireKey(version, fileKey), add) : add;
          target = await downloadTarget(sealed ? plainVersion(version) : version, this.inMemoryDownloadBytes, folder, options?.saveTo, options?.download);
        },
        onProgress: (done, total) => options?.onProgress?.({ done, total }),
        ...(options?.signal && { signal: options.signal }),
      });
      if (!meta) return null;
      return await target!.file();
    } catch (err) {
      // An aborted or failed get gives its storage back: the file in the origin private file system goes.
      await target?.discard();
      throw err;
    }
  }

  async list(options?: ListOptions): Promise<ListEntry[]> {
    return (await this.requireJoined().list(options)).entries;
  }

  get inMemoryDownloadBytes(): number {
    return this.deps.inMemoryDownloadBytes ?? IN_MEMORY_DOWNLOAD_BYTES;
  }

  stored(name: string): FileMeta | undefined {
    return this.node?.stored(name);
  }

  knownPeers(): KnownPeer[] {
    const node = this.node;
    if (!node) return [];
    return [node.address, ...node.routing.known()].map((address) => ({ address, key: this.hasher(address) }));
  }

  /** Owned files short of r confirmed copies, as the node's replication round last counted them (the page's warning). */
  underReplication(): UnderReplication {
    const stats = this.node?.stats;
    return { filesAtOneCopy: stats?.filesAtOneCopy ?? 0, filesAtTwoCopies: stats?.filesAtTwoCopies ?? 0, unbackedFiles: [...(stats?.unbackedFiles ?? [])] };
  }

  connectionCount(): number {
    return this.transport?.connections().length ?? 0;
  }

  /** Most open links this tab keeps: `maxLinks` if given, else 2·ceil(log2 N) + r for the ring's estimated size N. */
  connectionBudget(): number {
    if (this.deps.maxLinks !== undefined) return this.deps.maxLinks;
    const node = this.node;
    const routing = node?.routing;
    if (!node || !routing || routing.alone) return linkBudget(1, this.config.r);
    const keys = (peers: string[]) => peers.map((peer) => node.keyOf(peer));
    const size = estimateRingSize({
      m: this.M,
      selfKey: node.key,
      successorKeys: keys(routing.successors.filter((a) => a !== node.address)),
      predecessorKeys: keys(routing.predecessors),
      wrapped: routing.predecessorsWrapped,
      // Every peer we hold a link to is in the ring too: in a small ring that is nearly all of it.
      known: new Set([...routing.known(), ...(this.transport?.connections() ?? [])]).size,
    });
    return linkBudget(size, this.config.r);
  }

  on<E extends keyof DhtEvents>(event: E, listener: (detail: DhtEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  private requireJoined(): ChordNode {
    if (!this.node?.joined) throw new RingError('not-joined', 'Not in a ring yet: wait until the page says joined.');
    return this.node;
  }

  private async lookForCompany(): Promise<void> {
    const node = this.node;
    if (!node?.joined || !node.routing.alone || this.status !== 'online') return;
    node.remember(await this.deps.askPeers().catch(() => []));
  }
}

function toBlob(data: Blob | ArrayBuffer | Uint8Array): Blob {
  return data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>]);
}

/** The origin's storage use and quota, where the browser says (every engine we test does). */
function storageEstimate(): (() => Promise<{ usage: number; quota: number }>) | undefined {
  if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return undefined;
  return async () => {
    const { usage = 0, quota = Number.POSITIVE_INFINITY } = await navigator.storage.estimate();
    return { usage, quota };
  };
}
