/** Where the files a node holds belong, by its own view of the ring: the decisions of replication, without I/O. */
import type { Routing } from '../routing';
import type { Address, StoredFile } from '../types';

export interface Placement {
  /** Files in the range we own (some may still be marked backups: promote them). Our backups must hold them. */
  owned: StoredFile[];
  /** Backups we hold, by the owner we hold them for: after joins that raced, a new owner can lack a file only its backups hold. */
  backedUp: Map<Address, StoredFile[]>;
  /** Files we should not own (a peer joined before us) or not hold at all: for their owner, before we let go. */
  misplaced: StoredFile[];
}

/** Sorts `files` by what `routing` says of their keys; a file whose place cannot be told yet stays as it is. */
export function place(files: Iterable<StoredFile>, routing: Routing, keyOf: (name: string) => bigint): Placement {
  const placement: Placement = { owned: [], backedUp: new Map(), misplaced: [] };
  for (const file of files) {
    const key = keyOf(file.meta.name);
    const role = routing.roleOf(key);
    if (role === 'file') {
      placement.owned.push(file);
    } else if ((role === 'backup' && file.role === 'file') || role === 'none') {
      placement.misplaced.push(file);
    } else if (role === 'backup') {
      const owner = routing.ownerBefore(key);
      if (owner === undefined) continue;
      const list = placement.backedUp.get(owner);
      if (list) list.push(file);
      else placement.backedUp.set(owner, [file]);
    }
  }
  return placement;
}
