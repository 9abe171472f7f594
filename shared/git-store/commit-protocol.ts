import { serializeRecord } from '../agi/index.ts'
import type { AgiRecord, Schema } from '../agi/types.ts'
import { gitBlobSha } from '../blob-sha.ts'
import type { CommitEntry } from '../commit-entry.ts'
import { entrySummaryMetadata } from '../entry-metadata.ts'
import { AccelerandoError } from '../errors.ts'
import { intentKey, pendingEntryKey } from '../keys.ts'
import { encodeMetadataText } from '../metadata-text.ts'
import type { ObjectStore } from '../object-store/object-store.ts'
import { isRecordWrite } from './index-entries.ts'
import { serializeIntent, type Intent, type IntentOp } from './intent.ts'
import { META_AGI, META_AGI_MAX_BYTES, META_DELETING, META_TX, META_TX_MS } from './record-metadata.ts'
import { TX_DEADLINE_MS } from './time-limits.ts'
import { IndexEntryRaceError, LostRaceError, type StagedWrite } from './transaction.ts'
import type { Author, CommitRef } from './types.ts'

export interface CommitRequest {
  objects: ObjectStore
  schema: Schema
  tenant: string
  author: Author
  actor?: string
  oid: string
  ts: Date
  message: string
  writes: StagedWrite[]
  nowMs: () => number
  /** Confirms the transaction's deferred reads; runs while the intent is written, before any record is. */
  confirmReads?: () => Promise<void>
  /** Checks made in the same round trip as the record puts (the records the writes reference are unchanged). */
  checkWhileApplying?: () => Promise<void>
  /** Checks that must see this transaction's writes landed (a delete's referrers, after its claim): before the commit point. */
  checkAfterApplying?: () => Promise<void>
  /** Runs the clean-up after the answer (`ctx.waitUntil`); without it the clean-up is awaited. */
  defer?: (work: Promise<unknown>) => void
}

export interface CommitResult {
  commit: CommitRef
  /** New version of every record written (deleted records are absent). */
  versions: Map<string, string>
}

/** A transaction whose records are in place, waiting for its commit point (or to be undone). */
export interface PreparedCommit {
  readonly oid: string
  readonly entryKey: string
  /** New version of every record written (deleted records are absent). */
  readonly versions: Map<string, string>
  readonly commit: CommitRef
  /** Writes the entry (the commit point), then cleans up. `CommitOutcomeUnknownError` if the entry's put fails. */
  finish(): Promise<CommitResult>
  /** Undoes the writes (the transaction never commits); the intent stays if any write's outcome is unknown. */
  abort(): Promise<void>
}

/** The commit could not be confirmed either way; its intent is left for the recovery pass to resolve. */
export class CommitOutcomeUnknownError extends AccelerandoError {
  readonly code = 'commit_outcome_unknown'
  readonly oid: string

  constructor(oid: string, cause: unknown) {
    super(`transaction ${oid} could not be confirmed; the recovery pass will finish or undo it`)
    this.oid = oid
    this.cause = cause
  }
}

/** Writes one transaction with the crash-safe protocol (see `prepareCommit`) and commits it. */
export async function commitTransaction(request: CommitRequest): Promise<CommitResult> {
  return (await prepareCommit(request)).finish()
}

/**
 * The crash-safe protocol up to its commit point:
 * 1. prepare — the intent (create-only) holds every previous and next state;
 * 2. apply — conditional puts of every record in parallel, each tagged with the transaction id (a delete first
 *    *claims* its record with a put of new bytes, so every version a concurrent writer could hold is stale);
 * then `finish()`:
 * 3. commit — the pending entry (create-only): the commit point;
 * 4. clean up — deleted records (those still this transaction's) and the intent (deferrable: recovery rolls it forward).
 * A lost race or a failed check in step 2 undoes what was applied and throws. Whenever a write's outcome is unknown
 * (its call failed, and may have landed), the intent stays and the recovery pass decides.
 */
