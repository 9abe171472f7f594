import type { AgiRecord, FieldValue, Schema } from '../agi/types.ts'
import { ConflictError, OperationNotAllowedError, ValidationError } from '../errors.ts'
import { entityPrefix, INDEX_PREFIX, intentsPrefix, newId, parseIntentKey, parseRecordKey, recordKey } from '../keys.ts'
import { decodeMetadataText } from '../metadata-text.ts'
import type { ListedObject, ObjectStore, StoredObject } from '../object-store/object-store.ts'
import { prepareCommit, type PreparedCommit } from './commit-protocol.ts'
import { committedAmong } from './committed.ts'
import { parseIntent } from './intent.ts'
import { createMessage, deleteMessage, editMessage } from './messages.ts'
import { parseStoredRecord, readCommitted, RecordBusyError, writerToConfirm, type Writer } from './record-io.ts'
import { listAll } from './listed-texts.ts'
import { assertUnreferenced } from './referrers.ts'
import { META_AGI, META_DELETING, META_TX } from './record-metadata.ts'
import { IndexEntryRaceError, LostRaceError, Transaction } from './transaction.ts'
import { isRecordWrite } from './index-entries.ts'
import { indexFilter, listByIndex, matchesFilter, type DateRange } from './index-list.ts'
import { indexMarkersOf } from './index-markers.ts'
import type { Author, CommitRef, GitStoreOptions, StoredRecord } from './types.ts'

export interface TransactionResult<T> {
  value: T
  /** Null when the transaction changed nothing (no entry, no commit). */
  commit: CommitRef | null
  /** Every record written, with its new version. */
  records: StoredRecord[]
  /** Keys of deleted records. */
  deleted: string[]
}

export interface TransactionOptions {
  /**
   * Intent tools write records whose CRUD clause keeps agents from writing them directly (invoice lines,
   * journal lines) so derived totals stay consistent. Generic writes always enforce CRUD.
   */
  enforceCrud?: boolean
}

export interface ListOptions {
  limit?: number
  cursor?: string
  /** Field equality filter (typed values) on indexed fields. */
  where?: Record<string, FieldValue>
  /** Inclusive date ranges on indexed `date` fields. */
  ranges?: Record<string, DateRange>
}

const LIST_DEFAULT_LIMIT = 50
const LIST_MAX_LIMIT = 200

/**
 * The write path of Accelerando: records in an `ObjectStore`, every write a pending commit.
 *
 * @example
 * const store = new GitStore({ objects, schema: ERP_SCHEMA, tenant: 'acme', author })
 * const { value: customer, commit } = await store.create('Customer', { name: 'Ada' })
 * await store.edit('Customer', customer.record.id, { email: 'ada@example.com' })
 */
export class GitStore {
  readonly #options: GitStoreOptions
  /** With `holdCommit`: the transaction prepared and waiting for `finishHeld` or `abortHeld`. */
  #held: PreparedCommit | undefined

  constructor(options: GitStoreOptions) {
    this.#options = options
  }

  get tenant(): string {
    return this.#options.tenant
  }

  get schema(): Schema {
    return this.#options.schema
  }

