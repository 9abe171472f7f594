import { indexedFields, type AgiRecord, type EntitySpec, type FieldSpec, type FieldValue, type Schema } from '../agi/types.ts'
import { ValidationError } from '../errors.ts'
import { indexFieldPrefix, indexOrderRangeStart, indexRangeStart, indexValuePrefix, indexValueText, parseIndexKey, recordKey } from '../keys.ts'
import { decodeMetadataText } from '../metadata-text.ts'
import type { ListedObject, ObjectStore, StoredObject } from '../object-store/object-store.ts'
import { committedAmong } from './committed.ts'
import { parseStoredRecord, readCommitted, writerToConfirm, type Writer } from './record-io.ts'
import { META_AGI, META_DELETING, META_TX } from './record-metadata.ts'
import type { StoredRecord } from './types.ts'

/** Both ends inclusive, `YYYY-MM-DD`; either may be left out. */
export interface DateRange {
  from?: string
  to?: string
}

/**
 * A list's filter, checked against the schema: every field it names is indexed, and ranges are on `date` fields. The
 * list walks one index (`field`): the first field in declaration order given an exact value, else the first range.
 * The other conditions are checked on the entries' texts, so such a page may hold fewer records than its limit (even
 * none) while its cursor goes on: each page still costs the same few calls.
 */
export interface IndexFilter {
  entity: string
  field: string
  equals: Record<string, FieldValue>
  ranges: Record<string, DateRange>
}

/**
 * Checks a filter: a field that is not indexed, or a range on a field that is not a date, is a `ValidationError`
 * naming the fields that can be filtered on, so an agent learns what it can ask. A range may also be on the order
 * field of an `INDEX BY` field given an exact value (an account's lines by date): that index is then the one walked,
 * and the range is a key range of it.
 */
export function indexFilter(schema: Schema, entity: string, equals: Record<string, FieldValue> = {}, ranges: Record<string, DateRange> = {}): IndexFilter {
  const spec = schema.entities.get(entity) as EntitySpec
  const indexed = indexedFields(spec)
  const orderedBy = (name: string) => indexed.find((field) => field.indexOrder === name && equals[field.name] !== undefined)
  const names = [...indexed.map((field) => field.name), ...indexed.flatMap((field) => (field.indexOrder === undefined ? [] : [`${field.indexOrder} (with ${field.name})`]))]
  const issues: { path: (string | number)[]; message: string }[] = []
  const check = (name: string, range: boolean): void => {
    const field = indexed.find((candidate) => candidate.name === name) ?? (range ? spec.fields.find((candidate) => candidate.name === name && orderedBy(name) !== undefined) : undefined)
    if (field === undefined) issues.push({ path: ['where', name], message: `${name} is not indexed; ${entity} lists filter on ${names.join(', ') || 'no field'}` })
    else if (range && field.type !== 'date') issues.push({ path: ['where', name], message: `a range needs a date field; ${name} is ${field.type}` })
  }
  for (const name of Object.keys(equals)) check(name, false)
  for (const [name, range] of Object.entries(ranges)) {
    check(name, true)
    if (range.from !== undefined && range.to !== undefined && range.from > range.to) issues.push({ path: ['where', name], message: `from ${range.from} is after to ${range.to}` })
  }
  if (issues.length > 0) throw new ValidationError(`cannot filter ${entity} so: ${issues.map((issue) => issue.message).join('; ')}`, issues)
  const ordered = Object.keys(ranges)
    .map(orderedBy)
    .find((field) => field !== undefined)
  const exact = ordered ?? indexed.find((field) => equals[field.name] !== undefined)
  const field = exact ?? (indexed.find((candidate) => ranges[candidate.name] !== undefined) as FieldSpec)
  return { entity, field: field.name, equals, ranges }
}

/** Whether a record passes every condition of the filter. */
export function matchesFilter(record: AgiRecord, filter: IndexFilter): boolean {
  for (const [name, value] of Object.entries(filter.equals)) {
    const held = record.fields[name]
    if (held === undefined || indexValueText(held) !== indexValueText(value)) return false
  }
  for (const [name, range] of Object.entries(filter.ranges)) {
    const held = record.fields[name]
    if (typeof held !== 'string') return false
    if ((range.from !== undefined && held < range.from) || (range.to !== undefined && held > range.to)) return false
  }
  return true
}

export interface IndexListScope {
  objects: ObjectStore
  schema: Schema
  tenant: string
  nowMs: () => number
}

