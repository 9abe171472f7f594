import type { AgiRecord } from '../../shared/agi/types.ts'
import { parseRecord } from '../../shared/agi/index.ts'
import { checkBooks } from '../../shared/domain/index.ts'
import { recoverAbandonedTransactions, type RecoveryReport } from '../../shared/git-store/index.ts'
import { DATA_PREFIX, gitPathOfRecordKey, parseRecordKey, recordKeyNamedByGitPath, recordKeyOfGitPath } from '../../shared/keys.ts'
import type { FastImportFile } from '../fast-import.ts'
import type { Bucket } from './bucket.ts'
import { fetchTip, publish } from './branch.ts'
import { checkIndexes, logIndexCheck, type IndexCheckResult } from './index-check.ts'
import { checkLedgerSummaries, logLedgerCheck, type LedgerCheckResult } from './ledger-check.ts'
import { foldCutoffsByTenant } from '../../shared/ledger/ledger-summary.ts'
import { readBucketTree, stillDrifted, type BucketFile } from './bucket-tree.ts'
import { resolveContext, type EngineContext, type ResolvedContext } from './context.ts'
import { loadPendingEntries, type PendingEntry } from './pending.ts'
import type { CommitReport } from './report.ts'

export interface VerifyOptions {
  /** Commit the bucket's state of every drifted file as one commit, and rebuild index entries from `data/`. */
  repair?: boolean
  /** Report only: no recovery pass, no commit. */
  dryRun?: boolean
}

/** `misplaced`: a record's file in git somewhere other than its place (the flat layout of old repositories, say). */
export type DriftKind = 'missing-in-git' | 'missing-in-bucket' | 'different' | 'misplaced'

export interface Drift {
  /** The record's key, as the bucket and the entries name it; for a file in git that names no record, its git path. */
  path: string
  /** Where in git: the record's place (`gitPathOfRecordKey`), or where a misplaced file sits. */
  gitPath: string
  kind: DriftKind
  bucketSha?: string
  gitSha?: string
}

export interface IntegrityProblem {
  /** `parse` for a record that does not read back, else a books rule (`unbalanced_entry`, ...). */
  rule: string
  path?: string
  message: string
}

export interface VerifyResult {
  mode: 'verify'
  dryRun: boolean
  branch: string
  /** Null in a dry run (the recovery pass writes). */
  recovery: RecoveryReport | null
  bucketFiles: number
  gitFiles: number
  /** Pending entries whose files were taken as already on the branch: sync will put them there. */
  pendingEntries: number
  /** Files written by a transaction still in flight: not compared this time. */
  unsettled: string[]
  drift: Drift[]
  integrity: IntegrityProblem[]
  /** Index entries that disagree with `data/` (derived data: `repair` rebuilds them). */
  indexes: IndexCheckResult
  /** The ledger summaries against the journal lines (see `checkLedgerSummaries`). */
  ledger: LedgerCheckResult
  /** The reconcile commit, when `repair` made one. */
  repaired: CommitReport | null
  headSha: string | null
}

/**
 * `verify`: finishes interrupted transactions, then compares the bucket's `data/` tree with the
 * branch's, file by file through blob SHAs (no blob is read from git). Pending entries count as
 * already on the branch, since the next sync puts them there; files of transactions still in
 * flight are left out. A record's file anywhere in git but its place (`gitPathOfRecordKey`) is drift
 * too. Also checks the books: every record parses, and `checkBooks` holds. With `repair`, the bucket's
 * state of every drifted file becomes one commit, which moves misplaced records to their place.
 */