export async function prepareCommit(request: CommitRequest): Promise<PreparedCommit> {
  const { objects, oid, writes } = request
  const startedMs = request.nowMs()
  const ts = request.ts.toISOString()
  const entryKey = pendingEntryKey(request.tenant, request.ts, oid)
  const ownIntentKey = intentKey(request.tenant, oid)
  // An index entry's text is its record's: serialized once per record.
  const serialized = new Map<AgiRecord, string>()
  const textOf = (record: AgiRecord): string => serialized.get(record) ?? serialized.set(record, serializeRecord(record, request.schema)).get(record)!
  const texts = writes.map((write) => (write.guardText !== undefined ? write.guardText : write.kind === 'delete' ? null : textOf(write.record)))
  const entry = await buildEntry(request, ts, texts)

  const ops: IntentOp[] = writes.map((write) => ({
    key: write.key,
    kind: write.kind,
    expected_version: write.expectedVersion,
    previous: write.previous,
  }))
  const intent: Intent = { v: 1, oid, tenant: request.tenant, started_ms: startedMs, entry_key: entryKey, entry, ops }
  const [prepared, confirmed] = await Promise.allSettled([
    objects.put(ownIntentKey, serializeIntent(intent), { condition: { ifAbsent: true } }),
    request.confirmReads?.(),
  ])
  // A failed intent put may have landed: the recovery pass removes it (no record carries this transaction's tag).
  if (prepared.status === 'rejected') throw prepared.reason
  if (prepared.value === null) throw new Error(`transaction id ${oid} is already in use`)
  if (confirmed.status === 'rejected') {
    await objects.delete(ownIntentKey).catch(() => undefined)
    throw confirmed.reason
  }

  // The tag names the transaction and its timestamp, which is also what names its entry keys.
  const tag = { [META_TX]: oid, [META_TX_MS]: String(request.ts.getTime()) }
  const puts = writes.map((write, index) => {
    const metadata: Record<string, string> = { ...tag }
    let text: string
    if (write.kind === 'delete') {
      metadata[META_DELETING] = '1'
      // New bytes, unique to this transaction: R2's version is a digest of the body, so re-putting the same bytes
      // would leave a concurrent writer's version valid.
      text = claimText(write.key, oid)
    } else {
      text = texts[index] as string
      const copy = encodeMetadataText(text)
      if (write.guardText === undefined && copy.length <= META_AGI_MAX_BYTES) metadata[META_AGI] = copy
    }
    const condition = write.expectedVersion === null ? { ifAbsent: true as const } : { ifVersion: write.expectedVersion }
    return objects.put(write.key, text, { condition, metadata })
  })
  const [outcomes, checked] = await Promise.all([Promise.allSettled(puts), settle(request.checkWhileApplying?.())])
  const versions = new Map<string, string>()
  const unknown: StagedWrite[] = []
  let lost: StagedWrite | undefined
  let failure: unknown
  outcomes.forEach((outcome, index) => {
    const write = writes[index] as StagedWrite
    if (outcome.status === 'rejected') {
      failure ??= outcome.reason
      unknown.push(write)
    } else if (outcome.value === null) {
      // A record's lost race says more than an index entry's (which may only be out of step): it is the one reported.
      if (lost === undefined || (lost.indexOf !== undefined && write.indexOf === undefined)) lost = write
    } else versions.set(write.key, outcome.value.version)
  })
  const undo = async (): Promise<void> => rollBack(objects, { writes, versions, unknown, oid, intentKey: ownIntentKey })
  if (lost !== undefined || failure !== undefined) {
    await undo()
    if (lost?.indexOf !== undefined) throw new IndexEntryRaceError(lost.entity, lost.id)
    if (lost !== undefined) throw new LostRaceError(lost.entity, lost.id)
    throw failure
  }
  if (checked !== undefined) {
    await undo()
    throw checked.error
  }
  const after = await settle(request.checkAfterApplying?.())
  if (after !== undefined) {
    await undo()
    throw after.error
  }

  const commit: CommitRef = { oid, key: entryKey, ts, message: request.message, status: 'pending' }
  let settled = false
  return {
    oid,
    entryKey,
    versions,
    commit,
    abort: async () => {
      if (settled) return
      settled = true
      await undo()
    },
    finish: async () => {
      if (settled) throw new Error(`transaction ${oid} was already finished or undone`)
      settled = true
      if (request.nowMs() - startedMs > TX_DEADLINE_MS) {
        await undo()
        throw new Error(`transaction ${oid} ran past its ${TX_DEADLINE_MS} ms deadline and was undone`)
      }
      try {
        const written = await objects.put(entryKey, JSON.stringify(entry), { condition: { ifAbsent: true }, metadata: entrySummaryMetadata(entry) })
        // Taken already: only this transaction writes this key, so an earlier attempt of this very put landed.
        if (written === null) throw new Error(`entry ${entryKey} already exists`)
      } catch (error) {
        // The put may or may not have landed; only the recovery pass, once this writer is surely gone, may decide.
        throw new CommitOutcomeUnknownError(oid, error)
      }
      // The transaction is committed: a failed clean-up is not the caller's failure; recovery rolls it forward.
      const cleanUpWork = cleanUp(objects, writes, versions, ownIntentKey).catch(() => undefined)
      if (request.defer !== undefined) request.defer(cleanUpWork)
      else await cleanUpWork
      const answered = new Map(versions)
      for (const write of writes) if (write.kind === 'delete') answered.delete(write.key)
      return { commit, versions: answered }
    },
  }
}

