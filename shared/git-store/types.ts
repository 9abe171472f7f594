import type { AgiRecord, Schema } from '../agi/types.ts'
import type { ObjectStore } from '../object-store/object-store.ts'

/** Who a commit is by: the token's identity becomes the git author. */
export interface Author {
  name: string
  email: string
}

/** A record as the store holds it, with the version (ETag) an edit must match. */
export interface StoredRecord {
  key: string
  record: AgiRecord
  version: string
  /** Fields present in the file that the schema does not declare (kept, reported). */
  unknownFields: string[]
}

/** The pending commit a transaction produced; the Action turns it into one git commit. */
export interface CommitRef {
  oid: string
  key: string
  ts: string
  message: string
  status: 'pending'
}

export interface GitStoreOptions {
  objects: ObjectStore
  schema: Schema
  tenant: string
  author: Author
  /** The token subject, recorded in the entry for audit. */
  actor?: string
  now?: () => Date
  newId?: () => string
  /**
   * Runs work that need not delay the answer (intent clean-up) — `ctx.waitUntil` in a Worker.
   * Without it the work is awaited before the call returns.
   */
  defer?: (work: Promise<unknown>) => void
  /**
   * Stop each transaction before its commit point; the caller commits it with `finishHeld` (or undoes it with
   * `abortHeld`) once it has recorded what it needs to: an idempotency key's answer is stored before the commit
   * point, so a call that committed always has its answer to replay.
   */
  holdCommit?: boolean
  /** Sleeps between retries; injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>
}
