import { isIndexed, type AgiRecord, type FieldSpec, type FieldValue, type Schema } from '../agi/types.ts'
import { listedDomainRuleCode } from '../error-codes.ts'
import { CorruptObjectError, DomainRuleError } from '../errors.ts'
import { entityPrefix, fitsIndexKey, indexValuePrefix, parseIndexKey, parseRecordKey } from '../keys.ts'
import type { ObjectStore } from '../object-store/object-store.ts'
import { parseStoredRecord } from './record-io.ts'
import { indexMarkersOf } from './index-markers.ts'
import { listAll, listedTexts } from './listed-texts.ts'
import { META_DELETING } from './record-metadata.ts'

/**
 * The guard of one value of a UNIQUE field: which record holds it, and whether other records already use it (an
 * account code that journal lines name). Guards are written in the transaction of the record they guard, so
 * two transactions taking one value conflict on the guard's create-only put, and a value in use cannot be
 * released while a writer pins it.
 */
export interface UniqueGuard {
  v: 1
  /** The id of the record that holds the value. */
  id: string
  /** Set by the first record that uses the value by name: from then on it never changes. */
  in_use?: true
}

export function serializeGuard(guard: UniqueGuard): string {
  return JSON.stringify(guard)
}

export function parseGuard(key: string, text: string): UniqueGuard {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new CorruptObjectError(key, 'a unique-value guard that is not JSON')
  }
  const guard = json as Partial<UniqueGuard>
  if (guard === null || typeof guard !== 'object' || guard.v !== 1 || typeof guard.id !== 'string' || (guard.in_use !== undefined && guard.in_use !== true)) {
    throw new CorruptObjectError(key, 'a unique-value guard without v: 1 and a string id')
  }
  return guard as UniqueGuard
}

/** The value as the guard key spells it. */
export function uniqueValueText(value: FieldValue): string {
  return typeof value === 'string' ? value : String(value)
}

function snake(entity: string): string {
  return entity.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()
}

/** 422 `duplicate_<entity>_<field>` (an account code another account holds: `duplicate_account_code`). */
export function duplicateValueError(entity: string, field: FieldSpec, value: string, holder: string): DomainRuleError {
  return new DomainRuleError(
    listedDomainRuleCode(`duplicate_${snake(entity)}_${field.name}`),
    `${entity} ${holder.slice(0, 8)} already has ${field.name} ${JSON.stringify(value)}; ${field.name} is unique per tenant.`,
    { entity, field: field.name, value, id: holder },
  )
}

/** 422 `<entity>_in_use` (an account code journal lines use: `account_in_use`). */
export function valueInUseError(entity: string, field: FieldSpec, value: string, holder: string): DomainRuleError {
  return new DomainRuleError(
    listedDomainRuleCode(`${snake(entity)}_in_use`),
    `${entity} ${holder.slice(0, 8)} has ${field.name} ${JSON.stringify(value)}, which other records already use by name: it cannot change.`,
    { entity, field: field.name, value, id: holder },
  )
}

/**
 * A record holding `value` that has no guard: one written before the field was guarded. Runs only when a value has no
 * guard yet; costs one list of the field's index entries under the value when the index is complete, else one
 * listing of the entity.
 */
export async function unguardedHolder(objects: ObjectStore, schema: Schema, tenant: string, entity: string, field: string, value: string, except: string): Promise<string | undefined> {
  return findHolder(objects, schema, tenant, entity, field, value, (id) => id !== except)
}

/** Whether any record names `value` through a field that `USES entity(field)`: for values used before guards marked it. */
export async function unguardedUser(objects: ObjectStore, schema: Schema, tenant: string, entity: string, field: string, value: string): Promise<boolean> {
  for (const spec of schema.entities.values()) {
    for (const user of spec.fields) {
      if (user.uses?.entity !== entity || user.uses.field !== field) continue
      if ((await findHolder(objects, schema, tenant, spec.name, user.name, value, () => true)) !== undefined) return true
    }
  }
  return false
}

function matchesValue(held: FieldValue | undefined, value: string): boolean {
  return held !== undefined && uniqueValueText(held) === value
}

/** The id of a record of `entity` whose `field` holds `value` (and that `wanted` accepts), from the index when it is complete. */
async function findHolder(objects: ObjectStore, schema: Schema, tenant: string, entity: string, field: string, value: string, wanted: (id: string) => boolean): Promise<string | undefined> {
  const spec = schema.entities.get(entity)?.fields.find((candidate) => candidate.name === field)
  const indexable = spec !== undefined && isIndexed(spec) && fitsIndexKey(value)
  if (indexable && (await indexMarkersOf(objects).isComplete(objects, schema, entity, field))) {
    for (const listed of await listAll(objects, indexValuePrefix(schema, tenant, entity, field, value))) {
      const { id } = parseIndexKey(listed.key)
      if (listed.metadata[META_DELETING] === undefined && wanted(id)) return id
    }
    return undefined
  }
  return (await findRecord(objects, schema, tenant, entity, (record) => wanted(record.id) && matchesValue(record.fields[field], value)))?.id
}

async function findRecord(objects: ObjectStore, schema: Schema, tenant: string, entity: string, wanted: (record: AgiRecord) => boolean): Promise<AgiRecord | undefined> {
  for await (const { listed, text } of listedTexts(objects, entityPrefix(schema, tenant, entity))) {
    if (listed.metadata[META_DELETING] !== undefined) continue
    const { record } = parseStoredRecord(schema, { key: listed.key, version: listed.version, text }, parseRecordKey(schema, listed.key))
    if (wanted(record)) return record
  }
  return undefined
}
