import type { AgiRecord, CrudOperation, EntitySpec, FieldSpec, FieldValue, Schema } from '../agi/types.ts'
import { validateRecord } from '../agi/index.ts'
import { ConflictError, DomainRuleError, NotFoundError, OperationNotAllowedError, ValidationError } from '../errors.ts'
import { recordKey, uniqueKey } from '../keys.ts'
import type { ObjectStore, StoredObject } from '../object-store/object-store.ts'
import { conflictMessage, confirmsRead, parseStoredRecord, readCommitted, RecordBusyError, transactionState, writerToConfirm, type CommittedObject, type Writer } from './record-io.ts'
import { META_DELETING, META_TX_MS } from './record-metadata.ts'
import { indexEntryKeys, readIndexEntries, stageIndexEntries } from './index-entries.ts'
import { duplicateValueError, parseGuard, serializeGuard, unguardedHolder, unguardedUser, uniqueValueText, valueInUseError, type UniqueGuard } from './unique-guards.ts'

/** A write the transaction will make when it commits. */
export interface StagedWrite {
  key: string
  entity: string
  id: string
  kind: 'create' | 'update' | 'delete'
  /** The record after the write; for a delete, the record being deleted. */
  record: AgiRecord
  /** Version to replace (null for a create). */
  expectedVersion: string | null
  previous: { text: string; metadata: Record<string, string> } | null
  /** The fields an edit changed, for the commit message. */
  changes: Record<string, FieldValue>
  /** The record before an edit or a delete. */
  before?: AgiRecord
  /**
   * Set on a guard object's write (a UNIQUE value's guard), which is not a record: the text to put, or null to
   * remove it. Guards move with their records' transaction but are not part of its commit entry.
   */
  guardText?: string | null
  /**
   * Set on an index entry's write: the key of the record it copies. Entries move with their record's transaction but
   * are not part of its commit entry (see `index-entries.ts`).
   */
  indexOf?: string
}

/** A conditional put failed at commit time: someone else wrote first. */
export class LostRaceError extends ConflictError {
  readonly entity: string
  readonly id: string

  constructor(entity: string, id: string) {
    super(conflictMessage(entity, id))
    this.entity = entity
    this.id = id
  }
}

/**
 * An index entry's conditional put failed while its record's held: the entry was not in step with the record (missing,
 * say, for a record written before its index existed). Run again, reading the entries, the write repairs them; an
 * explicit `expected_version` does not make this final, since the record itself did not change.
 */
export class IndexEntryRaceError extends LostRaceError {}

interface Loaded {
  object: StoredObject
  record: AgiRecord
  /** The version in the bucket when read (an open write's, when `object` is the text before it). */
  observedVersion: string
}

export interface TransactionContext {
  objects: ObjectStore
  schema: Schema
  tenant: string
  /** The transaction's timestamp: `created_at`/`updated_at` and the entry's `ts`. */
  now: Date
  nowMs: () => number
  newId: () => string
  enforceCrud: boolean
  /**
   * Confirm the writers of plain reads (references) while the intent is written, instead of before the read
   * returns: saves a round trip. A read that fails confirmation makes the attempt a lost race.
   */
  deferReadConfirmation: boolean
}

/**
 * Collects the reads and writes of one transaction. Nothing is written until the store commits it; reads see
 * committed data only, plus this transaction's own staged writes.
 */
export class Transaction {
  readonly #ctx: TransactionContext
  readonly #loaded = new Map<string, Loaded | null>()
  readonly #writes = new Map<string, StagedWrite>()
  readonly #unconfirmed = new Map<string, { writer: Writer; metadata: Record<string, string> }>()
  /** Records the staged writes reference, with the version read: checked again while the writes are applied. */
  readonly #referenced = new Map<string, string>()
  /** Guard objects read (null: none) and staged writes of them. */
  readonly #guardReads = new Map<string, { object: StoredObject; guard: UniqueGuard } | null>()
  readonly #guards = new Map<string, StagedWrite>()
  #indexEntries: StagedWrite[] = []
  #latestReadMs = 0
  #explicitVersion = false

  constructor(ctx: TransactionContext) {
    this.#ctx = ctx
  }

  get tenant(): string {
    return this.#ctx.tenant
  }

  get timestamp(): Date {
    return this.#ctx.now
  }

