import { entryCommit } from '../../../action/engine/entry-commits.ts'
import { DEFAULT_COMMITTER } from '../../../action/engine/context.ts'
import { silentLogger } from '../../../action/engine/logger.ts'
import { markSynced } from '../../../action/engine/mark-synced.ts'
import { loadPendingEntries } from '../../../action/engine/pending.ts'
import { quarantineObject } from '../../../action/engine/quarantine.ts'
import type { Bucket } from '../../../action/engine/bucket.ts'
import type { FastImportCommit } from '../../../action/fast-import.ts'
import { syncedKeyForPending } from '../../../shared/keys.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import type { ModelBranch } from './branch.ts'

export interface SyncRunOptions {
  bucket: Bucket
  branch: ModelBranch
  now: () => Date
  maxEntries?: number
  /** Lands the commits on the branch in one push (a scheduled step that can fail or die); returns their SHAs. */
  push: (commits: FastImportCommit[]) => Promise<string[]>
  log: (line: string) => void
}

/**
 * One run of the Action's `sync` against the modelled branch, with the engine's own modules for everything
 * that is not git: the pending listing and entry checks (`loadPendingEntries`), quarantine, the commit each
 * entry becomes (`entryCommit`, trailers included) and the marking (`markSynced`: synced copy, then delete).
 * The git part is modelled the way `runSync` does it: entries whose oid a commit already carries are only
 * marked; the others become one commit each, pushed at once.
 */
export async function syncRun(options: SyncRunOptions): Promise<void> {
  const { bucket, branch } = options
  const loaded = await loadPendingEntries(bucket, { schema: ERP_SCHEMA, maxEntries: options.maxEntries })
  for (const bad of loaded.invalid) {
    options.log(`quarantine ${bad.key}: ${bad.reason}`)
    await quarantineObject(bucket, bad.key, bad.text, bad.reason, options.now())
  }
  const entries = loaded.entries
  if (entries.length === 0) return
  const toCommit = entries.filter(({ entry }) => branch.commitOf(entry.oid) === undefined)
  const shaOf = new Map(entries.flatMap(({ entry }) => {
    const sha = branch.commitOf(entry.oid)
    return sha === undefined ? [] : [[entry.oid, sha] as const]
  }))
  if (toCommit.length > 0) {
    const committedAt = options.now()
    const shas = await options.push(toCommit.map(({ entry }) => entryCommit(entry, DEFAULT_COMMITTER, committedAt)))
    toCommit.forEach(({ entry }, index) => shaOf.set(entry.oid, shas[index] as string))
  }
  await markSynced(
    bucket,
    entries.map(({ key, entry }) => ({ syncedKey: syncedKeyForPending(key), pendingKey: key, entry, commitSha: shaOf.get(entry.oid) as string })),
    { now: options.now, logger: silentLogger },
  )
}
