import type { FieldSpec, Schema } from '../agi/types.ts'
import { CorruptObjectError, DomainRuleError } from '../errors.ts'
import { entityPrefix, indexValuePrefix, intentsPrefix, intentKey, parseIndexKey, parseRecordKey, recordKey } from '../keys.ts'
import type { ListedObject, ObjectStore } from '../object-store/object-store.ts'
import { committedAmong } from './committed.ts'
import { parseIntent } from './intent.ts'
import { parseStoredRecord, RecordBusyError, transactionState, writerToConfirm, type Writer } from './record-io.ts'
import { indexMarkersOf } from './index-markers.ts'
import { listAll, listedTexts } from './listed-texts.ts'
import { META_DELETING } from './record-metadata.ts'

export interface ReferrerScope {
  objects: ObjectStore
  schema: Schema
  tenant: string
  nowMs: () => number
  /** The deleting transaction itself: its own intent and writes are not referrers. */
  oid: string
}

export interface DeletedRecord {
  key: string
  entity: string
  id: string
}

/** Every field of the schema that references `entity`, with the entity that declares it. */
export function referringFields(schema: Schema, entity: string): { entity: string; field: FieldSpec }[] {
  const found: { entity: string; field: FieldSpec }[] = []
  for (const spec of schema.entities.values()) {
    for (const field of spec.fields) if (field.references === entity) found.push({ entity: spec.name, field })
  }
  return found
}

/**
 * Runs after a delete's claim has landed, before its commit point: nothing may still reference a deleted record.
 * The tenant's open transactions are looked at first, then the records: a writer that set a reference either had
 * its intent in place before this look (and is found, busy), or checks the referenced record after its intent,
 * finds the claim, and gives up. An open transaction naming the record makes the delete busy (409, retry); a
 * record referencing it refuses the delete (422 `referenced`).
 */
export async function assertUnreferenced(scope: ReferrerScope, deleted: readonly DeletedRecord[]): Promise<void> {
  const targets = deleted.filter((record) => referringFields(scope.schema, record.entity).length > 0)
  if (targets.length === 0) return
  // Whether each referring field's index is complete is asked meanwhile (once per store, then known).
  const markers = indexMarkersOf(scope.objects)
  const complete = new Map<string, Promise<boolean>>()
  for (const target of targets) {
    for (const { entity, field } of referringFields(scope.schema, target.entity)) {
      const name = `${entity}.${field.name}`
      if (complete.has(name)) continue
      const asked = markers.isComplete(scope.objects, scope.schema, entity, field.name)
      // Awaited below, unless an earlier step throws: then its failure is of no interest.
      asked.catch(() => undefined)
      complete.set(name, asked)
    }
  }
  await assertNoOpenTransactionNames(scope, targets)
  const deletedKeys = new Set(deleted.map((record) => record.key))
  for (const target of targets) {
    for (const { entity, field } of referringFields(scope.schema, target.entity)) {
      if (await complete.get(`${entity}.${field.name}`)) await assertNoIndexedReferrer(scope, target, entity, field, deletedKeys)
      else await assertNoRecordReferences(scope, target, entity, field, deletedKeys)
    }
  }
}

/**
 * The referrers of one field, from its index: the entries under the deleted id's value, one list call (and the two
 * that confirm recent writers, if any), however many records the entity has. An entry of an open transaction makes the
 * delete busy (409, retry); a committed entry refuses it (422 `referenced`); a committed delete's claim, or an entry of
 * this very transaction's deleted records, is none.
 */
async function assertNoIndexedReferrer(scope: ReferrerScope, target: DeletedRecord, entity: string, field: FieldSpec, deletedKeys: ReadonlySet<string>): Promise<void> {
  const { objects, schema, tenant } = scope
  const prefix = indexValuePrefix(schema, tenant, entity, field.name, target.id)
  let cursor: string | undefined
  do {
    const page = await objects.list({ prefix, cursor, limit: 100 })
    const listed = page.objects.filter((object) => !deletedKeys.has(recordKey(schema, tenant, entity, parseIndexKey(object.key).id)))
    const recent = new Map<string, Writer>()
    for (const object of listed) {
      const writer = writerToConfirm(object.metadata, tenant, scope.nowMs())
      if (writer !== null && writer.oid !== scope.oid) recent.set(object.key, writer)
    }
    const committed = await committedAmong(objects, tenant, [...recent.values()])
    for (const object of listed) {
      const writer = recent.get(object.key)
      if (writer !== undefined && !committed.has(writer.oid)) {
        const state = await transactionState(objects, writer, scope.nowMs())
        if (state.state === 'in-flight' || state.state === 'abandoned') throw new RecordBusyError(target.key)
        if (state.state === 'rolled-back') {
          // Undone meanwhile: whatever stands there now is a committed state, but it was not the one listed. Retry.
          if ((await objects.get(object.key)) !== null) throw new RecordBusyError(target.key)
          continue
        }
      }
      if (object.metadata[META_DELETING] !== undefined) continue
      const { id } = parseIndexKey(object.key)
      throw new DomainRuleError('referenced', `${target.entity} ${target.id.slice(0, 8)} is referenced by ${entity} ${id.slice(0, 8)} (${field.name}) and cannot be deleted.`, {
        entity,
        id,
        field: field.name,
      })
    }
    cursor = page.cursor
  } while (cursor !== undefined)
}

