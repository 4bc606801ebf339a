/** What the ring picture shows, as plain data: one dot per peer and per stored file. */
import type { Key, KnownPeer } from '../dht-api';
import { keyHex } from './format';
import { arcPath, ringPoint } from './ring-geometry';

/** Radii in the picture's own units (its viewBox is centred on 0). Files sit inside the peers' circle. */
export const PEER_RADIUS = 100;
export const FILE_RADIUS = 82;

export interface RingInput {
  m: number;
  n: Key;
  self: KnownPeer;
  successor: string;
  predecessor: string;
  peers: KnownPeer[];
  owned: { name: string; key: Key }[];
  backups: { name: string; key: Key }[];
}

export interface RingDot {
  kind: 'peer' | 'file';
  /** CSS classes: self / successor / predecessor for peers, owned / backup for files. */
  classes: string[];
  title: string;
  x: number;
  y: number;
}

export function ringDots(input: RingInput): RingDot[] {
  const peers = new Map<string, KnownPeer>();
  for (const peer of input.peers) peers.set(peer.address, peer);
  peers.set(input.self.address, input.self);

  const files = [
    ...input.owned.map((file) => fileDot(input, file, 'owned')),
    ...input.backups.map((file) => fileDot(input, file, 'backup')),
  ];
  // The tab's own dot is drawn last so it is never hidden under a neighbour's.
  const peerDots = [...peers.values()]
    .map((peer) => peerDot(input, peer))
    .sort((a, b) => Number(a.classes.includes('self')) - Number(b.classes.includes('self')));
  return [...files, ...peerDots];
}

/** The keys this tab answers for, (predecessor, self]; unknown until it has a predecessor. */
export function ownedRange(input: RingInput): string | undefined {
  const predecessor =
    input.predecessor === input.self.address
      ? input.self
      : input.peers.find((peer) => peer.address === input.predecessor);
  return predecessor && arcPath(predecessor.key, input.self.key, input.n, PEER_RADIUS);
}

function peerDot(input: RingInput, peer: KnownPeer): RingDot {
  const classes: string[] = [];
  if (peer.address === input.self.address) classes.push('self');
  if (peer.address === input.successor) classes.push('successor');
  if (peer.address === input.predecessor) classes.push('predecessor');
  const roles = classes.map((name) => (name === 'self' ? 'this tab' : name));
  const title = [peer.address, `key ${keyHex(peer.key, input.m)}`, ...roles].join('\n');
  return { kind: 'peer', classes, title, ...ringPoint(peer.key, input.n, PEER_RADIUS) };
}

function fileDot(input: RingInput, file: { name: string; key: Key }, role: 'owned' | 'backup'): RingDot {
  const title = [file.name, `key ${keyHex(file.key, input.m)}`, role === 'owned' ? 'owned here' : 'backup here'].join('\n');
  return { kind: 'file', classes: [role], title, ...ringPoint(file.key, input.n, FILE_RADIUS) };
}
