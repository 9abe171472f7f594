import { parseRecord } from '../../shared/agi/index.ts'
import { indexedFields, type Schema } from '../../shared/agi/types.ts'
import { committedAmong, indexKeysOfRecord, isCommitted, writeIndexMarker, type Writer } from '../../shared/git-store/index.ts'
import { transactionState, writerToConfirm } from '../../shared/git-store/record-io.ts'
import { META_DELETING, META_TX } from '../../shared/git-store/record-metadata.ts'
import { INDEX_PREFIX, INDEX_VALUE_MAX_BYTES, indexValueText, INTENTS_PREFIX, parseIndexKey, parseIntentKey, parseRecordKey, recordKey } from '../../shared/keys.ts'
import type { ListedObject } from '../../shared/object-store/object-store.ts'
import type { Bucket } from './bucket.ts'
import type { BucketTree } from './bucket-tree.ts'
import type { Logger } from './logger.ts'
import { silentProgress, type Progress } from './progress.ts'

/**
 * `missing`: a record's value has no entry; `stale`: the entry is not a copy of the record as it stands; `orphaned`: an
 * entry no record implies (its record is gone or holds another value); `unindexable`: a value too long for a key, in
 * a record written before the index existed.
 */
export type IndexProblemKind = 'missing' | 'stale' | 'orphaned' | 'unindexable'

export interface IndexProblem {
  kind: IndexProblemKind
  /** The entry's key (for `unindexable`, the record's). */
  key: string
  /** The record the entry copies, or should. */
  record?: string
}

export interface IndexCheckResult {
  /** Index entries found. */
  entries: number
  problems: IndexProblem[]
  /** Entries of records or transactions still in flight: not judged, never touched. */
  unsettled: number
  /** Problems fixed by `repair`. */
  repaired: number
  /** `Entity.field` of every index marked complete by this run. */
  marked: string[]
}

/**
 * Index entries are derived from `data/`: each record implies one entry per indexed value it holds, a copy of it (same
 * text, so same version). This compares the bucket's entries with what its committed records imply, leaving out the
 * records and entries of transactions in flight (`tree.unsettled`, and entries whose writer is open or not yet found
 * committed). With `repair`, it rebuilds them — each fix a conditional put (or a removal) judged on the record as it
 * stands now, skipped if a transaction holds it — then marks complete every index left without a problem, so lists
 * and reference checks read it.
 */
export async function checkIndexes(
  objects: Bucket,
  schema: Schema,
  tree: BucketTree,
  options: { nowMs: number; repair: boolean; progress?: Progress },
): Promise<IndexCheckResult> {
  const expected = new Map<string, { record: string; version: string }>()
  const problems: IndexProblem[] = []
  for (const [key, file] of tree.files) {
    let implied: string[]
    try {
      const { entity, id } = parseRecordKey(schema, key)
      const { record } = parseRecord(file.text, schema, { file: key, expect: { entity, id } })
      implied = indexKeysOfRecord(schema, key, record)
      const spec = schema.entities.get(entity)!
      for (const field of indexedFields(spec)) {
        const value = record.fields[field.name]
        if (value !== undefined && new TextEncoder().encode(indexValueText(value)).byteLength > INDEX_VALUE_MAX_BYTES) problems.push({ kind: 'unindexable', key, record: key })
      }
    } catch {
      continue // a record that does not parse is the integrity check's to report
    }
    for (const entry of implied) expected.set(entry, { record: key, version: file.version })
  }

  const unsettledRecords = new Set(tree.unsettled)
  // Entities with a write in flight: such a write may yet be undone, and take back the entries it wrote for a record
  // from before the index, so their indexes are not marked complete this time.
  const inFlight = new Set<string>()
  for (const key of tree.unsettled) {
    try {
      inFlight.add(parseRecordKey(schema, key).entity)
    } catch {
      // Not a record of this schema: nothing to index.
    }
  }
  const found = new Map<string, ListedObject>()
  const listed: ListedObject[] = []
  const listing = (options.progress ?? silentProgress).phase('listing index entries')
  for await (const object of objects.listAll(INDEX_PREFIX)) {
    listed.push(object)
    listing.tick()
  }
  listing.end()
  const settledWriters = await settledTransactions(objects, listed, options.nowMs)
  let unsettled = 0
  for (const object of listed) {
    let record: string
    try {
      const parts = parseIndexKey(object.key)
      record = recordKey(schema, parts.tenant, parts.entity, parts.id)
    } catch {
      problems.push({ kind: 'orphaned', key: object.key })
      continue
    }
    const writer = object.metadata[META_TX]
    if (unsettledRecords.has(record) || (writer !== undefined && settledWriters.get(writer) === false)) {
      unsettled += 1
      inFlight.add(parseIndexKey(object.key).entity)
      expected.delete(object.key)
      continue
    }
    // A committed delete's claim, waiting for its clean-up: already gone.
    if (object.metadata[META_DELETING] !== undefined) continue
    found.set(object.key, object)
  }
  for (const [key, { record, version }] of expected) {
    const object = found.get(key)
    if (object === undefined) problems.push({ kind: 'missing', key, record })
    else if (object.version !== version) problems.push({ kind: 'stale', key, record })
  }
  for (const [key, object] of found) {
    if (expected.has(key)) continue
    const { tenant, entity, id } = parseIndexKey(object.key)
    let record: string | undefined
    try {
      record = recordKey(schema, tenant, entity, id)
    } catch {
      record = undefined
    }
    problems.push({ kind: 'orphaned', key, ...(record === undefined ? {} : { record }) })
  }
  problems.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  // A record written since the tree was read moved its entries with it: not a problem, only a late look.
  const records = [...new Set(problems.flatMap((problem) => (problem.record === undefined || problem.kind === 'unindexable' ? [] : [problem.record])))]
  const now = await objects.getMany(records, 32)
  const moved = new Set(records.filter((key, index) => (now[index]?.version ?? null) !== (tree.files.get(key)?.version ?? null)))
  const steady = problems.filter((problem) => problem.record === undefined || problem.kind === 'unindexable' || !moved.has(problem.record))
  for (const key of moved) inFlight.add(parseRecordKey(schema, key).entity)
  unsettled += problems.length - steady.length

  const result: IndexCheckResult = { entries: listed.length, problems: steady, unsettled, repaired: 0, marked: [] }
  if (!options.repair) return result
  const left: IndexProblem[] = []
  for (const problem of steady) {
    if (problem.kind !== 'unindexable' && (await repairEntry(objects, schema, problem, found.get(problem.key), options.nowMs))) result.repaired += 1
    else left.push(problem)
  }
  // An index with nothing left to fix is complete in every tenant: mark it, so reads use it.
  const incomplete = new Set(
    left.flatMap((problem) => {
      try {
        const parts = problem.kind === 'unindexable' ? parseRecordKey(schema, problem.key) : parseIndexKey(problem.key)
        return 'field' in parts ? [`${parts.entity}.${parts.field}`] : [...indexedFields(schema.entities.get(parts.entity)!).map((field) => `${parts.entity}.${field.name}`)]
      } catch {
        return []
      }
    }),
  )
  for (const spec of schema.entities.values()) {
    for (const field of indexedFields(spec)) {
      const name = `${spec.name}.${field.name}`
      if (incomplete.has(name) || inFlight.has(spec.name)) continue
      await writeIndexMarker(objects, schema, spec.name, field.name, new Date(options.nowMs))
      result.marked.push(name)
    }
  }
  return result
}

