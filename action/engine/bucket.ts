import type { ListedObject, ObjectStore, StoredObject } from '../../shared/object-store/object-store.ts'

/**
 * What the engine needs from the bucket: the `ObjectStore` contract plus whole listings, "folder"
 * listings and concurrent reads. `S3ObjectStore` is one; tests wrap it to inject faults.
 */
export interface Bucket extends ObjectStore {
  /** Every object under `prefix`, page after page, in key order; stopping early stops listing. */
  listAll(prefix: string, options?: { startAfter?: string }): AsyncIterable<ListedObject>
  /** The common prefixes one level below `prefix` (`synced/acme/` for `synced/`). */
  listPrefixes(prefix: string): Promise<string[]>
  /** `get` for many keys with bounded concurrency; results in the order of `keys`, null for missing ones. `onRead` after each key read. */
  getMany(keys: readonly string[], concurrency?: number, onRead?: () => void): Promise<(StoredObject | null)[]>
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight; the first failure is thrown once every started call settled. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++
      try {
        await fn(items[index] as T, index)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  if (failure !== undefined) throw failure.error
}