/** What a delete's claim puts in place of the record until its clean-up removes it: never read as a record. */
function claimText(key: string, oid: string): string {
  return `# ${key} is being deleted by transaction ${oid}\n`
}

async function settle(work: Promise<unknown> | undefined): Promise<{ error: unknown } | undefined> {
  if (work === undefined) return undefined
  try {
    await work
    return undefined
  } catch (error) {
    return { error }
  }
}

/** The entry names the records only: guard objects and index entries are derived data, never in git. */
async function buildEntry(request: CommitRequest, ts: string, texts: (string | null)[]): Promise<CommitEntry> {
  const records = request.writes.flatMap((write, index) => (isRecordWrite(write) ? [{ write, content: texts[index] }] : []))
  const files = await Promise.all(
    records.map(async ({ write, content }) => {
      if (content === null || content === undefined) return { path: write.key, op: 'delete' as const }
      return { path: write.key, op: 'put' as const, sha: await gitBlobSha(content), content }
    }),
  )
  const entry: CommitEntry = {
    v: 1,
    oid: request.oid,
    tenant: request.tenant,
    message: request.message,
    author: request.author,
    ts,
    paths: records.map(({ write }) => write.key),
    files,
  }
  if (request.actor !== undefined) entry.actor = request.actor
  return entry
}

interface Undo {
  writes: StagedWrite[]
  /** Writes known to have landed, with the version they made. */
  versions: Map<string, string>
  /** Writes whose put failed: they may have landed, now or later. */
  unknown: StagedWrite[]
  oid: string
  intentKey: string
}

/**
 * Undoes this transaction's writes, each conditional on the version it made (a write of unknown outcome is undone
 * if it is found in place). The intent is removed only when nothing of this transaction can still land: any write
 * of unknown outcome, or an undo that failed, leaves it for the recovery pass.
 */
async function rollBack(objects: ObjectStore, undo: Undo): Promise<void> {
  const undone = await Promise.allSettled(
    undo.writes.map(async (write) => {
      let version = undo.versions.get(write.key)
      if (version === undefined && undo.unknown.includes(write)) {
        const current = await objects.get(write.key)
        if (current !== null && current.metadata[META_TX] === undo.oid) version = current.version
      }
      if (version === undefined) return
      if (write.previous === null) await deleteIfVersion(objects, write.key, version)
      else await objects.put(write.key, write.previous.text, { condition: { ifVersion: version }, metadata: write.previous.metadata })
    }),
  )
  if (undo.unknown.length > 0 || undone.some((outcome) => outcome.status === 'rejected')) return
  await objects.delete(undo.intentKey).catch(() => undefined)
}

/**
 * Removes deleted records that are still this transaction's claim, then the intent. A record another writer has
 * since replaced is not this clean-up's to remove.
 */
async function cleanUp(objects: ObjectStore, writes: StagedWrite[], versions: Map<string, string>, ownIntentKey: string): Promise<void> {
  await Promise.all(
    writes.filter((write) => write.kind === 'delete').map((write) => deleteIfVersion(objects, write.key, versions.get(write.key) as string)),
  )
  await objects.delete(ownIntentKey)
}

/**
 * Deletes a key only while it holds `version`. Deletes are unconditional in R2 and S3, so this reads first; it is
 * safe because a key this transaction wrote cannot be replaced while its intent is open (other writers find it
 * busy), and a claimed key cannot be replaced at all until it is gone.
 */
async function deleteIfVersion(objects: ObjectStore, key: string, version: string): Promise<void> {
  const current = await objects.get(key)
  if (current !== null && current.version === version) await objects.delete(key)
}