export async function runVerify(engine: EngineContext, options: VerifyOptions = {}): Promise<VerifyResult> {
  const context = await resolveContext(engine)
  const { objects, logger, branch } = context
  const dryRun = options.dryRun ?? false

  let recovery: RecoveryReport | null = null
  if (!dryRun) {
    recovery = await recoverAbandonedTransactions(objects, { nowMs: context.now().getTime() })
    const finished = recovery.rolledForward.length + recovery.rolledBack.length
    if (finished > 0) logger.info(`finished ${finished} interrupted transaction(s): ${recovery.rolledForward.length} rolled forward, ${recovery.rolledBack.length} rolled back`)
    for (const corrupt of recovery.corrupt) logger.warning(`unreadable intent ${corrupt.key}: ${corrupt.reason}`)
  }

  // Which journal lines are settled enough to fold into a rebuilt ledger summary: decided before data/ is read.
  const settledBefore = await foldCutoffsByTenant(objects, context.now().getTime())
  const tree = await readBucketTree(objects, context.now().getTime(), context.progress)
  const bucket = tree.files
  const pending = await loadPendingEntries(objects, { schema: context.schema, progress: context.progress })
  // Only the tip's tree is compared: a shallow checkout need not be deepened.
  const tip = await fetchTip(context, 'tip')
  const expected = await expectedTree(context, tip, pending.entries)
  // A transaction that committed between the bucket's read and the entries' is not drift: its files moved.
  const candidates = compareTrees(bucket, expected, new Set(tree.unsettled))
  const { steady, moved } = await stillDrifted(objects, tree, candidates.map((item) => item.path))
  const unsettled = [...tree.unsettled, ...moved].sort()
  const drift = candidates.filter((item) => steady.has(item.path))
  logger.info(`compared ${bucket.size} file(s) in the bucket with ${expected.gitFiles} on ${branch}${pending.entries.length > 0 ? ` and ${pending.entries.length} pending entr${pending.entries.length === 1 ? 'y' : 'ies'}` : ''}: ${drift.length} drifted`)
  for (const item of drift.slice(0, 100)) logger.warning(`drift: ${item.path}: ${describeDrift(item)}`)
  if (drift.length > 100) logger.warning(`drift: … and ${drift.length - 100} more`)

  const integrity = checkIntegrity(context, bucket)
  for (const problem of integrity.slice(0, 100)) logger.warning(`integrity: ${problem.path ?? ''}${problem.path === undefined ? '' : ': '}${problem.message}`)
  if (integrity.length > 100) logger.warning(`integrity: … and ${integrity.length - 100} more`)
  const indexes = await checkIndexes(objects, context.schema, tree, { nowMs: context.now().getTime(), repair: options.repair === true && !dryRun, progress: context.progress })
  logIndexCheck(logger, indexes)
  const ledger = await checkLedgerSummaries(objects, context.schema, tree, { nowMs: context.now().getTime(), repair: options.repair === true && !dryRun, settledBefore })
  logLedgerCheck(logger, ledger)

  const result: VerifyResult = {
    mode: 'verify',
    dryRun,
    branch,
    recovery,
    bucketFiles: bucket.size,
    gitFiles: expected.gitFiles,
    pendingEntries: pending.entries.length,
    unsettled,
    drift,
    integrity,
    indexes,
    ledger,
    repaired: null,
    headSha: tip,
  }
  if (!options.repair || drift.length === 0) return result
  if (dryRun) {
    logger.info(`would commit reconcile: ${drift.length} files drifted`)
    return result
  }

  const published = await publish(context, {
    history: 'tip',
    plan: async (base) => {
      // Against the tip this attempt builds on, which may have moved since the report.
      const now = await expectedTree(context, base, pending.entries)
      // Never a file of a transaction not known to be committed: repair must not commit an in-flight write.
      const toFix = compareTrees(bucket, now, new Set(unsettled)).filter((item) => !unsettled.includes(item.path))
      const files = repairFiles(toFix, bucket, now)
      const at = context.now()
      const message = reconcileMessage(toFix)
      return { commits: toFix.length === 0 ? [] : [{ author: context.committer, authorDate: at, committer: context.committer, committerDate: at, message, files }], value: toFix }
    },
  })
  result.headSha = published.head
  if (published.shas.length > 0) {
    result.repaired = {
      sha: published.shas[0] as string,
      oids: [],
      tenants: [],
      subject: `reconcile: ${published.value.length} files drifted`,
      author: context.committer.name,
      date: context.now().toISOString(),
      files: published.value.length,
    }
  }
  return result
}

/** How an operator reads one drifted file: its kind, and where git holds it when that is not its place. */
export function describeDrift(item: Drift): string {
  return item.kind === 'misplaced' ? `misplaced at ${item.gitPath}` : item.kind
}

/**
 * The repair commit's files: the bucket's state at each record's place, every file out of place removed. A
 * misplaced record the bucket holds is written at its place in the same commit, so git sees a move.
 */
function repairFiles(drift: readonly Drift[], bucket: ReadonlyMap<string, BucketFile>, git: GitData): FastImportFile[] {
  const files = new Map<string, FastImportFile>()
  const putFromBucket = (key: string) => {
    const path = gitPathOfRecordKey(key)
    files.set(path, { path, content: (bucket.get(key) as BucketFile).text })
  }
  for (const item of drift) {
    if (item.kind === 'missing-in-git' || item.kind === 'different') putFromBucket(item.path)
    else if (!files.has(item.gitPath)) files.set(item.gitPath, { path: item.gitPath, delete: true })
    if (item.kind === 'misplaced' && bucket.has(item.path) && !git.tree.has(item.path)) putFromBucket(item.path)
  }
  return [...files.values()]
}

