/**
 * Builds a downloaded file as a Blob of Blobs, one per group of chunks: a Blob per chunk cost more than the rest
 * of a get (with 60 KiB chunks), and a single buffer would hold the whole file. Chunks come in any order; a full group
 * becomes a Blob at once, so at most the transfer window's spread is held as loose chunks.
 */
export const CHUNKS_PER_BLOB = 4;

export class BlobAssembler {
  private readonly loose = new Map<number, Uint8Array<ArrayBuffer>>();
  private readonly groups: Blob[] = [];

  add(index: number, data: Uint8Array): void {
    const group = Math.floor(index / CHUNKS_PER_BLOB);
    // A chunk again for a finished group: the download started over on a newer version, so the group is rebuilt.
    if (this.groups[group]) delete this.groups[group];
    this.loose.set(index, data as Uint8Array<ArrayBuffer>);
    this.seal(group, (group + 1) * CHUNKS_PER_BLOB);
  }

  /** The whole file of `chunks` chunks; throws if one is missing, which would be a bug in the download. */
  blob(chunks: number): Blob {
    const groups = Math.ceil(chunks / CHUNKS_PER_BLOB);
    if (groups > 0) this.seal(groups - 1, chunks);
    for (let g = 0; g < groups; g++) if (!this.groups[g]) throw new Error(`chunks of group ${g} of ${groups} are missing`);
    return new Blob(this.groups.slice(0, groups));
  }

  /** Makes chunks [group·CHUNKS_PER_BLOB, end) one Blob if they are all in. */
  private seal(group: number, end: number): void {
    const first = group * CHUNKS_PER_BLOB;
    for (let i = first; i < end; i++) if (!this.loose.has(i)) return;
    const parts: Array<Uint8Array<ArrayBuffer>> = [];
    for (let i = first; i < end; i++) {
      parts.push(this.loose.get(i)!);
      this.loose.delete(i);
    }
    this.groups[group] = new Blob(parts);
  }
}
