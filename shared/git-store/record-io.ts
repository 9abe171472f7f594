import { parseRecord } from '../agi/index.ts'
import type { Schema } from '../agi/types.ts'
import { AgiParseError, ConflictError, CorruptObjectError } from '../errors.ts'
import { intentKey, parseRecordKeyWithoutSchema, pendingEntryKey } from '../keys.ts'
import type { ObjectStore, StoredObject } from '../object-store/object-store.ts'
import { isCommitted, type Writer } from './committed.ts'
import { parseIntent, type Intent } from './intent.ts'
import { recoverTransaction } from './recovery.ts'
import { META_DELETING, META_TX, META_TX_MS } from './record-metadata.ts'
import { TX_ABANDONED_MS, TX_CONFIRM_WINDOW_MS } from './time-limits.ts'
import type { StoredRecord } from './types.ts'

/** Parses a stored record, insisting that it is the record its key names. Corrupt bytes are an error, never empty. */
export function parseStoredRecord(
  schema: Schema,
  object: { key: string; version: string; text: string },
  expect: { entity: string; id: string },
): StoredRecord {
  try {
    const { record, unknownFields } = parseRecord(object.text, schema, { file: object.key, expect })
    return { key: object.key, record, version: object.version, unknownFields }
  } catch (error) {
    if (error instanceof AgiParseError) throw new CorruptObjectError(object.key, error.message, error)
    throw error
  }
}

export type { Writer }

/**
 * The writer to confirm before a record is trusted: one that wrote recently (its transaction may still be
 * open, or may have been interrupted and not yet recovered), or one that claimed the record for a delete.
 */
export function writerToConfirm(metadata: Record<string, string>, tenant: string, nowMs: number): Writer | null {
  const oid = metadata[META_TX]
  if (oid === undefined) return null
  const ms = Number(metadata[META_TX_MS])
  if (!Number.isSafeInteger(ms)) throw new CorruptObjectError(intentKey(tenant, oid), `unreadable transaction time ${JSON.stringify(metadata[META_TX_MS])}`)
  if (metadata[META_DELETING] === undefined && nowMs - ms >= TX_CONFIRM_WINDOW_MS) return null
  return { oid, tenant, ms }
}

/** Where a record's writer stands. */
export type TransactionState =
  | { state: 'committed'; intent: Intent | null }
  | { state: 'in-flight'; intent: Intent }
  | { state: 'abandoned'; intent: Intent }
  /** Finished without committing: whatever it wrote has been undone, so a copy read before is stale. */
  | { state: 'rolled-back' }

/**
 * Where a writer stands, by the one rule (`isCommitted`): its entry decides, whether the intent is still there
 * (its clean-up may have failed, or be running) or not. The intent and the pending entry are fetched together;
 * the entry's other places only when the pending one is absent.
 */
export async function transactionState(objects: ObjectStore, writer: Writer, nowMs: number): Promise<TransactionState> {
  const ts = new Date(writer.ms)
  const [intentObject, pending] = await Promise.all([
    objects.get(intentKey(writer.tenant, writer.oid)),
    objects.get(pendingEntryKey(writer.tenant, ts, writer.oid)),
  ])
  let intent: Intent | null = null
  if (intentObject !== null) {
    const parsed = parseIntent(intentObject.text)
    if (!parsed.ok) throw new CorruptObjectError(intentObject.key, parsed.reason)
    intent = parsed.intent
  }
  if (pending !== null || (await isCommitted(objects, writer, 'absent'))) return { state: 'committed', intent }
  if (intent === null) return { state: 'rolled-back' }
  return nowMs - intent.started_ms >= TX_ABANDONED_MS ? { state: 'abandoned', intent } : { state: 'in-flight', intent }
}

/**
 * Whether a record read earlier may be relied on: its writer committed and did not delete it. Used to confirm
 * a transaction's plain reads (references) while its own intent is being written, instead of before.
 */
export function confirmsRead(state: TransactionState, metadata: Record<string, string>): boolean {
  // A committed writer that tagged the record for deletion deleted it; only the clean-up is pending.
  return state.state === 'committed' && metadata[META_DELETING] === undefined
}

/** An open transaction holds the record; the caller waits and retries, as after a lost race. */
export class RecordBusyError extends ConflictError {
  constructor(key: string) {
    let message: string
    try {
      const { entity, id } = parseRecordKeyWithoutSchema(key)
      message = conflictMessage(entity, id)
    } catch {
      // Not a record (a unique value's guard): the value is being taken or given up by another write.
      message = `${key} is being changed by another write — retry.`
    }
    super(message)
  }
}

export function conflictMessage(entity: string, id: string): string {
  return `${entity} ${id.slice(0, 8)} was modified concurrently — retry your edit.`
}

/**
 * Reads the committed view of one object: an open transaction's writes are invisible (its intent holds the
 * previous text), a committed delete awaiting clean-up reads as absent, an interrupted transaction is recovered
 * first, and a copy undone while it was being read is read again. With `forWrite`, a record held by an open
 * transaction is `RecordBusyError`: nothing may be written on top of uncommitted state.
 */
/** A committed view, with the version the bucket held when it was read (an open write's, when the view is the text before it). */
export interface CommittedObject extends StoredObject {
  observedVersion: string
}

export async function readCommitted(
  objects: ObjectStore,
  key: string,
  tenant: string,
  nowMs: () => number,
  options: { forWrite: boolean },
): Promise<CommittedObject | null> {
  for (let attempt = 1; ; attempt++) {
    const stored = await objects.get(key)
    if (stored === null) return null
    const object: CommittedObject = { ...stored, observedVersion: stored.version }
    const writer = writerToConfirm(object.metadata, tenant, nowMs())
    if (writer === null) return object
    const state = await transactionState(objects, writer, nowMs())
    if (state.state === 'abandoned') {
      await recoverTransaction(objects, state.intent)
      continue
    }
    if (state.state === 'rolled-back') {
      if (attempt >= 3) throw new RecordBusyError(key)
      continue
    }
    if (state.state === 'committed') return confirmsRead(state, object.metadata) ? object : null
    if (options.forWrite) throw new RecordBusyError(key)
    const op = state.intent.ops.find((candidate) => candidate.key === key)
    if (op === undefined) return object
    if (op.previous === null) return null
    // The text before the open write, with its version: an edit conditioned on it lands only if that write is undone.
    return { key, version: op.expected_version ?? object.version, text: op.previous.text, metadata: op.previous.metadata, observedVersion: object.version }
  }
}
