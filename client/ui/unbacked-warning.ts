/**
 * The page's warning of files this tab owns that no backup is confirmed to hold: one crash of this tab from
 * lost (the counts are the node's, NodeStats from shared/ring/files/confirmed.ts). Every fresh put is at one
 * copy until its owner has made the backups, so a file is named only once it has been without one for
 * UNBACKED_GRACE_MS: a normal put never flashes the warning, and it clears once the backups are confirmed.
 */
import type { UnderReplication } from '../../shared/ring/files/confirmed';

/**
 * How long an owned file may be without a confirmed backup before the page says so. The backups of a small
 * file are confirmed within a second or so (the recovery benchmark: 100 files back to 1 + 2 copies in 809 ms);
 * a file of tens of MiB takes longer to copy (2.76 MB/s to three copies) and is named while it is copied.
 */
export const UNBACKED_GRACE_MS = 5_000;
/** Names the warning shows at the most; the count covers them all. */
export const UNBACKED_SHOWN = 5;

/** What the page reads of the node: its under-replication, as the replication round last counted it. */
export interface UnbackedSource {
  underReplication(): UnderReplication;
}

export interface UnbackedWarning {
  /** Owned files without a confirmed backup, past the grace period (with any the node counted but did not name). */
  count: number;
  /** The first UNBACKED_SHOWN of them. */
  names: string[];
}

/** Since when each owned file has been at one copy; what the warning says now. */
export class UnbackedWatch {
  private readonly since = new Map<string, number>();

  /** The warning for `report` at `nowMs`, or null when every file at one copy is still within its grace. */
  update(report: UnderReplication, nowMs: number): UnbackedWarning | null {
    // unbackedFiles lists the files short of r copies fewest first: those at one copy come first.
    const atOneCopy = report.unbackedFiles.slice(0, report.filesAtOneCopy);
    const listed = new Set(atOneCopy);
    for (const name of [...this.since.keys()]) if (!listed.has(name)) this.since.delete(name);
    for (const name of atOneCopy) if (!this.since.has(name)) this.since.set(name, nowMs);
    const overdue = atOneCopy.filter((name) => nowMs - this.since.get(name)! >= UNBACKED_GRACE_MS);
    if (overdue.length === 0) return null;
    // Past the names the node lists (UNBACKED_LISTED) only a count is known: those files count too.
    return { count: overdue.length + (report.filesAtOneCopy - atOneCopy.length), names: overdue.slice(0, UNBACKED_SHOWN) };
  }
}

export function unbackedText({ count, names }: UnbackedWarning): string {
  const more = count - names.length;
  const files = count === 1 ? '1 file this tab owns has' : `${count} files this tab owns have`;
  return `${files} no confirmed backup (one copy, here): ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}.`;
}

/** Shows `warning` in `element`, or hides it. */
export function showUnbacked(element: HTMLElement, warning: UnbackedWarning | null): void {
  element.hidden = warning === null;
  element.textContent = warning ? unbackedText(warning) : '';
  element.dataset.count = String(warning?.count ?? 0);
}
