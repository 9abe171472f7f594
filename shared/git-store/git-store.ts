import type { AgiRecord, FieldValue, Schema } from '../agi/types.ts'
import { ConflictError, DomainRuleError, OperationNotAllowedError, ValidationError } from '../errors.ts'
import { entityPrefix, INTENTS_PREFIX, newId, parseRecordKey, recordKey } from '../keys.ts'
import { decodeMetadataText } from '../metadata-text.ts'
import type { StoredObject } from '../object-store/object-store.ts'
import { commitTransaction } from './commit-protocol.ts'
import { parseIntent } from './intent.ts'
import { createMessage, deleteMessage, editMessage } from './messages.ts'
import { parseStoredRecord, readCommitted, RecordBusyError } from './record-io.ts'
import { META_AGI, META_TX } from './timing.ts'
import { LostRaceError, Transaction } from './transaction.ts'
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
  /** Field equality filter (typed values). */
  where?: Record<string, FieldValue>
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

  constructor(options: GitStoreOptions) {
    this.#options = options
  }

  get tenant(): string {
    return this.#options.tenant
  }

  get schema(): Schema {
    return this.#options.schema
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
    const attempts = 2
    for (let attempt = 1; ; attempt++) {
      const tx = new Transaction({
        objects: this.#options.objects,
        schema: this.#options.schema,
        tenant: this.#options.tenant,
        now: this.#now(),
        nowMs: () => this.#now().getTime(),
        newId: this.#newId,
        enforceCrud: options.enforceCrud ?? true,
        deferReadConfirmation: attempt === 1,
      })
      try {
        const value = await fn(tx)
        await tx.checkReferences()
        const writes = tx.writes
        if (writes.length === 0) return { value, commit: null, records: [], deleted: [] }
        const { commit, versions } = await commitTransaction({
          objects: this.#options.objects,
          schema: this.#options.schema,
          tenant: this.#options.tenant,
          author: this.#options.author,
          actor: this.#options.actor,
          oid: this.#newId(),
          ts: tx.timestamp,
          message: typeof message === 'function' ? message(value, tx) : message,
          writes,
          confirmReads: () => tx.confirmReads(),
          nowMs: () => this.#now().getTime(),
          defer: this.#options.defer,
        })
        const records = writes
          .filter((write) => write.kind !== 'delete')
          .map((write) => ({ key: write.key, record: write.record, version: versions.get(write.key) as string, unknownFields: Object.keys(write.record.unknown) }))
        const deleted = writes.filter((write) => write.kind === 'delete').map((write) => write.key)
        return { value, commit, records, deleted }
      } catch (error) {
        const raced = error instanceof LostRaceError || error instanceof RecordBusyError
        if (!raced || tx.usedExplicitVersion) throw error
        if (attempt >= attempts) throw new ConflictError(error.message)
        await this.#sleep(25 + Math.random() * 75)
      }
    }
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
   */
  async list(entity: string, options: ListOptions = {}): Promise<{ records: StoredRecord[]; cursor?: string }> {
    this.#allow(entity, 'list')
    return this.#list(entity, options)
  }

  async #list(entity: string, options: ListOptions): Promise<{ records: StoredRecord[]; cursor?: string }> {
    const { objects, schema, tenant } = this.#options
    const limit = Math.min(Math.max(options.limit ?? LIST_DEFAULT_LIMIT, 1), LIST_MAX_LIMIT)
    const prefix = entityPrefix(schema, tenant, entity)
    if (options.cursor !== undefined) {
      const parsed = parseRecordKey(schema, options.cursor)
      if (parsed.tenant !== tenant || parsed.entity !== entity) throw new ValidationError('cursor does not belong to this list')
    }
    const where = options.where
    // Intents are listed after the records: a transaction whose write the first list saw wrote its intent
    // before it, so it is either still listed as open or already settled.
    const page = await objects.list({ prefix, startAfter: options.cursor, limit: where === undefined ? limit : 1000 })
    const open = await this.#openTransactions()
    const records: StoredRecord[] = []
    let lastKey: string | undefined
    for (const listed of page.objects) {
      if (records.length >= limit) break
      lastKey = listed.key
      const { id } = parseRecordKey(schema, listed.key)
      const copy = listed.metadata[META_AGI]
      const text = copy === undefined ? undefined : (decodeMetadataText(copy) ?? undefined)
      let object: StoredObject | null =
        text !== undefined ? { key: listed.key, version: listed.version, text, metadata: listed.metadata } : await objects.get(listed.key)
      if (object === null) continue
      const writer = object.metadata[META_TX]
      if (writer !== undefined && open.has(writer)) {
        object = await readCommitted(objects, listed.key, tenant, () => this.#now().getTime(), { forWrite: false })
      }
      if (object === null) continue
      const stored = parseStoredRecord(schema, object, { entity, id })
      if (where !== undefined && !matches(stored.record, where)) continue
      records.push(stored)
    }
    const more = page.cursor !== undefined || (lastKey !== undefined && lastKey !== page.objects.at(-1)?.key)
    return more && lastKey !== undefined ? { records, cursor: lastKey } : { records }
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

  /** Deletes a record; one that another record names through a `REFERENCES` field is refused (422 `referenced`). */
  async delete(entity: string, id: string, options: { expectedVersion?: string } = {}): Promise<{ commit: CommitRef }> {
    await this.#assertUnreferenced(entity, id)
    const result = await this.transaction(deleteMessage(entity, id), (tx) => tx.delete(entity, id, options))
    return { commit: result.commit as CommitRef }
  }

  /**
   * Deleting a record that others still name (a customer with invoices) would leave their references pointing
   * at nothing. Every field that REFERENCES the entity is searched, one filtered list page at a time.
   */
  async #assertUnreferenced(entity: string, id: string): Promise<void> {
    for (const spec of this.#options.schema.entities.values()) {
      for (const field of spec.fields) {
        if (field.references !== entity) continue
        let cursor: string | undefined
        do {
          const page = await this.#list(spec.name, { where: { [field.name]: id }, limit: 1, cursor })
          const referrer = page.records.find((stored) => stored.record.entity !== entity || stored.record.id !== id)
          if (referrer !== undefined) {
            throw new DomainRuleError(
              'referenced',
              `${entity} ${id.slice(0, 8)} is referenced by ${spec.name} ${referrer.record.id.slice(0, 8)} (${field.name}) and cannot be deleted.`,
              { entity: spec.name, id: referrer.record.id, field: field.name },
            )
          }
          cursor = page.cursor
        } while (cursor !== undefined)
      }
    }
  }

  #allow(entity: string, operation: 'read' | 'list'): void {
    const spec = this.#options.schema.entities.get(entity)
    if (spec === undefined) throw new ValidationError(`unknown entity ${entity}`)
    if (!spec.crud.has(operation)) throw new OperationNotAllowedError(`${entity} does not allow ${operation}`)
  }

  /** Ids of transactions that have an intent right now (usually none): one list call. */
  async #openTransactions(): Promise<Set<string>> {
    const page = await this.#options.objects.list({ prefix: INTENTS_PREFIX, limit: 1000 })
    const open = new Set<string>()
    for (const listed of page.objects) {
      const oid = listed.key.slice(INTENTS_PREFIX.length).replace(/\.json$/, '')
      open.add(oid)
    }
    return open
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date()
  }

  readonly #newId = (): string => this.#options.newId?.() ?? newId(this.#now())

  #sleep(ms: number): Promise<void> {
    return this.#options.sleep?.(ms) ?? new Promise((resolve) => setTimeout(resolve, ms))
  }
}

function matches(record: AgiRecord, where: Record<string, FieldValue>): boolean {
  return Object.entries(where).every(([name, value]) => sameValue(record.fields[name], value))
}

/** Field equality across the value kinds (bigint money, JSON values compared structurally). */
export function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b
  return JSON.stringify(a) === JSON.stringify(b)
}

export type { Author }