/**
 * One page of a filtered list, read from the index: one list call of the entries (each carries its record's text in
 * its metadata, so no GET), and, when some entries were written in the last minutes, the two list calls that confirm
 * their writers (`committedAmong`) — at most three calls, at any collection size. An entry whose writer is not found
 * committed is read through `readCommitted` like a record (an open write's entry shows the state before it). Returns
 * null when `complete` says the index is not yet complete: the caller lists the records instead.
 */
export async function listByIndex(
  scope: IndexListScope,
  filter: IndexFilter,
  options: { limit: number; cursor?: string },
  complete: Promise<boolean>,
): Promise<{ records: StoredRecord[]; cursor?: string } | null> {
  const { objects, schema, tenant } = scope
  const { entity, field } = filter
  const exact = filter.equals[field]
  const orderField = exact === undefined ? undefined : (schema.entities.get(entity) as EntitySpec).fields.find((spec) => spec.name === field)?.indexOrder
  // The range that is a key range: on the walked field's values, or on its order within the one value.
  const onOrder = orderField === undefined ? undefined : filter.ranges[orderField]
  const range = onOrder ?? filter.ranges[field]
  const prefix = exact !== undefined ? indexValuePrefix(schema, tenant, entity, field, indexValueText(exact)) : indexFieldPrefix(schema, tenant, entity, field)
  if (options.cursor !== undefined && !options.cursor.startsWith(prefix)) throw new ValidationError('cursor does not belong to this list')
  if (options.cursor !== undefined) parseIndexKey(options.cursor)
  const rangeStart = (from: string) =>
    onOrder !== undefined ? indexOrderRangeStart(schema, tenant, entity, field, indexValueText(exact as FieldValue), from) : indexRangeStart(schema, tenant, entity, field, from)
  const start = options.cursor ?? (range?.from === undefined ? undefined : rangeStart(range.from))
  const [page, isComplete] = await Promise.all([objects.list({ prefix, startAfter: start, limit: options.limit }), complete])
  if (!isComplete) return null

  // A range ends at the first entry past `to`: keys are in value (or order) order.
  let listed = page.objects
  let ended = page.cursor === undefined
  if (range?.to !== undefined) {
    const sortValue = (key: string) => {
      const parts = parseIndexKey(key)
      return onOrder !== undefined ? (parts.order ?? '') : parts.value
    }
    const past = listed.findIndex((object) => sortValue(object.key) > (range.to as string))
    if (past >= 0) {
      listed = listed.slice(0, past)
      ended = true
    }
  }
  const settled = await committedEntries(scope, listed)
  const records: StoredRecord[] = []
  for (const [index, object] of settled.entries()) {
    if (object === null) continue
    const { id } = parseIndexKey((listed[index] as ListedObject).key)
    const stored = parseStoredRecord(schema, object, { entity, id })
    // An entry is its record's copy; checking the value again keeps an entry out of step from ever answering wrongly.
    if (!matchesFilter(stored.record, filter)) continue
    records.push({ ...stored, key: recordKey(schema, tenant, entity, id) })
  }
  const last = listed.at(-1)
  return !ended && last !== undefined ? { records, cursor: last.key } : { records }
}

/**
 * The committed view of listed entries, as strict as a read: recent writers are confirmed in one batch from the entry
 * lists; an entry whose writer is not found committed, or whose text is too big for its metadata, is read through
 * `readCommitted` (the intent holds an open write's previous text); a committed delete's claim is no entry.
 */
async function committedEntries(scope: IndexListScope, listed: readonly ListedObject[]): Promise<(StoredObject | null)[]> {
  const { objects, tenant, nowMs } = scope
  const writers = new Map<string, Writer>()
  for (const object of listed) {
    const writer = writerToConfirm(object.metadata, tenant, nowMs())
    if (writer !== null) writers.set(writer.oid, writer)
  }
  const committed = await committedAmong(objects, tenant, [...writers.values()])
  return Promise.all(
    listed.map(async (object) => {
      const writer = object.metadata[META_TX]
      const unconfirmed = writer !== undefined && writers.has(writer) && !committed.has(writer)
      if (!unconfirmed && object.metadata[META_DELETING] !== undefined) return null
      const copy = object.metadata[META_AGI]
      const text = unconfirmed || copy === undefined ? null : decodeMetadataText(copy)
      if (text !== null) return { key: object.key, version: object.version, text, metadata: object.metadata }
      return readCommitted(objects, object.key, tenant, nowMs, { forWrite: false })
    }),
  )
}
