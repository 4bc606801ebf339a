/**
 * The shapes of signed records, with nothing else: the ring's types (FileMeta carries the record of its
 * version) and the wire name them without depending on how records are encoded, signed and parsed (record.ts).
 */

/** One version of a file. Sizes, counts and root are of the bytes stored (the ciphertext of a private file). */
export interface FileRecord {
  kind: 'file';
  name: string;
  /** Counts this writer's versions of the name, from 1; only ever compared among records of one writer. */
  version: number;
  size: number;
  chunkSize: number;
  chunks: number;
  /** Hex SHA-256 over the name and the chunk hashes (shared/transfer/meta rootOf). */
  root: string;
  /** The signer's public key string (shared/trust/identity). */
  writer: string;
  /** Encrypted in the writer's tab (shared/trust/seal); the key travels only in the share link. */
  private: boolean;
}

/** A deletion: beats the writer's files of this version and lower (shared/trust/order). */
export interface Tombstone {
  kind: 'delete';
  name: string;
  version: number;
  writer: string;
  /**
   * The writer's clock (ms since 1970) when it deleted. It only bounds how long holders keep the tombstone
   * (TOMBSTONE_TTL_MS): a writer that lies about it only shortens or keeps its own deletion.
   */
  deletedAt: number;
}

export type NameRecord = FileRecord | Tombstone;

export interface SignedRecord<R extends NameRecord = NameRecord> {
  record: R;
  /** base64url of the writer's signature over `encodeRecord(record)`. */
  sig: string;
}
