import { parseRecord } from '../agi/index.ts'
import type { Schema } from '../agi/types.ts'
import { AgiParseError, CorruptObjectError } from '../errors.ts'
import { intentKey } from '../keys.ts'
import type { ObjectStore, StoredObject } from '../object-store/object-store.ts'
import { parseIntent, type Intent } from './intent.ts'
import { META_DELETING, META_TX, META_TX_MS, TX_ABANDONED_MS, TX_CONFIRM_WINDOW_MS } from './timing.ts'
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

/** Where the transaction that last wrote a record stands. */
export type TransactionState =
  | { state: 'settled' }
  | { state: 'committed'; intent: Intent }
  | { state: 'in-flight'; intent: Intent }
  | { state: 'abandoned'; intent: Intent }

export async function transactionState(objects: ObjectStore, oid: string, nowMs: number): Promise<TransactionState> {
  const key = intentKey(oid)
  const stored = await objects.get(key)
  if (stored === null) return { state: 'settled' }
  const parsed = parseIntent(stored.text)
  if (!parsed.ok) throw new CorruptObjectError(key, parsed.reason)
  const intent = parsed.intent
  // The entry is the commit point: once it exists, every record write of the transaction has landed.
  if ((await objects.get(intent.entry_key)) !== null) return { state: 'committed', intent }
  if (nowMs - intent.started_ms >= TX_ABANDONED_MS) return { state: 'abandoned', intent }
  return { state: 'in-flight', intent }
}

/**
 * Whether a record's writer must be confirmed before the record is trusted: it was written recently (its
 * transaction may still be open or may have been interrupted), or it is claimed by a delete.
 */
export function needsConfirmation(metadata: Record<string, string>, nowMs: number): string | null {
  const oid = metadata[META_TX]
  if (oid === undefined) return null
  if (metadata[META_DELETING] !== undefined) return oid
  const writtenMs = Number(metadata[META_TX_MS])
  if (!Number.isFinite(writtenMs) || nowMs - writtenMs < TX_CONFIRM_WINDOW_MS) return oid
  return null
}

/**
 * The committed view of one stored object: what a reader may see when the object's transaction is not
 * settled. An in-flight transaction's writes are invisible (its intent holds the previous text); a committed
 * delete whose clean-up is pending reads as absent.
 */
export function committedView(
  object: StoredObject,
  state: TransactionState,
): { text: string; metadata: Record<string, string>; version: string } | null {
  if (state.state === 'settled') return object
  const op = state.intent.ops.find((candidate) => candidate.key === object.key)
  // Tagged by a transaction that does not list this key: the tag is stale, the object is what it says.
  if (op === undefined) return object
  if (state.state === 'committed') return op.kind === 'delete' ? null : object
  if (op.previous === null) return null
  return { text: op.previous.text, metadata: op.previous.metadata, version: object.version }
}
