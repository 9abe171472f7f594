/**
 * How every tool answers with records: the record's declared fields as JSON (money as numbers) plus
 * `id` and `version` (the ETag an `expected_version` must name), and the pending commit. One helper,
 * so generic and intent tools answer in the same shape.
 */
import { recordToJson, type AgiRecord, type JsonValue, type Schema } from '../../shared/agi/index.ts'
import type { CommitRef, StoredRecord, TransactionResult } from '../../shared/git-store/index.ts'

/** `{ id, ...fields, version }`. */
export type RecordResponse = Record<string, JsonValue> & { id: string; version: string }

export interface CommitResponse {
  oid: string
  status: 'pending'
}

/**
 * A stored record as API output.
 * @example recordResponse(store.schema, await store.read('Invoice', id)) // { id, tenant_id, ..., total: 1750, version }
 */
export function recordResponse(schema: Schema, stored: StoredRecord): RecordResponse {
  const spec = schema.entities.get(stored.record.entity)
  if (spec === undefined) throw new Error(`unknown entity ${stored.record.entity}`)
  return { ...recordToJson(spec, stored.record), id: stored.record.id, version: stored.version }
}

/**
 * A record written by a transaction, with the version its write produced.
 * @example const result = await store.transaction(...); writtenRecordResponse(store.schema, result, invoice)
 */
export function writtenRecordResponse(schema: Schema, result: Pick<TransactionResult<unknown>, 'records'>, record: AgiRecord): RecordResponse {
  const stored = result.records.find((candidate) => candidate.record.entity === record.entity && candidate.record.id === record.id)
  if (stored === undefined) throw new Error(`${record.entity} ${record.id} was not written by this transaction`)
  return recordResponse(schema, stored)
}

/** The pending commit as tools report it (null when a write changed nothing). */
export function commitResponse(commit: CommitRef): CommitResponse
export function commitResponse(commit: CommitRef | null): CommitResponse | null
export function commitResponse(commit: CommitRef | null): CommitResponse | null {
  return commit === null ? null : { oid: commit.oid, status: 'pending' }
}

/** The name a record goes under in a response: `JournalEntry` → `journal_entry`. */
export function responseName(entity: string): string {
  return entity.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase()
}