function reconcileMessage(drift: readonly Drift[]): string {
  const lines = drift.slice(0, 50).map((item) => `- ${item.path}: ${describeDrift(item)}`)
  if (drift.length > 50) lines.push(`- … and ${drift.length - 50} more`)
  return `reconcile: ${drift.length} files drifted\n\nThe bucket's state of each file, as found by verify:\n${lines.join('\n')}\n`
}

/** What git holds under `data/`, read through the key module: records at their place by key, every other file apart. */
interface GitData {
  /** Record key → blob SHA of the file at the record's place, with the pending entries applied on top, in order. */
  tree: Map<string, string>
  /** Files under `data/` that are not at a record's place: records out of place (`key`), or files that name none. */
  elsewhere: { gitPath: string; key: string | null; sha: string }[]
  gitFiles: number
}

async function expectedTree(context: ResolvedContext, tip: string | null, pending: readonly PendingEntry[]): Promise<GitData> {
  const tree = new Map<string, string>()
  const elsewhere: GitData['elsewhere'] = []
  let gitFiles = 0
  if (tip !== null) {
    for (const entry of await context.git.lsTree(tip, { paths: ['data'] })) {
      if (entry.type !== 'blob' || !entry.path.startsWith(DATA_PREFIX)) continue
      gitFiles += 1
      const key = keyAtPlace(entry.path)
      if (key !== null) tree.set(key, entry.sha)
      else elsewhere.push({ gitPath: entry.path, key: recordKeyNamedByGitPath(entry.path), sha: entry.sha })
    }
  }
  for (const { entry } of pending) {
    for (const file of entry.files) {
      if (file.op === 'put') tree.set(file.path, file.sha)
      else tree.delete(file.path)
    }
  }
  return { tree, elsewhere, gitFiles }
}

/** The record key of a file at its record's place in git, else null. */
function keyAtPlace(gitPath: string): string | null {
  try {
    return recordKeyOfGitPath(gitPath)
  } catch {
    return null
  }
}

function compareTrees(bucket: ReadonlyMap<string, BucketFile>, git: GitData, skip: ReadonlySet<string>): Drift[] {
  const drift: Drift[] = []
  const { tree } = git
  const moving = new Set<string>()
  for (const file of git.elsewhere) {
    if (file.key === null) {
      drift.push({ path: file.gitPath, gitPath: file.gitPath, kind: 'missing-in-bucket', gitSha: file.sha })
      continue
    }
    if (skip.has(file.key)) continue
    const inBucket = bucket.get(file.key)
    // A record whose place is empty but which git holds elsewhere is reported once, as misplaced: repair moves it.
    if (inBucket !== undefined && !tree.has(file.key)) moving.add(file.key)
    drift.push({ path: file.key, gitPath: file.gitPath, kind: 'misplaced', gitSha: file.sha, ...(inBucket === undefined ? {} : { bucketSha: inBucket.sha }) })
  }
  for (const [key, file] of bucket) {
    const gitSha = tree.get(key)
    if (gitSha === undefined) {
      if (!moving.has(key)) drift.push({ path: key, gitPath: gitPathOfRecordKey(key), kind: 'missing-in-git', bucketSha: file.sha })
    } else if (gitSha !== file.sha) drift.push({ path: key, gitPath: gitPathOfRecordKey(key), kind: 'different', bucketSha: file.sha, gitSha })
  }
  for (const [key, gitSha] of tree) {
    if (!bucket.has(key) && !skip.has(key)) drift.push({ path: key, gitPath: gitPathOfRecordKey(key), kind: 'missing-in-bucket', gitSha })
  }
  return drift.sort((a, b) => compareText(a.path, b.path) || compareText(a.gitPath, b.gitPath))
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Every record parses against the schema as the entity and id its key names, and the books rules hold. */
function checkIntegrity(context: ResolvedContext, bucket: ReadonlyMap<string, BucketFile>): IntegrityProblem[] {
  const problems: IntegrityProblem[] = []
  const records: AgiRecord[] = []
  for (const [path, file] of [...bucket].sort(([a], [b]) => (a < b ? -1 : 1))) {
    try {
      const { entity, id } = parseRecordKey(context.schema, path)
      records.push(parseRecord(file.text, context.schema, { file: path, expect: { entity, id } }).record)
    } catch (error) {
      problems.push({ rule: 'parse', path, message: error instanceof Error ? error.message : String(error) })
    }
  }
  for (const violation of checkBooks(records, context.schema)) {
    problems.push({ rule: violation.rule, ...(violation.key === undefined ? {} : { path: violation.key }), message: violation.message })
  }
  return problems
}
