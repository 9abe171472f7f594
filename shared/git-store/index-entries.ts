import { indexedFields, type AgiRecord, type EntitySpec, type FieldValue, type Schema } from '../agi/types.ts'
import { ValidationError } from '../errors.ts'
import { fitsIndexKey, INDEX_VALUE_MAX_BYTES, indexKey, indexValueText, parseRecordKey } from '../keys.ts'
import type { ObjectStore, StoredObject } from '../object-store/object-store.ts'
import { RecordBusyError, transactionState, writerToConfirm } from './record-io.ts'
import { recoverTransaction } from './recovery.ts'
import type { StagedWrite } from './transaction.ts'

/**
 * Index entries: `index/<tenant>/<Entity>/<field>/x<hex>/<id>` for each indexed field a record holds. An entry is a
 * copy of its record object (the same text, so the same version, and the same metadata: the writer's tag and the
 * text's copy for lists), written and removed in the record's own transaction like any record: listed in the intent,
 * put conditionally and tagged, claimed when it goes, rolled back or forward by recovery, and confirmed by readers
 * exactly like the record. It is never in the commit entry, so never in git: it is derived from `data/`, and
 * `verify` rebuilds it.
 *
 * Because the entry's bytes are its record's, the version it holds is the record's: a transaction that replaces a
 * record at version v replaces its entries at version v too, without reading them. An entry that is not there (a
 * record written before its index existed) or not in step makes that put fail; the store then runs the transaction
 * again reading the entries first (`IndexEntryRaceError`), and the write repairs them.
 */

/** Whether a staged write is a record's (in the commit entry) rather than a derived object's (guard, index entry). */
export function isRecordWrite(write: StagedWrite): boolean {
  return write.guardText === undefined && write.indexOf === undefined
}

/** The indexed values a record holds, field by field (unset fields hold none). */
export function indexedValues(spec: EntitySpec, fields: Record<string, FieldValue> | undefined): Map<string, string> {
  const values = new Map<string, string>()
  if (fields === undefined) return values
  for (const field of indexedFields(spec)) {
    const value = fields[field.name]
    if (value !== undefined) values.set(field.name, indexValueText(value))
  }
  return values
}

/**
 * The entry keys a record's fields imply, field by field: a value too long for a key has none, and neither has an
 * `INDEX BY` field whose order value is missing (only a record that fails its schema lacks it).
 */
function entryKeys(schema: Schema, tenant: string, spec: EntitySpec, id: string, fields: Record<string, FieldValue> | undefined): Map<string, string> {
  const keys = new Map<string, string>()
  for (const [name, value] of indexedValues(spec, fields)) {
    if (!fitsIndexKey(value)) continue
    const orderField = spec.fields.find((field) => field.name === name)?.indexOrder
    const order = orderField === undefined ? undefined : fields?.[orderField]
    if (orderField !== undefined && typeof order !== 'string') continue
    keys.set(name, indexKey(schema, tenant, spec.name, name, value, id, order as string | undefined))
  }
  return keys
}

/** An indexed value a write sets must fit in a key: else 400, naming the field. */
function assertIndexable(spec: EntitySpec, field: string, value: string): void {
  if (fitsIndexKey(value)) return
  const message = `${spec.name}.${field} is indexed and holds at most ${INDEX_VALUE_MAX_BYTES} bytes`
  throw new ValidationError(message, [{ path: [field], message }])
}

/**
 * The entry writes that move with one record write. Without `current`, each entry is taken to be in step with its
 * record (same version, same previous text and metadata); with it (`readEntries`), entries are judged by what the
 * bucket holds: a missing one is created, a stale one replaced at its own version. An entry whose key changes (its
 * value, or an `INDEX BY` field's order value) is removed at the old key and created at the new one.
 */
export function stageIndexEntries(schema: Schema, tenant: string, write: StagedWrite, current?: ReadonlyMap<string, StoredObject | null>): StagedWrite[] {
  const spec = schema.entities.get(write.entity) as EntitySpec
  if (indexedFields(spec).length === 0) return []
  if (write.kind !== 'delete') for (const [field, value] of indexedValues(spec, write.record.fields)) assertIndexable(spec, field, value)
  const before = write.kind === 'create' ? new Map<string, string>() : entryKeys(schema, tenant, spec, write.id, (write.before ?? write.record).fields)
  const after = write.kind === 'delete' ? new Map<string, string>() : entryKeys(schema, tenant, spec, write.id, write.record.fields)
  const staged: StagedWrite[] = []
  const entry = (key: string, kind: StagedWrite['kind'], assumed: { expectedVersion: string | null; previous: StagedWrite['previous'] }): void => {
    let { expectedVersion, previous } = assumed
    if (current !== undefined) {
      const found = current.get(key) ?? null
      expectedVersion = found?.version ?? null
      previous = found === null ? null : { text: found.text, metadata: found.metadata }
      if (found === null && kind === 'delete') return
      if (found !== null && kind === 'create') kind = 'update'
      if (found === null && kind === 'update') kind = 'create'
    }
    staged.push({ key, entity: write.entity, id: write.id, kind, record: write.record, expectedVersion, previous, changes: {}, indexOf: write.key })
  }
  const inStep = { expectedVersion: write.expectedVersion, previous: write.previous }
  for (const [field, key] of before) if (after.get(field) !== key) entry(key, 'delete', inStep)
  for (const [field, key] of after) {
    if (before.get(field) === key) entry(key, 'update', inStep)
    else entry(key, 'create', { expectedVersion: null, previous: null })
  }
  return staged
}

/** The keys of the entries `writes` move, to read them first (a transaction run again after an entry was out of step). */
export function indexEntryKeys(schema: Schema, tenant: string, writes: readonly StagedWrite[]): string[] {
  return writes.flatMap((write) => stageIndexEntries(schema, tenant, write).map((entry) => entry.key))
}

/**
 * Reads the entries a write will replace, in parallel, as they stand for a writer: an entry held by an open transaction
 * is busy (`RecordBusyError`: nothing may be written on top of uncommitted state), an abandoned one is recovered first,
 * and one undone while it was read is read again. A committed delete's claim is returned as it is: replacing it (at its
 * version) is how a value comes back to a record before the claim's clean-up ran.
 */
export async function readIndexEntries(objects: ObjectStore, tenant: string, nowMs: () => number, keys: readonly string[]): Promise<Map<string, StoredObject | null>> {
  const found = await Promise.all(keys.map((key) => readEntryForWrite(objects, tenant, nowMs, key)))
  return new Map(keys.map((key, index) => [key, found[index] ?? null]))
}

async function readEntryForWrite(objects: ObjectStore, tenant: string, nowMs: () => number, key: string): Promise<StoredObject | null> {
  for (let attempt = 1; ; attempt++) {
    const stored = await objects.get(key)
    if (stored === null) return null
    const writer = writerToConfirm(stored.metadata, tenant, nowMs())
    if (writer === null) return stored
    const state = await transactionState(objects, writer, nowMs())
    if (state.state === 'committed') return stored
    if (state.state === 'in-flight' || attempt >= 3) throw new RecordBusyError(key)
    if (state.state === 'abandoned') await recoverTransaction(objects, state.intent)
  }
}

/**
 * The index entries a stored record implies (each a copy of it), by its key and parsed record: what `verify` expects
 * to find, and rebuilds. A value too long for a key has no entry.
 */
export function indexKeysOfRecord(schema: Schema, key: string, record: AgiRecord): string[] {
  const { tenant, entity, id } = parseRecordKey(schema, key)
  return [...entryKeys(schema, tenant, schema.entities.get(entity) as EntitySpec, id, record.fields).values()]
}
