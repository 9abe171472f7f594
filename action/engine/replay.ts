import type { SyncedEntry } from '../../shared/commit-entry.ts'
import { MAX_ENTRY_MS, parseSyncedEntryKey, SYNCED_PREFIX } from '../../shared/keys.ts'
import { nodeGitBlobSha } from '../blob-sha.ts'
import type { Bucket } from './bucket.ts'
import { committedEntries, fetchTip, publish, TRAILER_SCAN_MARGIN_MS } from './branch.ts'
import { resolveContext, type EngineContext } from './context.ts'
import { batchCommit, entryCommit, type CommitMode } from './entry-commits.ts'
import { checkSyncedEntry } from './entry-check.ts'
import { markSynced } from './mark-synced.ts'
import { commitReports, type CommitReport, type QuarantineReport } from './report.ts'

export interface ReplayOptions {
  /** Entries whose `ts` is at or after this time; all history when omitted. */
  since?: Date
  /** Entries whose `ts` is at or before this time; up to now when omitted. */
  until?: Date
  dryRun?: boolean
  commitMode?: CommitMode
}

export interface ReplayResult {
  mode: 'replay'
  dryRun: boolean
  branch: string
  /** Synced entries in the range. */
  considered: number
  /** Entries committed again because the branch had lost them. */
  replayed: number
  /** Entries found on the branch under another commit than their synced copy names (history was rewritten); their copies now name the branch's commit. */
  relinked: number
  commits: CommitReport[]
  /** Synced copies that failed their checks: reported and left where they are (they are the history). */
  skipped: QuarantineReport[]
  headSha: string | null
  pushAttempts: number
}

interface SyncedItem {
  key: string
  entry: SyncedEntry
}

/**
 * `replay`: puts back on the branch the synced entries of a time range whose commits it no longer
 * has (after a history rewrite, or into a new data repository), oldest first, then points their
 * synced copies at the new commits. Entries the branch still carries are left alone, so running it
 * twice replays nothing the second time.
 */
export async function runReplay(engine: EngineContext, options: ReplayOptions = {}): Promise<ReplayResult> {
  const context = await resolveContext(engine)
  const { objects, logger, committer, branch } = context
  const dryRun = options.dryRun ?? false
  const batch = options.commitMode === 'batch'
  if (options.since !== undefined && options.until !== undefined && options.since.getTime() > options.until.getTime()) {
    throw new RangeError(`replay: since (${options.since.toISOString()}) is after until (${options.until.toISOString()})`)
  }

  const listing = context.progress.phase('listing synced entries')
  const keys = await syncedKeysInRange(objects, options.since, options.until, () => listing.tick())
  listing.end()
  const reading = context.progress.phase('reading synced entries', keys.length)
  const stored = await objects.getMany(keys, undefined, () => reading.tick())
  reading.end()
  const items: SyncedItem[] = []
  const skipped: QuarantineReport[] = []
  for (const [index, key] of keys.entries()) {
    const object = stored[index]
    if (object === null || object === undefined) continue
    const checked = await checkSyncedEntry(key, object.text, nodeGitBlobSha)
    if (checked.ok) {
      items.push({ key, entry: checked.entry })
    } else {
      logger.warning(`skipped ${key}: ${checked.reason}`)
      skipped.push({ key, reason: checked.reason })
    }
  }
  logger.info(`${items.length} synced entr${items.length === 1 ? 'y' : 'ies'} in range`)

  const historySince = options.since === undefined ? undefined : new Date(options.since.getTime() - TRAILER_SCAN_MARGIN_MS)
  const plan = async (tip: string | null) => {
    const carried = await committedEntries(context.git, tip, historySince)
    const missing = items.filter((item) => !carried.has(item.entry.oid))
    const moved = items.filter((item) => {
      const sha = carried.get(item.entry.oid)
      return sha !== undefined && sha !== item.entry.commit_sha
    })
    return { carried, missing, moved }
  }
  const result: ReplayResult = {
    mode: 'replay',
    dryRun,
    branch,
    considered: items.length,
    replayed: 0,
    relinked: 0,
    commits: [],
    skipped,
    headSha: null,
    pushAttempts: 0,
  }

  const history = historySince ?? 'all'
  if (dryRun || items.length === 0) {
    const tip = await fetchTip(context, history)
    const { missing, moved } = await plan(tip)
    result.headSha = tip
    result.replayed = missing.length
    result.relinked = moved.length
    result.commits = commitReports(missing.map((item) => item.entry), [], batch)
    for (const report of result.commits) logger.info(`would replay: ${report.subject} (${report.date})`)
    return result
  }

  const published = await publish(context, {
    history,
    plan: async (tip) => {
      const value = await plan(tip)
      const committedAt = context.now()
      const entries = value.missing.map((item) => item.entry)
      const commits = batch ? (entries.length > 0 ? [batchCommit(entries, committer, committedAt)] : []) : entries.map((entry) => entryCommit(entry, committer, committedAt))
      return { commits, value }
    },
  })
  const { carried, missing, moved } = published.value
  const marks = [
    ...missing.map((item, index) => ({ syncedKey: item.key, entry: item.entry, commitSha: (batch ? published.shas[0] : published.shas[index]) as string })),
    ...moved.map((item) => ({ syncedKey: item.key, entry: item.entry, commitSha: carried.get(item.entry.oid) as string })),
  ]
  if (marks.length > 0) await markSynced(objects, marks, { repository: context.repository, now: context.now, logger, progress: context.progress })

  result.replayed = missing.length
  result.relinked = moved.length
  result.commits = commitReports(missing.map((item) => item.entry), published.shas, batch)
  result.headSha = published.head
  result.pushAttempts = published.attempts
  return result
}

/**
 * Synced keys whose time lies in [since, until], oldest first. Each tenant's keys carry an inverted
 * time, so per tenant the range is one contiguous run of keys: listing starts right at `until` and
 * stops at the first key older than `since`, whatever the size of the history around it. `onFound` after each
 * key in range (progress).
 */
export async function syncedKeysInRange(objects: Bucket, since?: Date, until?: Date, onFound?: () => void): Promise<string[]> {
  const sinceMs = since?.getTime() ?? 0
  const untilMs = until?.getTime() ?? MAX_ENTRY_MS
  const found: { key: string; ms: number; oid: string }[] = []
  for (const tenantPrefix of await objects.listPrefixes(SYNCED_PREFIX)) {
    // A key whose 13 inverted digits are at least this (the time at most `until`) sorts after this
    // string, which is a proper prefix of every key with exactly these digits.
    const startAfter = `${tenantPrefix}${String(MAX_ENTRY_MS - Math.min(untilMs, MAX_ENTRY_MS)).padStart(13, '0')}`
    for await (const listed of objects.listAll(tenantPrefix, { startAfter })) {
      let parts: { ms: number; oid: string }
      try {
        parts = parseSyncedEntryKey(listed.key)
      } catch {
        continue
      }
      if (parts.ms < sinceMs) break
      if (parts.ms <= untilMs) {
        found.push({ key: listed.key, ...parts })
        onFound?.()
      }
    }
  }
  found.sort((a, b) => a.ms - b.ms || (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0))
  return found.map((item) => item.key)
}
