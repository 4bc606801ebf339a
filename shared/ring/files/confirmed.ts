/**
 * What peers last said about the versions we hold: which hold them (a digest said so, or an offer of ours
 * was stored) and which lack them. From it come a repair's risk (copies known missing) and the counts of owned
 * files that lack backups (NodeStats), so a tab can warn of a file that lives on one copy.
 */
import type { Address, StoredFile } from '../types';

/** Names of under-replicated files NodeStats lists at most, fewest copies first; the counts are complete. */
export const UNBACKED_LISTED = 20;

export interface UnderReplication {
  /** Owned files no backup is confirmed to hold. */
  filesAtOneCopy: number;
  /** Owned files one backup is confirmed to hold, with r above 2. */
  filesAtTwoCopies: number;
  /** Owned files with fewer than r confirmed copies, fewest first, at most UNBACKED_LISTED. */
  unbackedFiles: string[];
}

export class Confirmed {
  private readonly holders = new Map<string, Set<Address>>();
  private readonly lackers = new Map<string, Set<Address>>();

  holds(root: string, peer: Address): void {
    add(this.holders, root, peer);
    remove(this.lackers, root, peer);
  }

  lacks(root: string, peer: Address): void {
    add(this.lackers, root, peer);
    remove(this.holders, root, peer);
  }

  /** Peers known to lack `root`: a repair of a file two peers lack goes before one of a file one peer lacks. */
  risk(root: string): number {
    return this.lackers.get(root)?.size ?? 0;
  }

  /** Forgets versions we no longer hold. */
  retain(roots: ReadonlySet<string>): void {
    for (const map of [this.holders, this.lackers]) for (const root of map.keys()) if (!roots.has(root)) map.delete(root);
  }

  /** Our copy plus those of `backups` confirmed, for each owned file; the files short of `r`. */
  underReplication(owned: readonly StoredFile[], backups: readonly Address[], r: number): UnderReplication {
    const short: Array<{ name: string; copies: number }> = [];
    for (const { meta } of owned) {
      const held = this.holders.get(meta.root);
      const copies = 1 + backups.filter((peer) => held?.has(peer)).length;
      if (copies < r) short.push({ name: meta.name, copies });
    }
    short.sort((a, b) => a.copies - b.copies || (a.name < b.name ? -1 : 1));
    return {
      filesAtOneCopy: short.filter((f) => f.copies === 1).length,
      filesAtTwoCopies: short.filter((f) => f.copies === 2).length,
      unbackedFiles: short.slice(0, UNBACKED_LISTED).map((f) => f.name),
    };
  }
}

function add(map: Map<string, Set<Address>>, root: string, peer: Address): void {
  let set = map.get(root);
  if (!set) map.set(root, (set = new Set()));
  set.add(peer);
}

function remove(map: Map<string, Set<Address>>, root: string, peer: Address): void {
  const set = map.get(root);
  if (!set?.delete(peer)) return;
  if (set.size === 0) map.delete(root);
}
