import type { Schema } from '../../shared/agi/types.ts'
import type { CommitEntry } from '../../shared/commit-entry.ts'
import { PENDING_PREFIX, parsePendingEntryKey } from '../../shared/keys.ts'
import { nodeGitBlobSha } from '../blob-sha.ts'
import type { Bucket } from './bucket.ts'
import { checkPendingEntry } from './entry-check.ts'
import { silentProgress, type Progress } from './progress.ts'

export interface PendingEntry {
  key: string
  entry: CommitEntry
}

export interface InvalidObject {
  key: string
  text: string
  reason: string
}

export interface PendingBatch {
  /** Valid entries of this run, oldest first. */
  entries: PendingEntry[]
  /** Objects of this run that must be quarantined. */
  invalid: InvalidObject[]
  /** Pending keys in the bucket when listed. */
  total: number
  /** Pending keys left for later runs by `maxEntries`. */
  remaining: number
}

/** Sort position of a pending key: (ms, oid). Keys of any other shape sort first, to be quarantined at once. */
function orderOf(key: string): [number, string] {
  try {
    const { ms, oid } = parsePendingEntryKey(key)
    return [ms, oid]
  } catch {
    return [-1, key]
  }
}

/**
 * Lists every pending entry (all tenants, all pages), orders them FIFO by the time and oid in their
 * keys (a listing is newest-first per tenant, so the global order must be rebuilt), keeps the oldest
 * `maxEntries`, fetches those concurrently and checks each one.
 */
export async function loadPendingEntries(objects: Bucket, options: { schema: Schema; maxEntries?: number; progress?: Progress }): Promise<PendingBatch> {
  const progress = options.progress ?? silentProgress
  const keys: string[] = []
  const listing = progress.phase('listing pending entries')
  for await (const listed of objects.listAll(PENDING_PREFIX)) {
    keys.push(listed.key)
    listing.tick()
  }
  listing.end()
  const ordered = keys
    .map((key) => ({ key, order: orderOf(key) }))
    .sort((a, b) => a.order[0] - b.order[0] || (a.order[1] < b.order[1] ? -1 : a.order[1] > b.order[1] ? 1 : 0))
    .map(({ key }) => key)
  const selected = options.maxEntries === undefined ? ordered : ordered.slice(0, options.maxEntries)
  const reading = progress.phase('reading pending entries', selected.length)
  const stored = await objects.getMany(selected, undefined, () => reading.tick())
  reading.end()

  const checked = await Promise.all(
    selected.map(async (key, index) => {
      const object = stored[index]
      // Gone since the listing: another run marked it synced meanwhile.
      if (object === null || object === undefined) return null
      return { key, text: object.text, result: await checkPendingEntry(key, object.text, options.schema, nodeGitBlobSha) }
    }),
  )
  const entries: PendingEntry[] = []
  const invalid: InvalidObject[] = []
  for (const item of checked) {
    if (item === null) continue
    if (item.result.ok) entries.push({ key: item.key, entry: item.result.entry })
    else invalid.push({ key: item.key, text: item.text, reason: item.result.reason })
  }
  return { entries, invalid, total: keys.length, remaining: keys.length - selected.length }
}

/** The time of the oldest of `entries`, or undefined when there are none. */
export function oldestMillis(entries: readonly { entry: { ts: string } }[]): number | undefined {
  if (entries.length === 0) return undefined
  return Math.min(...entries.map(({ entry }) => Date.parse(entry.ts)))
}
