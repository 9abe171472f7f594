/**
 * How every tool answers with records: the record's declared fields as JSON (money as numbers) plus
 * `id` and `version` (the ETag an `expected_version` must name), and the pending commit. One helper,
 * so generic and intent tools answer in the same shape.
 */
import * as z from 'zod'
import { recordToJson, TIMESTAMP_FIELDS, type AgiRecord, type JsonValue, type Schema } from '../../shared/agi/index.ts'
import type { EntitySpec, FieldSpec } from '../../shared/agi/types.ts'
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

/** A field's value as `recordToJson` writes it: money as a JSON number. */
function fieldOutput(field: FieldSpec): z.ZodType {
  switch (field.type) {
    case 'string':
      return field.oneOf === undefined ? z.string() : z.enum(field.oneOf as [string, ...string[]])
    case 'id':
    case 'date':
    case 'datetime':
      return z.string()
    case 'number':
      return z.number().int()
    case 'float':
    case 'money':
      return z.number()
    case 'bool':
      return z.boolean()
    case 'json':
      return z.json()
  }
}

/**
 * The shape of `recordResponse` for one entity: `id`, `version`, the REQUIRED fields (and the store's timestamps),
 * always; the others when set.
 */
export function recordResponseSchema(spec: EntitySpec): z.ZodType<RecordResponse> {
  const shape: Record<string, z.ZodType> = { id: z.string() }
  for (const field of spec.fields) {
    const always = field.required || (spec.timestamps && TIMESTAMP_FIELDS.includes(field.name))
    shape[field.name] = always ? fieldOutput(field) : fieldOutput(field).optional()
  }
  shape.version = z.string().meta({ description: 'The ETag an expected_version names.' })
  return z.object(shape).meta({ description: `One ${spec.name} record.` }) as unknown as z.ZodType<RecordResponse>
}

/** The shape of `commitResponse`. */
export const commitResponseSchema = z
  .object({ oid: z.string(), status: z.literal('pending') })
  .meta({ description: 'The pending commit; it reaches git at the next sync.' })

/** The same, for a write that may change nothing (an edit), which answers null. */
export const optionalCommitResponseSchema = commitResponseSchema.nullable()

/** The name a record goes under in a response: `JournalEntry` → `journal_entry`. */
export function responseName(entity: string): string {
  return entity.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase()
}