/**
 * Fixes one entry from its record as it stands now (read again): a record held by a transaction is left for the next
 * run. A missing entry is created only if still absent, a stale one replaced only at the version found; an entry the
 * record no longer implies is removed if it still holds what was found.
 */
async function repairEntry(objects: Bucket, schema: Schema, problem: IndexProblem, foundEntry: ListedObject | undefined, nowMs: number): Promise<boolean> {
  let current = problem.record === undefined ? null : await objects.get(problem.record)
  const writer = current === null ? null : writerToConfirm(current.metadata, parseRecordKey(schema, current.key).tenant, nowMs)
  if (writer !== null && (await transactionState(objects, writer, nowMs)).state !== 'committed') return false
  // A committed delete's claim: the record is gone.
  if (current?.metadata[META_DELETING] !== undefined) current = null
  let implied: string[] = []
  if (current !== null && problem.record !== undefined) {
    const { entity, id } = parseRecordKey(schema, problem.record)
    implied = indexKeysOfRecord(schema, problem.record, parseRecord(current.text, schema, { file: problem.record, expect: { entity, id } }).record)
  }
  if (current !== null && implied.includes(problem.key)) {
    const condition = foundEntry === undefined ? { ifAbsent: true as const } : { ifVersion: foundEntry.version }
    return (await objects.put(problem.key, current.text, { condition, metadata: current.metadata })) !== null
  }
  const now = await objects.get(problem.key)
  if (now === null) return true
  if (foundEntry !== undefined && now.version !== foundEntry.version) return false
  await objects.delete(problem.key)
  return true
}

/** Whether each entry's recent writer committed (true) or not, or is still open (false); settled writers are not asked. */
async function settledTransactions(objects: Bucket, listed: readonly ListedObject[], nowMs: number): Promise<Map<string, boolean>> {
  const open = new Set<string>()
  for await (const intent of objects.listAll(INTENTS_PREFIX)) {
    try {
      open.add(parseIntentKey(intent.key).oid)
    } catch {
      // Not an intent key; the recovery pass reports what it cannot read.
    }
  }
  const byTenant = new Map<string, Map<string, Writer>>()
  const verdicts = new Map<string, boolean>()
  for (const object of listed) {
    let tenant: string
    try {
      tenant = parseIndexKey(object.key).tenant
    } catch {
      continue
    }
    const oid = object.metadata[META_TX]
    if (oid !== undefined && open.has(oid)) verdicts.set(oid, false)
    const writer = writerToConfirm(object.metadata, tenant, nowMs)
    if (writer === null || open.has(writer.oid)) continue
    const writers = byTenant.get(tenant) ?? new Map<string, Writer>()
    writers.set(writer.oid, writer)
    byTenant.set(tenant, writers)
  }
  for (const [tenant, writers] of byTenant) {
    const found = await committedAmong(objects, tenant, [...writers.values()])
    for (const writer of writers.values()) verdicts.set(writer.oid, found.has(writer.oid) || (await isCommitted(objects, writer)))
  }
  return verdicts
}

/** What an operator reads in the log. */
export function logIndexCheck(logger: Logger, result: IndexCheckResult): void {
  const fixed = result.repaired > 0 ? `, ${result.repaired} repaired` : ''
  logger.info(`checked ${result.entries} index entr${result.entries === 1 ? 'y' : 'ies'}: ${result.problems.length} problem(s)${fixed}${result.unsettled > 0 ? `, ${result.unsettled} in flight` : ''}`)
  for (const problem of result.problems.slice(0, 100)) logger.warning(`index: ${problem.key}: ${problem.kind}${problem.record === undefined ? '' : ` (${problem.record})`}`)
  if (result.problems.length > 100) logger.warning(`index: … and ${result.problems.length - 100} more`)
  if (result.marked.length > 0) logger.info(`indexes complete: ${result.marked.join(', ')}`)
}
