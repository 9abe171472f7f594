import { pendingEntriesPrefix, pendingEntryKey, quarantineKey, syncedEntriesPrefix, syncedEntryKey, parsePendingEntryKey, parseSyncedEntryKey } from '../keys.ts'
import type { ObjectStore } from '../object-store/object-store.ts'

/** The transaction that last wrote an object, as its metadata tags it. */
export interface Writer {
  oid: string
  tenant: string
  /** The transaction's timestamp (its entry's `ts`), which also names its entry keys. */
  ms: number
}

/**
 * The one rule for "committed": a transaction is committed if and only if its entry exists under `commits/`,
 * `synced/` or `quarantine/`. The entry moves (the Action writes the synced or quarantined copy, then deletes the
 * pending one); the fact does not. So the pending key is read first and the other two after it: an entry that
 * moved between the reads is found in its new place.
 */
export async function isCommitted(objects: ObjectStore, writer: Writer, pending?: 'absent'): Promise<boolean> {
  const ts = new Date(writer.ms)
  const pendingKey = pendingEntryKey(writer.tenant, ts, writer.oid)
  if (pending === undefined && (await objects.get(pendingKey)) !== null) return true
  const [synced, quarantined] = await Promise.all([objects.get(syncedEntryKey(writer.tenant, ts, writer.oid)), objects.get(quarantineKey(pendingKey))])
  return synced !== null || quarantined !== null
}

/** How many list pages of each entry prefix a batch confirmation reads before leaving the rest to `isCommitted`. */
const MAX_CONFIRM_PAGES = 4

/**
 * Which of `writers` (one tenant's) are committed, from list calls instead of GETs per writer: entry keys sort
 * newest first, so the pending and synced entries at least as new as the oldest writer are one or two pages.
 * A writer not found is not proven uncommitted (its entry may be quarantined, or beyond the pages read): callers check it one by one.
 */
export async function committedAmong(objects: ObjectStore, tenant: string, writers: readonly Writer[]): Promise<Set<string>> {
  const committed = new Set<string>()
  if (writers.length === 0) return committed
  const wanted = new Set(writers.map((writer) => writer.oid))
  const oldestMs = Math.min(...writers.map((writer) => writer.ms))
  const collect = async (prefix: string, parse: (key: string) => { ms: number; oid: string }): Promise<void> => {
    let cursor: string | undefined
    for (let page = 0; page < MAX_CONFIRM_PAGES; page++) {
      const listed = await objects.list({ prefix, cursor })
      for (const object of listed.objects) {
        let parts: { ms: number; oid: string }
        try {
          parts = parse(object.key)
        } catch {
          continue
        }
        if (parts.ms < oldestMs) return
        if (wanted.has(parts.oid)) committed.add(parts.oid)
      }
      cursor = listed.cursor
      if (cursor === undefined) return
    }
  }
  // In parallel: an entry that moves between the two lists is merely not found, and is then checked one by one.
  await Promise.all([collect(pendingEntriesPrefix(tenant), parsePendingEntryKey), collect(syncedEntriesPrefix(tenant), parseSyncedEntryKey)])
  return committed
}