  /** The record as this transaction sees it, or null. */
  async read(entity: string, id: string): Promise<AgiRecord | null> {
    const key = recordKey(this.#ctx.schema, this.#ctx.tenant, entity, id)
    const staged = this.#writes.get(key)
    if (staged !== undefined) return staged.kind === 'delete' ? null : staged.record
    return (await this.#load(key, entity, id, false))?.record ?? null
  }

  /** Like `read`, but a missing record is a `NotFoundError`. */
  async require(entity: string, id: string): Promise<AgiRecord> {
    const record = await this.read(entity, id)
    if (record === null) throw new NotFoundError(`${entity} ${id} does not exist`)
    return record
  }

  /** Stages a new record (create-only at commit: an existing id is a conflict, never an overwrite). */
  create(entity: string, fields: Record<string, FieldValue>, options: { id?: string } = {}): AgiRecord {
    const spec = this.#spec(entity, 'create')
    const id = options.id ?? this.#ctx.newId()
    const key = recordKey(this.#ctx.schema, this.#ctx.tenant, entity, id)
    if (this.#writes.has(key)) throw new ValidationError(`${entity} ${id} is written twice in one transaction`)
    const record: AgiRecord = { entity, id, fields: this.#withDefaults(spec, fields), unknown: {} }
    this.#stamp(spec, record, true)
    this.#check(spec, record)
    this.#writes.set(key, { key, entity, id, kind: 'create', record, expectedVersion: null, previous: null, changes: {} })
    return record
  }

  /**
   * Stages an edit of an existing record. `patch` may be a function of the current record, so a retried
   * transaction re-applies it to the fresh state. With `expectedVersion`, a stale version is a conflict
   * at once (the caller asked for exactly that version).
   */
  async edit(
    entity: string,
    id: string,
    patch: Record<string, FieldValue> | ((current: AgiRecord) => Record<string, FieldValue>),
    options: { expectedVersion?: string; unset?: readonly string[] } = {},
  ): Promise<AgiRecord> {
    const spec = this.#spec(entity, 'edit')
    const { key, base, expectedVersion, previous } = await this.#baseForWrite(entity, id, options.expectedVersion)
    const changes = typeof patch === 'function' ? patch(base) : patch
    this.#checkNames(spec, changes)
    if (changes.tenant_id !== undefined && changes.tenant_id !== this.#ctx.tenant) {
      throw new ValidationError(`tenant_id cannot change`, [{ path: ['tenant_id'], message: 'tenant_id cannot change' }])
    }
    const unset = options.unset ?? []
    this.#checkNames(spec, Object.fromEntries(unset.map((name) => [name, null])))
    const fields = { ...base.fields, ...changes }
    for (const name of unset) delete fields[name]
    const record: AgiRecord = { entity, id, fields, unknown: { ...base.unknown } }
    this.#stamp(spec, record, false)
    this.#check(spec, record)
    const kind = this.#writes.get(key)?.kind === 'create' ? 'create' : 'update'
    const prior = this.#writes.get(key)?.changes ?? {}
    const before = this.#writes.get(key)?.before ?? (kind === 'update' ? base : undefined)
    this.#writes.set(key, { key, entity, id, kind, record, expectedVersion, previous, changes: { ...prior, ...changes }, before })
    return record
  }

  /**
   * Checks that a record is still at `expectedVersion` without writing it: an edit that changes nothing still
   * honours the version its caller read (a stale one is a `ConflictError`), and commits nothing.
   */
  async assertVersion(entity: string, id: string, expectedVersion: string): Promise<void> {
    this.#spec(entity, 'edit')
    await this.#baseForWrite(entity, id, expectedVersion)
  }

  /** Stages a delete (only where the entity's CRUD clause allows it). */
  async delete(entity: string, id: string, options: { expectedVersion?: string } = {}): Promise<void> {
    this.#spec(entity, 'delete')
    const { key, base, expectedVersion, previous } = await this.#baseForWrite(entity, id, options.expectedVersion)
    if (this.#writes.get(key)?.kind === 'create') {
      this.#writes.delete(key)
      return
    }
    this.#writes.set(key, { key, entity, id, kind: 'delete', record: base, expectedVersion, previous, changes: {}, before: this.#writes.get(key)?.before ?? base })
  }

  /**
   * Every reference a staged write sets (a `REFERENCES` field on a create, or changed by an edit) must name a
   * record that exists for this transaction — committed, or staged by it — else 422 `unknown_reference`.
   * Records read earlier in the transaction are not fetched again.
   */
  async checkReferences(): Promise<void> {
    const checks: Promise<void>[] = []
    for (const write of this.#writes.values()) {
      if (write.kind === 'delete') continue
      const spec = this.#ctx.schema.entities.get(write.entity) as EntitySpec
      const set = write.kind === 'create' ? write.record.fields : write.changes
      for (const field of spec.fields) {
        const id = set[field.name]
        if (field.references === undefined || typeof id !== 'string') continue
        const target = field.references
        checks.push(
          this.read(target, id).then((found) => {
            if (found === null) {
              throw new DomainRuleError('unknown_reference', `${write.entity}.${field.name} names ${target} ${id}, which does not exist`, {
                entity: write.entity,
                field: field.name,
                references: target,
                id,
              })
            }
            const key = recordKey(this.#ctx.schema, this.#ctx.tenant, target, id)
            const loaded = this.#writes.has(key) ? undefined : this.#loaded.get(key)
            if (loaded != null) this.#referenced.set(key, loaded.observedVersion)
          }),
        )
      }
    }
    await Promise.all(checks)
  }

  /**
   * Runs in the same round trip as the record puts: every record a write references is still at the version read
   * and not claimed by a delete. A delete's claim changes the version, and the delete looks for referrers only
   * after its claim has landed, so of a reference and a delete of its target at most one commits.
   */
  async verifyReferences(): Promise<void> {
    await Promise.all(
      [...this.#referenced].map(async ([key, version]) => {
        const current = await this.#ctx.objects.get(key)
        if (current === null || current.version !== version || current.metadata[META_DELETING] !== undefined) throw new RecordBusyError(key)
      }),
    )
  }

  /**
   * Stages the guard writes of every UNIQUE value the staged writes take or give up: a value another record holds
   * is 422 `duplicate_<entity>_<field>`; a value in use (`pinUnique`) cannot be given up (422 `<entity>_in_use`).
   */
  async stageUniqueGuards(): Promise<void> {
    const pins: { entity: string; field: string; value: string; by: StagedWrite; name: string }[] = []
    for (const write of [...this.#writes.values()]) {
      const spec = this.#ctx.schema.entities.get(write.entity) as EntitySpec
      for (const field of spec.fields) {
        const before = write.kind === 'create' ? undefined : write.before?.fields[field.name]
        const after = write.kind === 'delete' ? undefined : write.record.fields[field.name]
        const unchanged = before !== undefined && after !== undefined && uniqueValueText(before) === uniqueValueText(after)
        if (field.uses !== undefined && after !== undefined && !unchanged) pins.push({ ...field.uses, value: uniqueValueText(after), by: write, name: field.name })
        if (field.unique !== true || unchanged) continue
        if (before !== undefined) await this.#releaseUnique(write, field, uniqueValueText(before))
        if (after !== undefined) await this.#takeUnique(write, field, uniqueValueText(after))
      }
    }
    const distinct = new Map(pins.map((pin) => [`${pin.entity}\n${pin.field}\n${pin.value}`, pin]))
    await Promise.all([...distinct.values()].map((pin) => this.#pinUnique(pin)))
  }

  /**
   * Marks a UNIQUE value as used by name (a journal line naming an account code): from then on its holder cannot
   * give it up. A value already marked is only checked again while the writes are applied.
   */
  async #pinUnique(pin: { entity: string; field: string; value: string; by: StagedWrite; name: string }): Promise<void> {
    const { objects, schema, tenant } = this.#ctx
    const key = uniqueKey(schema, tenant, pin.entity, pin.field, pin.value)
    const current = await this.#loadGuard(key)
    if (current?.guard.in_use === true) {
      if (!this.#guards.has(key)) this.#referenced.set(key, current.object.version)
      return
    }
    const holder = current?.guard.id ?? (await unguardedHolder(objects, schema, tenant, pin.entity, pin.field, pin.value, ''))
    if (holder === undefined) {
      throw new DomainRuleError('unknown_reference', `${pin.by.entity}.${pin.name} names ${pin.entity} ${pin.field} ${JSON.stringify(pin.value)}, which no ${pin.entity} has`, {
        entity: pin.by.entity,
        field: pin.name,
        references: pin.entity,
        value: pin.value,
      })
    }
    this.#stageGuard(key, pin.entity, holder, { v: 1, id: holder, in_use: true })
  }

  async #takeUnique(write: StagedWrite, field: FieldSpec, value: string): Promise<void> {
    const key = uniqueKey(this.#ctx.schema, this.#ctx.tenant, write.entity, field.name, value)
    const current = await this.#loadGuard(key)
    if (current !== null) {
      if (current.guard.id !== write.id) throw duplicateValueError(write.entity, field, value, current.guard.id)
      return
    }
    const { objects, schema, tenant } = this.#ctx
    const holder = await unguardedHolder(objects, schema, tenant, write.entity, field.name, value, write.id)
    if (holder !== undefined) throw duplicateValueError(write.entity, field, value, holder)
    this.#stageGuard(key, write.entity, write.id, { v: 1, id: write.id })
  }

  async #releaseUnique(write: StagedWrite, field: FieldSpec, value: string): Promise<void> {
    const key = uniqueKey(this.#ctx.schema, this.#ctx.tenant, write.entity, field.name, value)
    const current = await this.#loadGuard(key)
    if (current !== null && current.guard.id !== write.id) return
    if (current?.guard.in_use === true) throw valueInUseError(write.entity, field, value, write.id)
    if (current === null) {
      // No guard: a value taken before it was guarded, whose users may be unmarked too.
      const { objects, schema, tenant } = this.#ctx
      if (await unguardedUser(objects, schema, tenant, write.entity, field.name, value)) throw valueInUseError(write.entity, field, value, write.id)
      return
    }
    this.#stageGuard(key, write.entity, write.id, null)
  }

  /** The guard as this transaction sees it: its own staged write, else the committed view (busy if in flight). */
  async #loadGuard(key: string): Promise<{ object: StoredObject; guard: UniqueGuard } | null> {
    const staged = this.#guards.get(key)
    if (staged !== undefined) {
      const text = staged.guardText ?? null
      if (text === null) return null
      const read = this.#guardReads.get(key) ?? null
      return { object: read?.object ?? { key, version: '', text, metadata: {} }, guard: parseGuard(key, text) }
    }
    if (this.#guardReads.has(key)) return this.#guardReads.get(key) ?? null
    const object = await readCommitted(this.#ctx.objects, key, this.#ctx.tenant, this.#ctx.nowMs, { forWrite: true })
    if (object !== null) this.#sawWriter(object.metadata)
    const loaded = object === null ? null : { object, guard: parseGuard(key, object.text) }
    this.#guardReads.set(key, loaded)
    return loaded
  }

  #stageGuard(key: string, entity: string, id: string, guard: UniqueGuard | null): void {
    const read = this.#guardReads.get(key) ?? null
    const text = guard === null ? null : serializeGuard(guard)
    const kind = read === null ? 'create' : text === null ? 'delete' : 'update'
    if (read === null && text === null) {
      this.#guards.delete(key)
      return
    }
    this.#guards.set(key, {
      key,
      entity,
      id,
      kind,
      record: { entity, id, fields: {}, unknown: {} },
      expectedVersion: read?.object.version ?? null,
      previous: read === null ? null : { text: read.object.text, metadata: read.object.metadata },
      changes: {},
      guardText: text,
    })
  }

  /**
   * Stages the index entries every staged record write moves (see `index-entries.ts`). With `readEntries`, the
   * entries are read first and judged by what the bucket holds; without, each is taken to be in step with its record.
   */
  async stageIndexEntries(readEntries: boolean): Promise<void> {
    const { schema, tenant, objects } = this.#ctx
    const records = [...this.#writes.values()]
    const current = readEntries ? await readIndexEntries(objects, tenant, this.#ctx.nowMs, indexEntryKeys(schema, tenant, records)) : undefined
    this.#indexEntries = records.flatMap((write) => stageIndexEntries(schema, tenant, write, current))
  }

  /** The staged writes, in the order they were first staged, then the guard objects and index entries they move. */
  get writes(): StagedWrite[] {
    return [...this.#writes.values(), ...this.#guards.values(), ...this.#indexEntries]
  }

  /** Whether any write named an explicit version (such a conflict is final: no retry). */
  get usedExplicitVersion(): boolean {
    return this.#explicitVersion
  }

  async #baseForWrite(entity: string, id: string, explicitVersion: string | undefined) {
    const key = recordKey(this.#ctx.schema, this.#ctx.tenant, entity, id)
    const staged = this.#writes.get(key)
    if (staged !== undefined) {
      if (staged.kind === 'delete') throw new NotFoundError(`${entity} ${id} does not exist`)
      return { key, base: staged.record, expectedVersion: staged.expectedVersion, previous: staged.previous }
    }
    const loaded = await this.#load(key, entity, id, true)
    if (loaded === null) throw new NotFoundError(`${entity} ${id} does not exist`)
    if (explicitVersion !== undefined) {
      this.#explicitVersion = true
      if (explicitVersion !== loaded.object.version) {
        throw new ConflictError(`${entity} ${id.slice(0, 8)} has changed since version ${explicitVersion} — read it again and retry your edit.`)
      }
    }
    return {
      key,
      base: loaded.record,
      expectedVersion: loaded.object.version,
      previous: { text: loaded.object.text, metadata: loaded.object.metadata },
    }
  }

  /**
   * Loads the committed view of a record (see `readCommitted`). Plain reads of recently written records may
   * defer confirming their writer to commit time (`confirmReads`).
   */
  async #load(key: string, entity: string, id: string, forWrite: boolean): Promise<Loaded | null> {
    const cached = this.#loaded.get(key)
    if (cached !== undefined && !forWrite) return cached
    let object: CommittedObject | null
    if (!forWrite && this.#ctx.deferReadConfirmation) {
      const stored = await this.#ctx.objects.get(key)
      object = stored === null ? null : { ...stored, observedVersion: stored.version }
      // A delete's claim holds no record to read: what stands is decided now, by its writer.
      if (object !== null && object.metadata[META_DELETING] !== undefined) {
        object = await readCommitted(this.#ctx.objects, key, this.#ctx.tenant, this.#ctx.nowMs, { forWrite })
      }
      const writer = object === null ? null : writerToConfirm(object.metadata, this.#ctx.tenant, this.#ctx.nowMs())
      if (object !== null && writer !== null) this.#unconfirmed.set(key, { writer, metadata: object.metadata })
    } else {
      object = await readCommitted(this.#ctx.objects, key, this.#ctx.tenant, this.#ctx.nowMs, { forWrite })
      this.#unconfirmed.delete(key)
    }
    if (object !== null) this.#sawWriter(object.metadata)
    const loaded = object === null ? null : { object, record: parseStoredRecord(this.#ctx.schema, object, { entity, id }).record, observedVersion: object.observedVersion }
    this.#loaded.set(key, loaded)
    return loaded
  }

  /** The newest transaction time among everything this transaction read. */
  get latestReadMs(): number {
    return this.#latestReadMs
  }

  #sawWriter(metadata: Record<string, string>): void {
    const ms = Number(metadata[META_TX_MS])
    if (Number.isSafeInteger(ms) && ms > this.#latestReadMs) this.#latestReadMs = ms
  }

  /** Confirms every deferred read's writer; a writer that is not committed makes this attempt a lost race. */
  async confirmReads(): Promise<void> {
    await Promise.all(
      [...this.#unconfirmed].map(async ([key, { writer, metadata }]) => {
        const state = await transactionState(this.#ctx.objects, writer, this.#ctx.nowMs())
        if (!confirmsRead(state, metadata)) throw new RecordBusyError(key)
      }),
    )
  }

  #spec(entity: string, operation: CrudOperation): EntitySpec {
    const spec = this.#ctx.schema.entities.get(entity)
    if (spec === undefined) throw new ValidationError(`unknown entity ${entity}`)
    if (this.#ctx.enforceCrud && !spec.crud.has(operation)) {
      throw new OperationNotAllowedError(`${entity} does not allow ${operation} (its CRUD clause is: ${[...spec.crud].join(', ')})`)
    }
    return spec
  }

  #withDefaults(spec: EntitySpec, fields: Record<string, FieldValue>): Record<string, FieldValue> {
    const complete: Record<string, FieldValue> = {}
    for (const field of spec.fields) {
      const given = fields[field.name]
      if (given !== undefined) complete[field.name] = given
      else if (field.default !== undefined) complete[field.name] = field.default
    }
    this.#checkNames(spec, fields)
    if (complete.tenant_id !== undefined && complete.tenant_id !== this.#ctx.tenant) {
      throw new ValidationError(`tenant_id must be ${this.#ctx.tenant}`, [{ path: ['tenant_id'], message: 'wrong tenant' }])
    }
    if (spec.fields.some((field) => field.name === 'tenant_id')) complete.tenant_id = this.#ctx.tenant
    return complete
  }

  #checkNames(spec: EntitySpec, fields: Record<string, FieldValue>): void {
    const unknown = Object.keys(fields).filter((name) => !spec.fields.some((field) => field.name === name))
    if (unknown.length > 0) {
      throw new ValidationError(
        `${spec.name} has no field ${unknown.join(', ')}`,
        unknown.map((name) => ({ path: [name], message: 'unknown field' })),
      )
    }
  }

  #stamp(spec: EntitySpec, record: AgiRecord, created: boolean): void {
    if (!spec.timestamps) return
    const ts = this.#ctx.now.toISOString()
    if (created || record.fields.created_at === undefined) record.fields.created_at = ts
    record.fields.updated_at = ts
  }

  #check(spec: EntitySpec, record: AgiRecord): void {
    const issues = validateRecord(spec, record)
    if (issues.length > 0) {
      throw new ValidationError(`${spec.name} ${record.id} is invalid: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`, issues)
    }
  }
}
