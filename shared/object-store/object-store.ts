/**
 * The storage contract under `GitStore`: a key-value bucket with versions and conditional puts,
 * shaped after R2 so the R2 binding, the S3 API and the in-memory store can all honour it exactly.
 */

/** Small string metadata stored with an object and returned by `list` (R2 customMetadata). */
export type ObjectMetadata = Record<string, string>

export interface StoredObject {
  key: string
  /** Opaque version (the ETag, unquoted). R2 derives it from the content (MD5): equal bytes, equal version. */
  version: string
  text: string
  metadata: ObjectMetadata
}

export interface ListedObject {
  key: string
  version: string
  size: number
  metadata: ObjectMetadata
}

/**
 * When a put may happen. `{ ifVersion }` succeeds only if the current version is that one;
 * `{ ifAbsent: true }` only if no object exists under the key. A failed condition is not an error:
 * `put` returns null.
 */
export type PutCondition = { ifVersion: string } | { ifAbsent: true }

export interface PutOptions {
  condition?: PutCondition
  metadata?: ObjectMetadata
}

export interface ListOptions {
  prefix: string
  /** Continue after the previous page's `cursor`. */
  cursor?: string
  /** List keys strictly after this one (lexicographic). */
  startAfter?: string
  /** At most this many keys (the store may cap it at 1000). */
  limit?: number
}

/** Most keys one list call returns, in R2 and S3 alike. */
export const MAX_LIST_PAGE_SIZE = 1000

/**
 * The page size a list call asks for: `limit` capped at `MAX_LIST_PAGE_SIZE`, the cap itself when no limit
 * is given. A limit that is not a positive integer is a bug in the caller, so it throws.
 */
export function listPageSize(limit: number | undefined): number {
  if (limit === undefined) return MAX_LIST_PAGE_SIZE
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`list: limit must be a positive integer, got ${limit}`)
  return Math.min(limit, MAX_LIST_PAGE_SIZE)
}

export interface ListPage {
  objects: ListedObject[]
  /** Present when more keys follow. */
  cursor?: string
}

export interface ObjectStore {
  get(key: string): Promise<StoredObject | null>
  /** Returns the new version, or null when `condition` did not hold (never throws for that). */
  put(key: string, text: string, options?: PutOptions): Promise<{ version: string } | null>
  /** Unconditional; deleting a missing key is not an error. */
  delete(keys: string | readonly string[]): Promise<void>
  list(options: ListOptions): Promise<ListPage>
}