  /** What a summary derived from this tenant's records needs (shared/ledger): the bucket, the clock, deferral. */
  get derivedAccess(): { objects: ObjectStore; nowMs: () => number; defer?: (work: Promise<unknown>) => void } {
    const { objects, defer } = this.#options
    return { objects, nowMs: () => this.#now().getTime(), ...(defer === undefined ? {} : { defer }) }
  }

  /**
   * Runs `fn` and commits every write it staged as one entry (one git commit). References the writes set must
   * exist (`unknown_reference`). A lost race re-runs `fn` once on fresh state; losing again is a `ConflictError`.
   * If `fn` throws, nothing is written.
   */
  async transaction<T>(
    message: string | ((value: T, tx: Transaction) => string),
    fn: (tx: Transaction) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<TransactionResult<T>> {
    if (this.#held !== undefined) throw new Error(`transaction ${this.#held.oid} is held: finish or abort it first`)
    const attempts = 2
    // The entry's time must follow the time of every transaction it read: the sync orders commits by it.
    let notBeforeMs = 0
    let restamps = 0
    // Set once an attempt found index entries out of step with their records: from then on they are read first.
    let readEntries = false
    for (let attempt = 1; ; attempt++) {
      const nowMs = () => this.#now().getTime()
      const tx = new Transaction({
        objects: this.#options.objects,
        schema: this.#options.schema,
        tenant: this.#options.tenant,
        now: new Date(Math.max(nowMs(), notBeforeMs)),
        nowMs,
        newId: this.#newId,
        enforceCrud: options.enforceCrud ?? true,
        deferReadConfirmation: attempt === 1,
      })
      try {
        const value = await fn(tx)
        await tx.checkReferences()
        await tx.stageUniqueGuards()
        if (tx.latestReadMs >= tx.timestamp.getTime()) {
          // Read a write stamped at or after this transaction's own time (clocks differ, or it ran meanwhile): run
          // again just after it, so git's order of commits is the order the writes happened in.
          if (restamps >= 3) throw new ConflictError(`the records this write reads keep changing — retry`)
          notBeforeMs = tx.latestReadMs + 1
          restamps += 1
          attempt -= 1
          continue
        }
        // The first attempt takes index entries to be in step with their records; a run again reads them.
        await tx.stageIndexEntries(readEntries || attempt > 1)
        const writes = tx.writes
        const recordWrites = writes.filter(isRecordWrite)
        if (recordWrites.length === 0) return { value, commit: null, records: [], deleted: [] }
        const oid = this.#newId()
        const deletes = recordWrites.filter((write) => write.kind === 'delete')
        const prepared = await prepareCommit({
          objects: this.#options.objects,
          schema: this.#options.schema,
          tenant: this.#options.tenant,
          author: this.#options.author,
          actor: this.#options.actor,
          oid,
          ts: tx.timestamp,
          message: typeof message === 'function' ? message(value, tx) : message,
          writes,
          confirmReads: () => tx.confirmReads(),
          checkWhileApplying: () => tx.verifyReferences(),
          checkAfterApplying:
            deletes.length === 0
              ? undefined
              : () => assertUnreferenced({ objects: this.#options.objects, schema: this.#options.schema, tenant: this.#options.tenant, nowMs, oid }, deletes),
          nowMs,
          defer: this.#options.defer,
        })
        let commit = prepared.commit
        if (this.#options.holdCommit === true) this.#held = prepared
        else commit = (await prepared.finish()).commit
        const records = recordWrites
          .filter((write) => write.kind !== 'delete')
          .map((write) => ({ key: write.key, record: write.record, version: prepared.versions.get(write.key) as string, unknownFields: Object.keys(write.record.unknown) }))
        return { value, commit, records, deleted: deletes.map((write) => write.key) }
      } catch (error) {
        const raced = error instanceof LostRaceError || error instanceof RecordBusyError
        if (!raced || (tx.usedExplicitVersion && !(error instanceof IndexEntryRaceError))) throw error
        if (error instanceof IndexEntryRaceError && !readEntries) {
          // Not yet known to be a lost race (a missing entry is only out of step): run again reading the entries, at
          // once and without spending the one retry a lost race gets; an entry an open transaction holds is busy then.
          readEntries = true
          attempt -= 1
          continue
        }
        if (attempt >= attempts) throw new ConflictError(error.message)
        await this.#sleep(25 + Math.random() * 75)
      }
    }
  }

  /** The transaction held by `holdCommit`, if any: its id and the entry key its commit point writes. */
  get heldCommit(): { oid: string; entryKey: string; ms: number } | undefined {
    const held = this.#held
    return held === undefined ? undefined : { oid: held.oid, entryKey: held.entryKey, ms: Date.parse(held.commit.ts) }
  }

  /** Commits the held transaction. `CommitOutcomeUnknownError` when its entry's put fails (it may have landed). */
  async finishHeld(): Promise<void> {
    const held = this.#held
    this.#held = undefined
    if (held !== undefined) await held.finish()
  }

  /** Undoes the held transaction: it never commits. */
  async abortHeld(): Promise<void> {
    const held = this.#held
    this.#held = undefined
    if (held !== undefined) await held.abort()
  }

  /** Reads one record (its committed view); null when it does not exist. Corrupt bytes throw `CorruptObjectError`. */
  async read(entity: string, id: string): Promise<StoredRecord | null> {
    this.#allow(entity, 'read')
    const key = recordKey(this.#options.schema, this.#options.tenant, entity, id)
    const object = await readCommitted(this.#options.objects, key, this.#options.tenant, () => this.#now().getTime(), { forWrite: false })
    return object === null ? null : parseStoredRecord(this.#options.schema, object, { entity, id })
  }

  /**
   * Lists an entity's records in id order (creation order for v7 ids). Record texts come from list metadata,
   * so a page costs one list call plus one for open transactions, not one GET per record.
   *
   * A filter (`where`, `ranges`) may name indexed fields only (else `ValidationError`, naming them) and reads the
   * index (`listByIndex`): a page costs at most three calls however big the collection, in the order of the walked
   * field's values (a range: by date, then id). Until the index is complete (records written before it existed lack
   * entries), the records themselves are listed and filtered: correct, at the old cost.
   */
  async list(entity: string, options: ListOptions = {}): Promise<{ records: StoredRecord[]; cursor?: string }> {
    this.#allow(entity, 'list')
    if (options.where === undefined && options.ranges === undefined) return this.#list(entity, options)
    const { objects, schema, tenant } = this.#options
    const filter = indexFilter(schema, entity, options.where, options.ranges)
    const limit = Math.min(Math.max(options.limit ?? LIST_DEFAULT_LIMIT, 1), LIST_MAX_LIMIT)
    // A cursor says which way its first page went; a first page asks the marker, while it lists the index.
    const fromIndex = options.cursor === undefined || options.cursor.startsWith(INDEX_PREFIX)
    if (fromIndex) {
      const complete = options.cursor !== undefined ? Promise.resolve(true) : indexMarkersOf(objects).isComplete(objects, schema, entity, filter.field)
      // Awaited with the index's list call; if that fails first, the marker's failure is of no interest.
      complete.catch(() => undefined)
      const page = await listByIndex({ objects, schema, tenant, nowMs: () => this.#now().getTime() }, filter, { limit, cursor: options.cursor }, complete)
      if (page !== null) return page
    }
    return this.#list(entity, { limit, cursor: options.cursor, match: (record) => matchesFilter(record, filter) })
  }

  async #list(entity: string, options: { limit?: number; cursor?: string; match?: (record: AgiRecord) => boolean }): Promise<{ records: StoredRecord[]; cursor?: string }> {
    const { objects, schema, tenant } = this.#options
    const limit = Math.min(Math.max(options.limit ?? LIST_DEFAULT_LIMIT, 1), LIST_MAX_LIMIT)
    const prefix = entityPrefix(schema, tenant, entity)
    if (options.cursor !== undefined) {
      const parsed = parseRecordKey(schema, options.cursor)
      if (parsed.tenant !== tenant || parsed.entity !== entity) throw new ValidationError('cursor does not belong to this list')
    }
    const match = options.match
    const page = await objects.list({ prefix, startAfter: options.cursor, limit: match === undefined ? limit : 1000 })
    const settled = await this.#committedView(page.objects)
    const records: StoredRecord[] = []
    let lastKey: string | undefined
    for (const [index, listed] of page.objects.entries()) {
      if (records.length >= limit) break
      lastKey = listed.key
      const object = settled[index]
      if (object === null || object === undefined) continue
      const stored = parseStoredRecord(schema, object, { entity, id: parseRecordKey(schema, listed.key).id })
      if (match !== undefined && !match(stored.record)) continue
      records.push(stored)
    }
    const more = page.cursor !== undefined || (lastKey !== undefined && lastKey !== page.objects.at(-1)?.key)
    return more && lastKey !== undefined ? { records, cursor: lastKey } : { records }
  }

  /**
   * The committed view of listed records, as strict as a read: a record whose writer is open, or wrote recently and
   * is not found committed, is read through `readCommitted`; the rest is served from the listing. The tenant's open
   * intents are listed after the records (a writer seen in the first list wrote its intent before it), and recent
   * writers are confirmed in one batch from the entry lists.
   */
  async #committedView(listed: readonly ListedObject[]): Promise<(StoredObject | null)[]> {
    const { objects, tenant } = this.#options
    const nowMs = () => this.#now().getTime()
    const writers = new Map<string, Writer>()
    for (const object of listed) {
      const writer = writerToConfirm(object.metadata, tenant, nowMs())
      if (writer !== null) writers.set(writer.oid, writer)
    }
    const [open, committed] = await Promise.all([this.#openTransactions(), committedAmong(objects, tenant, [...writers.values()])])
    return Promise.all(
      listed.map(async (object) => {
        const writer = object.metadata[META_TX]
        const unconfirmed = writer !== undefined && (open.has(writer) || (writers.has(writer) && !committed.has(writer)))
        if (!unconfirmed && object.metadata[META_DELETING] !== undefined) return null
        const copy = object.metadata[META_AGI]
        const text = unconfirmed || copy === undefined ? null : decodeMetadataText(copy)
        if (text !== null) return { key: object.key, version: object.version, text, metadata: object.metadata }
        // Unconfirmed, or too big for the metadata copy: read it as a read would.
        return readCommitted(objects, object.key, tenant, nowMs, { forWrite: false })
      }),
    )
  }

  async create(entity: string, fields: Record<string, FieldValue>): Promise<{ stored: StoredRecord; commit: CommitRef }> {
    const result = await this.transaction(
      (record: AgiRecord) => createMessage(entity, record.id),
      async (tx) => tx.create(entity, fields),
    )
    return { stored: result.records[0] as StoredRecord, commit: result.commit as CommitRef }
  }

  /**
   * Edits with optimistic concurrency; returns `commit: null` when the patch changes nothing. `guard` (a domain
   * rule) sees the record the write replaces and the changes it makes, and may throw to refuse the edit.
   */
  async edit(
    entity: string,
    id: string,
    patch: Record<string, FieldValue>,
    options: {
      expectedVersion?: string
      unset?: readonly string[]
      guard?: (current: AgiRecord, changed: Record<string, FieldValue>, unset: readonly string[]) => void
    } = {},
  ): Promise<{ stored: StoredRecord; commit: CommitRef | null }> {
    let changed: Record<string, FieldValue> = {}
    let unset: string[] = []
    const result = await this.transaction(
      () => editMessage(entity, id, changed, unset),
      async (tx) => {
        const current = await tx.require(entity, id)
        changed = Object.fromEntries(Object.entries(patch).filter(([name, value]) => !sameValue(current.fields[name], value)))
        unset = (options.unset ?? []).filter((name) => current.fields[name] !== undefined)
        if (Object.keys(changed).length === 0 && unset.length === 0) {
          if (options.expectedVersion !== undefined) await tx.assertVersion(entity, id, options.expectedVersion)
          return current
        }
        // Judged on the version the conditional write replaces (read again by `tx.edit`), not on `current`:
        // a change that lands in between is either seen here or makes the write lose its race and retry.
        const guarded = (base: AgiRecord) => {
          options.guard?.(base, changed, unset)
          return changed
        }
        return tx.edit(entity, id, guarded, { expectedVersion: options.expectedVersion, unset })
      },
    )
    if (result.commit === null) {
      const stored = await this.read(entity, id)
      if (stored === null) throw new ConflictError(`${entity} ${id.slice(0, 8)} was deleted concurrently`)
      return { stored, commit: null }
    }
    return { stored: result.records[0] as StoredRecord, commit: result.commit }
  }

  /**
   * Deletes a record; one that another record names through a `REFERENCES` field is refused (422 `referenced`).
   * The referrers are looked for after the record is claimed (see `assertUnreferenced`), so a write setting a
   * reference to it cannot slip in between.
   */
  async delete(entity: string, id: string, options: { expectedVersion?: string } = {}): Promise<{ commit: CommitRef }> {
    const result = await this.transaction(deleteMessage(entity, id), (tx) => tx.delete(entity, id, options))
    return { commit: result.commit as CommitRef }
  }

  #allow(entity: string, operation: 'read' | 'list'): void {
    const spec = this.#options.schema.entities.get(entity)
    if (spec === undefined) throw new ValidationError(`unknown entity ${entity}`)
    if (!spec.crud.has(operation)) throw new OperationNotAllowedError(`${entity} does not allow ${operation}`)
  }

  /** Ids of this tenant's transactions that have an intent right now (usually none), every page. */
  async #openTransactions(): Promise<Set<string>> {
    const listed = await listAll(this.#options.objects, intentsPrefix(this.#options.tenant))
    return new Set(listed.map((object) => parseIntentKey(object.key).oid))
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date()
  }

  readonly #newId = (): string => this.#options.newId?.() ?? newId(this.#now())

  #sleep(ms: number): Promise<void> {
    return this.#options.sleep?.(ms) ?? new Promise((resolve) => setTimeout(resolve, ms))
  }
}

/** Field equality across the value kinds (bigint money, JSON values compared structurally). */
export function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b
  return JSON.stringify(a) === JSON.stringify(b)
}

export type { Author }
