/**
 * This node's side of signed records (shared/trust): it signs the versions its writer puts and deletes, and
 * checks every record a peer sends before the version is stored, offered, promoted or served. A record is
 * checked once (cached by its bytes and signature), not per chunk or per request.
 */
import { fingerprintOf, type Identity } from '../trust/identity';
import { encodeRecord, describes, fileRecord, signRecord, tombstoneRoot, type FileRecord, type SignedRecord, type Tombstone } from '../trust/record';
import { claimOf } from '../trust/order';
import { fromBase64url } from '../trust/bytes';
import type { WireMeta } from '../wire/file-meta';
import type { DigestEntry } from '../wire/peer';
import { RingError } from './errors';
import type { FileMeta } from './types';

/** Checks `sig` is `publicKey`'s over `bytes` (shared/trust/identity verify, or the simulator's). */
export type Verify = (publicKey: string, bytes: Uint8Array, sig: Uint8Array) => Promise<boolean>;

/** Records whose check is remembered: a get or an offer of a known version then costs no signature check. */
export const CHECKED_RECORDS_KEPT = 4096;
/** Every tombstone is kept as a file of no chunks; its chunk size only has to be valid. */
const TOMBSTONE_CHUNK_SIZE = 1;

const decoder = new TextDecoder();

export function isTombstone(meta: WireMeta): boolean {
  return meta.signed?.record.kind === 'delete';
}

/** The metadata a tombstone is stored, moved and served under. */
export function tombstoneMeta(signed: SignedRecord<Tombstone>): FileMeta {
  return { name: signed.record.name, size: 0, chunkSize: TOMBSTONE_CHUNK_SIZE, chunks: 0, chunkHashes: [], root: tombstoneRoot(signed.record), signed };
}

/** The stored form of `meta` when it is a tombstone's. */
export function asTombstone(meta: WireMeta): FileMeta | undefined {
  const signed = meta.signed;
  return signed?.record.kind === 'delete' ? tombstoneMeta({ record: signed.record, sig: signed.sig }) : undefined;
}

/** What a digest tells of a version we hold: its record's claim when it has one. */
export function digestEntry(meta: WireMeta): DigestEntry {
  const entry = { name: meta.name, root: meta.root };
  if (!meta.signed) return entry;
  const { writer, version, deleted } = claimOf(meta.signed.record);
  return { ...entry, writer, version, deleted };
}

/** Two views of one signed record (the same bytes and signature). */
export function sameRecord(a: SignedRecord | undefined, b: SignedRecord | undefined): boolean {
  return !!a && !!b && a.sig === b.sig && decoder.decode(encodeRecord(a.record)) === decoder.decode(encodeRecord(b.record));
}

/** What a put of a name another key holds rejects with, on the holder and on the putter alike. */
export function nameTaken(name: string, writer: string): RingError {
  return new RingError('name-taken', `"${name}" belongs to another writer (${fingerprintOf(writer)}); choose another name`);
}

export class Records {
  private readonly checked = new Map<string, Promise<boolean>>();

  constructor(
    private readonly identity: Identity,
    private readonly verify: Verify,
  ) {}

  /** This node's writer key: what its puts and deletes are signed with. */
  get writer(): string {
    return this.identity.publicKey;
  }

  /** True when `meta` carries a record that describes it and that its writer signed. Never throws. */
  async valid(meta: WireMeta): Promise<boolean> {
    const signed = meta.signed;
    if (!signed || !describes(signed.record, meta)) return false;
    const bytes = encodeRecord(signed.record);
    const key = `${signed.sig}:${decoder.decode(bytes)}`;
    let check = this.checked.get(key);
    if (!check) {
      const sig = fromBase64url(signed.sig);
      check = sig ? this.verify(signed.record.writer, bytes, sig).catch(() => false) : Promise.resolve(false);
      if (this.checked.size >= CHECKED_RECORDS_KEPT) this.checked.delete(this.checked.keys().next().value!);
      this.checked.set(key, check);
    }
    return check;
  }

  /** `meta` with this writer's signed record of it as version `version`. */
  async signFile(meta: FileMeta, version: number, isPrivate: boolean): Promise<FileMeta> {
    const { signed: _, ...plain } = meta;
    const signed: SignedRecord<FileRecord> = await signRecord(this.identity, fileRecord(plain, version, this.writer, isPrivate));
    return { ...plain, signed };
  }

  /** The metadata of this writer's deletion of `name` at `version`, signed. */
  async signTombstone(name: string, version: number, deletedAt: number): Promise<FileMeta> {
    return tombstoneMeta(await signRecord(this.identity, { kind: 'delete', name, version, writer: this.writer, deletedAt }));
  }
}