/**
 * An intent holds the texts before and after each of its writes: a write of a referring entity whose text, either
 * side, mentions the id may hold a reference to it.
 */
async function assertNoOpenTransactionNames(scope: ReferrerScope, targets: readonly DeletedRecord[]): Promise<void> {
  const own = intentKey(scope.tenant, scope.oid)
  const keys = (await listAll(scope.objects, intentsPrefix(scope.tenant))).map((listed) => listed.key).filter((key) => key !== own)
  const stored = await Promise.all(keys.map((key) => scope.objects.get(key)))
  for (const object of stored) {
    if (object === null) continue
    const parsed = parseIntent(object.text)
    if (!parsed.ok) throw new CorruptObjectError(object.key, parsed.reason)
    const { intent } = parsed
    for (const target of targets) {
      const prefixes = referringFields(scope.schema, target.entity).map(({ entity }) => entityPrefix(scope.schema, scope.tenant, entity))
      const mentions = (key: string, text: string | undefined) => prefixes.some((prefix) => key.startsWith(prefix)) && text !== undefined && text.includes(target.id)
      const named =
        intent.ops.some((op) => mentions(op.key, op.previous?.text)) ||
        intent.entry.files.some((file) => mentions(file.path, file.op === 'put' ? file.content : undefined))
      if (named) throw new RecordBusyError(target.key)
    }
  }
}

async function assertNoRecordReferences(scope: ReferrerScope, target: DeletedRecord, entity: string, field: FieldSpec, deletedKeys: ReadonlySet<string>): Promise<void> {
  const listed: { object: ListedObject; text: string }[] = []
  for await (const { listed: object, text } of listedTexts(scope.objects, entityPrefix(scope.schema, scope.tenant, entity))) {
    if (!deletedKeys.has(object.key)) listed.push({ object, text })
  }
  const recent = new Map<string, Writer>()
  for (const { object } of listed) {
    const writer = writerToConfirm(object.metadata, scope.tenant, scope.nowMs())
    if (writer !== null && writer.oid !== scope.oid) recent.set(object.key, writer)
  }
  const committed = await committedAmong(scope.objects, scope.tenant, [...recent.values()])
  for (const { object, text } of listed) {
    const writer = recent.get(object.key)
    if (writer !== undefined && !committed.has(writer.oid)) {
      // Its writer may be open or undone: whatever it held before or after, a mention of the id is a possible reference.
      const state = await transactionState(scope.objects, writer, scope.nowMs())
      const intentNames =
        state.state !== 'committed' &&
        state.state !== 'rolled-back' &&
        (state.intent.ops.some((op) => op.key === object.key && op.previous?.text.includes(target.id) === true) ||
          state.intent.entry.files.some((file) => file.path === object.key && file.op === 'put' && file.content.includes(target.id)))
      if (intentNames || (state.state !== 'committed' && text.includes(target.id))) throw new RecordBusyError(target.key)
      if (state.state === 'rolled-back') {
        const now = await scope.objects.get(object.key)
        if (now !== null && now.text.includes(target.id)) throw new RecordBusyError(target.key)
        continue
      }
    }
    if (object.metadata[META_DELETING] !== undefined) continue
    const { record } = parseStoredRecord(scope.schema, { key: object.key, version: object.version, text }, parseRecordKey(scope.schema, object.key))
    if (record.fields[field.name] === target.id) {
      throw new DomainRuleError(
        'referenced',
        `${target.entity} ${target.id.slice(0, 8)} is referenced by ${entity} ${record.id.slice(0, 8)} (${field.name}) and cannot be deleted.`,
        { entity, id: record.id, field: field.name },
      )
    }
  }
}
