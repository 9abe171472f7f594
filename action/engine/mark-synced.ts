import type { CommitEntry, SyncedEntry } from '../../shared/commit-entry.ts'
import { entrySummaryMetadata } from '../../shared/entry-metadata.ts'
import { forEachConcurrently, type Bucket } from './bucket.ts'
import type { Logger } from './logger.ts'
import { silentProgress, type Progress } from './progress.ts'

export interface SyncedMark {
  /** The synced copy's key. */
  syncedKey: string
  /** The pending entry to delete once the copy is written; absent when re-marking (replay). */
  pendingKey?: string
  entry: CommitEntry
  commitSha: string
}

/** Entries per round: each round writes its synced copies, then deletes its pending keys in one batch call (S3 takes at most 1,000 keys per DeleteObjects). */
const MARK_CHUNK = 1000
const PUT_CONCURRENCY = 16

/** The synced copy: the entry as it was, plus where and when it landed. */
export function syncedEntryOf(entry: CommitEntry, commitSha: string, syncedAt: Date, repository?: string): SyncedEntry {
  // Rebuilt field by field so the fields of an earlier synced copy (a replay) are replaced, not kept.
  const { v, oid, tenant, message, author, actor, ts, paths, files } = entry
  const synced: SyncedEntry = { v, oid, tenant, message, author, ...(actor === undefined ? {} : { actor }), ts, paths, files, commit_sha: commitSha, synced_at: syncedAt.toISOString() }
  if (repository !== undefined) synced.repository = repository
  return synced
}

/**
 * Marks entries synced: the synced copy first (with the summary metadata the activity feed reads
 * from list calls), then the pending entry is deleted. In that order, a crash leaves at worst an
 * entry in both places, which the next run (finding its commit on the branch) marks again;
 * never an entry in neither. A chunk's batch delete runs while the next chunk's copies are written
 * (one delete in flight at a time), so the puts do not wait for it.
 */
export async function markSynced(
  objects: Bucket,
  marks: readonly SyncedMark[],
  options: { repository?: string; now: () => Date; logger: Logger; progress?: Progress },
): Promise<void> {
  const marking = (options.progress ?? silentProgress).phase('marking entries synced', marks.length)
  // Settles to the failure, never rejects: a delete that fails while copies are being written is
  // reported at the next step, not as an unhandled rejection.
  let deleting: Promise<{ error: unknown } | null> = Promise.resolve(null)
  const deleted = async (): Promise<void> => {
    const failed = await deleting
    if (failed !== null) throw failed.error
  }
  for (let start = 0; start < marks.length; start += MARK_CHUNK) {
    const chunk = marks.slice(start, start + MARK_CHUNK)
    const syncedAt = options.now()
    await forEachConcurrently(chunk, PUT_CONCURRENCY, async (mark) => {
      const synced = syncedEntryOf(mark.entry, mark.commitSha, syncedAt, options.repository)
      const metadata = entrySummaryMetadata(mark.entry, { commit_sha: mark.commitSha, ...(options.repository === undefined ? {} : { repository: options.repository }) })
      await objects.put(mark.syncedKey, JSON.stringify(synced), { metadata })
      marking.tick()
    })
    await deleted()
    const pending = chunk.flatMap((mark) => (mark.pendingKey === undefined ? [] : [mark.pendingKey]))
    const done = start + chunk.length
    deleting = (pending.length > 0 ? objects.delete(pending) : Promise.resolve()).then(
      () => {
        options.logger.info(`marked ${done} of ${marks.length} entries synced`)
        return null
      },
      (error: unknown) => ({ error }),
    )
  }
  await deleted()
  marking.end()
}
