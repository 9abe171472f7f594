import { serializeRecord } from '../agi/index.ts'
import type { Schema } from '../agi/types.ts'
import { gitBlobSha } from '../blob-sha.ts'
import type { CommitEntry } from '../commit-entry.ts'
import { entrySummaryMetadata } from '../entry-metadata.ts'
import { intentKey, pendingEntryKey } from '../keys.ts'
import { encodeMetadataText } from '../metadata-text.ts'
import type { ObjectStore } from '../object-store/object-store.ts'
import { serializeIntent, type Intent, type IntentOp } from './intent.ts'
import { META_AGI, META_AGI_MAX_BYTES, META_DELETING, META_TX, META_TX_MS, TX_DEADLINE_MS } from './timing.ts'
import { LostRaceError, type StagedWrite } from './transaction.ts'
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
  /** Runs the clean-up after the answer (`ctx.waitUntil`); without it the clean-up is awaited. */
  defer?: (work: Promise<unknown>) => void
}

export interface CommitResult {
  commit: CommitRef
  /** New version of every record written (deleted records are absent). */
  versions: Map<string, string>
}

/** The commit could not be confirmed either way; its intent is left for the recovery pass to resolve. */
export class CommitOutcomeUnknownError extends Error {
  constructor(oid: string, cause: unknown) {
    super(`transaction ${oid} could not be confirmed; the recovery pass will finish or undo it`)
    this.name = 'CommitOutcomeUnknownError'
    this.cause = cause
  }
}

/**
 * Writes one transaction with the crash-safe protocol:
 * 1. prepare — the intent (create-only) holds every previous and next state;
 * 2. apply — conditional puts of every record in parallel, each tagged with the transaction id
 *    (a delete first *claims* its record with a conditional put, so a concurrent edit cannot slip in);
 * 3. commit — the pending entry (create-only): the commit point;
 * 4. clean up — deleted records and the intent are removed (deferrable: a crash here is rolled forward).
 * A lost race in step 2 undoes what was applied and throws `LostRaceError`.
 */
export async function commitTransaction(request: CommitRequest): Promise<CommitResult> {
  const { objects, oid, writes } = request
  const startedMs = request.nowMs()
  const ts = request.ts.toISOString()
  const entryKey = pendingEntryKey(request.tenant, request.ts, oid)
  const texts = writes.map((write) => (write.kind === 'delete' ? null : serializeRecord(write.record, request.schema)))
  const entry = await buildEntry(request, ts, texts)

  const ops: IntentOp[] = writes.map((write) => ({
    key: write.key,
    kind: write.kind,
    expected_version: write.expectedVersion,
    previous: write.previous,
  }))
  const intent: Intent = { v: 1, oid, tenant: request.tenant, started_ms: startedMs, entry_key: entryKey, entry, ops }
  const [prepared, confirmed] = await Promise.allSettled([
    objects.put(intentKey(oid), serializeIntent(intent), { condition: { ifAbsent: true } }),
    request.confirmReads?.(),
  ])
  if (prepared.status === 'rejected') throw prepared.reason
  if (prepared.value === null) throw new Error(`transaction id ${oid} is already in use`)
  if (confirmed.status === 'rejected') {
    await objects.delete(intentKey(oid))
    throw confirmed.reason
  }

  // The tag names the transaction and its timestamp, which is also what names its entry keys.
  const tag = { [META_TX]: oid, [META_TX_MS]: String(request.ts.getTime()) }
  const outcomes = await Promise.allSettled(
    writes.map((write, index) => {
      const text = texts[index] ?? write.previous?.text ?? ''
      const metadata: Record<string, string> = { ...tag }
      if (write.kind === 'delete') metadata[META_DELETING] = '1'
      else {
        const copy = encodeMetadataText(text)
        if (copy.length <= META_AGI_MAX_BYTES) metadata[META_AGI] = copy
      }
      const condition = write.expectedVersion === null ? { ifAbsent: true as const } : { ifVersion: write.expectedVersion }
      return objects.put(write.key, text, { condition, metadata })
    }),
  )
  const versions = new Map<string, string>()
  let lost: StagedWrite | undefined
  let failure: unknown
  outcomes.forEach((outcome, index) => {
    const write = writes[index] as StagedWrite
    if (outcome.status === 'rejected') failure ??= outcome.reason
    else if (outcome.value === null) lost ??= write
    else versions.set(write.key, outcome.value.version)
  })
  const overdue = request.nowMs() - startedMs > TX_DEADLINE_MS
  if (lost !== undefined || failure !== undefined || overdue) {
    await rollBack(objects, writes, versions, oid)
    if (lost !== undefined) throw new LostRaceError(lost.entity, lost.id)
    throw failure ?? new Error(`transaction ${oid} ran past its ${TX_DEADLINE_MS} ms deadline and was undone`)
  }

  try {
    const written = await objects.put(entryKey, JSON.stringify(entry), {
      condition: { ifAbsent: true },
      metadata: entrySummaryMetadata(entry),
    })
    if (written === null) throw new Error(`entry ${entryKey} already exists`)
  } catch (error) {
    // The put may or may not have landed; only the recovery pass, once this writer is surely gone, may decide.
    throw new CommitOutcomeUnknownError(oid, error)
  }

  // The transaction is committed: a failed clean-up is not the caller's failure; recovery rolls it forward.
  const cleanUpWork = cleanUp(objects, writes, oid).catch(() => undefined)
  if (request.defer !== undefined) request.defer(cleanUpWork)
  else await cleanUpWork
  for (const write of writes) if (write.kind === 'delete') versions.delete(write.key)
  return { commit: { oid, key: entryKey, ts, message: request.message, status: 'pending' }, versions }
}

async function buildEntry(request: CommitRequest, ts: string, texts: (string | null)[]): Promise<CommitEntry> {
  const files = await Promise.all(
    request.writes.map(async (write, index) => {
      const content = texts[index]
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
    paths: request.writes.map((write) => write.key),
    files,
  }
  if (request.actor !== undefined) entry.actor = request.actor
  return entry
}

/** Undoes the writes that landed (each conditional on the version this transaction wrote), then drops the intent. */
async function rollBack(objects: ObjectStore, writes: StagedWrite[], versions: Map<string, string>, oid: string): Promise<void> {
  await Promise.all(
    writes.map(async (write) => {
      const version = versions.get(write.key)
      if (version === undefined) return
      if (write.previous === null) await objects.delete(write.key)
      else await objects.put(write.key, write.previous.text, { condition: { ifVersion: version }, metadata: write.previous.metadata })
    }),
  )
  await objects.delete(intentKey(oid))
}

async function cleanUp(objects: ObjectStore, writes: StagedWrite[], oid: string): Promise<void> {
  const deleted = writes.filter((write) => write.kind === 'delete').map((write) => write.key)
  if (deleted.length > 0) await objects.delete(deleted)
  await objects.delete(intentKey(oid))
}
