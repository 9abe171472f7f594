import { syncedKeyForPending } from '../../shared/keys.ts'
import { committedEntries, fetchTip, publish, TRAILER_SCAN_MARGIN_MS } from './branch.ts'
import { resolveContext, type EngineContext, type ResolvedContext } from './context.ts'
import { batchCommit, entryCommit, type CommitMode } from './entry-commits.ts'
import { markSynced } from './mark-synced.ts'
import { loadPendingEntries, oldestMillis, type PendingEntry } from './pending.ts'
import { quarantineObject } from './quarantine.ts'
import { commitReports, type CommitReport, type QuarantineReport } from './report.ts'

export interface SyncOptions {
  /** Report what would be committed and quarantined; write nothing anywhere. */
  dryRun?: boolean
  /** Take at most this many pending entries (the oldest); the rest wait for the next run. */
  maxEntries?: number
  commitMode?: CommitMode
}

export interface SyncResult {
  mode: 'sync'
  dryRun: boolean
  branch: string
  /** Pending entries found. */
  pending: number
  /** Entries marked synced (in a dry run: that would be). */
  synced: number
  /** Entries whose commit was already on the branch (an earlier run stopped before marking them). */
  alreadyCommitted: number
  commits: CommitReport[]
  quarantined: QuarantineReport[]
  /** Pending entries left for later runs by `maxEntries`. */
  remaining: number
  /** The branch tip after the run (null: the branch does not exist). */
  headSha: string | null
  pushAttempts: number
}

/**
 * `sync`: every pending entry becomes one commit (or one commit for the run, in `batch` mode) on the
 * branch, then is marked synced. Each step can be repeated: entries already carried by a commit on
 * the branch are only marked, so a run killed anywhere is finished by the next one without
 * duplicating or losing an entry.
 */
export async function runSync(engine: EngineContext, options: SyncOptions = {}): Promise<SyncResult> {
  const context = await resolveContext(engine)
  const { objects, logger, committer, branch } = context
  const dryRun = options.dryRun ?? false
  const batch = options.commitMode === 'batch'

  const loaded = await loadPendingEntries(objects, { schema: context.schema, maxEntries: options.maxEntries, progress: context.progress })
  logger.info(
    `${loaded.total} pending entr${loaded.total === 1 ? 'y' : 'ies'}` +
      (loaded.remaining > 0 ? `; this run takes the oldest ${loaded.total - loaded.remaining}` : ''),
  )

  const quarantined: QuarantineReport[] = []
  for (const bad of loaded.invalid) {
    logger.warning(`${dryRun ? 'would quarantine' : 'quarantined'} ${bad.key}: ${bad.reason}`)
    if (!dryRun) await quarantineObject(objects, bad.key, bad.text, bad.reason, context.now())
    quarantined.push({ key: bad.key, reason: bad.reason })
  }

  const entries = loaded.entries
  const result: SyncResult = {
    mode: 'sync',
    dryRun,
    branch,
    pending: loaded.total,
    synced: 0,
    alreadyCommitted: 0,
    commits: [],
    quarantined,
    remaining: loaded.remaining,
    headSha: null,
    pushAttempts: 0,
  }
  const oldest = oldestMillis(entries)
  const historySince = oldest === undefined ? undefined : new Date(oldest - TRAILER_SCAN_MARGIN_MS)
  const history = historySince ?? 'tip'

  if (entries.length === 0 || dryRun) {
    const tip = await fetchTip(context, history)
    const plan = await planSync(context, entries, tip, historySince)
    result.headSha = tip
    result.synced = entries.length
    result.alreadyCommitted = plan.onBranch.size
    result.commits = commitReports(plan.toCommit.map((item) => item.entry), [], batch)
    for (const report of result.commits) logger.info(`would commit: ${report.subject} (${report.oids.length} entr${report.oids.length === 1 ? 'y' : 'ies'})`)
    return result
  }

  const published = await publish(context, {
    history,
    plan: async (tip) => {
      const plan = await planSync(context, entries, tip, historySince)
      const committedAt = context.now()
      const toCommit = plan.toCommit.map((item) => item.entry)
      const commits = batch ? (toCommit.length > 0 ? [batchCommit(toCommit, committer, committedAt)] : []) : toCommit.map((entry) => entryCommit(entry, committer, committedAt))
      return { commits, value: plan }
    },
  })
  const { onBranch, toCommit } = published.value
  const shaOf = new Map(onBranch)
  toCommit.forEach((item, index) => shaOf.set(item.entry.oid, (batch ? published.shas[0] : published.shas[index]) as string))
  if (onBranch.size > 0) logger.info(`${onBranch.size} entr${onBranch.size === 1 ? 'y was' : 'ies were'} already on ${branch}; marking only`)

  await markSynced(
    objects,
    entries.map(({ key, entry }) => ({ syncedKey: syncedKeyForPending(key), pendingKey: key, entry, commitSha: shaOf.get(entry.oid) as string })),
    { repository: context.repository, now: context.now, logger, progress: context.progress },
  )

  result.synced = entries.length
  result.alreadyCommitted = onBranch.size
  result.commits = commitReports(toCommit.map((item) => item.entry), published.shas, batch)
  result.headSha = published.head
  result.pushAttempts = published.attempts
  return result
}

interface SyncPlan {
  /** oid → commit, for the run's entries the branch already carries. */
  onBranch: Map<string, string>
  toCommit: PendingEntry[]
}

async function planSync(context: ResolvedContext, entries: readonly PendingEntry[], tip: string | null, since: Date | undefined): Promise<SyncPlan> {
  if (entries.length === 0) return { onBranch: new Map(), toCommit: [] }
  const carried = await committedEntries(context.git, tip, since)
  const onBranch = new Map<string, string>()
  const toCommit: PendingEntry[] = []
  for (const item of entries) {
    const sha = carried.get(item.entry.oid)
    if (sha === undefined) toCommit.push(item)
    else onBranch.set(item.entry.oid, sha)
  }
  return { onBranch, toCommit }
}
