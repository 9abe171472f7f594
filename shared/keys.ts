/**
 * Every bucket key is built and parsed here, and nowhere else. Each segment is checked against a
 * strict pattern before it is joined, so no input (dots, slashes, percent signs, unicode look-alikes)
 * can produce a key outside its tenant's prefix; anything that does not fit throws `ValidationError`.
 *
 *   data/<tenant>/<Entity>/<id>.agi                   the current record (in git: see `gitPathOfRecordKey`)
 *   commits/<tenant>/<inverted-ms>-<oid>.json         a pending commit entry
 *   synced/<tenant>/<inverted-ms>-<oid>.json          the same entry once it is in git
 *   intents/<tenant>/<oid>.json                       a transaction in flight (per tenant: one tenant's
 *                                                     load never hides another's open transactions)
 *   quarantine/<original key>                         something corrupt, moved aside
 *   idempotency/<tenant>/<sha256 of the key>.json     the first answer to an Idempotency-Key
 *   unique/<tenant>/<Entity>/<field>/<hex>.json       which record holds a UNIQUE field's value
 *   index/<tenant>/<Entity>/<field>/x<hex>/<id>       an index entry: the record `id` holds the value (a copy of the
 *                                                     record, written in its transaction); an `INDEX BY` field's
 *                                                     entries have `x<hex of the order value>/` before the id
 *   index-complete/<Entity>/<field>[.by-<order>].json every record of every tenant has its entries of this index
 *   summary/<tenant>/ledger/state.json                 the ledger's monthly totals: which lines they hold, and where
 *   summary/<tenant>/ledger/<YYYY-MM>/<name>.json      one month's totals (derived from `data/`, never written by a
 *                                                     posting; see shared/ledger)
 *
 * Entry keys carry 9999999999999 minus the epoch milliseconds, zero-padded to 13 digits, so a
 * plain (ascending) list of one tenant's prefix yields the newest entries first.
 */
import { isIndexed, type FieldSpec, type FieldValue, type Schema } from './agi/types.ts'
import { ValidationError } from './errors.ts'
import { TENANT_PATTERN, TENANT_SOURCE, UUID_PATTERN, UUID_SOURCE, UUID_V7_PATTERN } from './patterns.ts'

export const DATA_PREFIX = 'data/'
export const PENDING_PREFIX = 'commits/'
export const SYNCED_PREFIX = 'synced/'
export const INTENTS_PREFIX = 'intents/'
export const QUARANTINE_PREFIX = 'quarantine/'
export const IDEMPOTENCY_PREFIX = 'idempotency/'
export const UNIQUE_PREFIX = 'unique/'
export const INDEX_PREFIX = 'index/'
export const INDEX_COMPLETE_PREFIX = 'index-complete/'
export const SUMMARY_PREFIX = 'summary/'

/** What the `.agi` grammar allows as an entity name; the schema decides which ones exist. */
const ENTITY_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/
const ISO_UTC_MILLIS_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Largest epoch millisecond an entry key can carry (the year 2286). */
export const MAX_ENTRY_MS = 9_999_999_999_999
const ENTRY_MS_DIGITS = 13

const RECORD_KEY_PATTERN = new RegExp(`^data/(${TENANT_SOURCE})/([A-Za-z][A-Za-z0-9_]{0,63})/(${UUID_SOURCE})\\.agi$`)
const GIT_RECORD_PATH_PATTERN = new RegExp(`^data/(${TENANT_SOURCE})/([A-Za-z][A-Za-z0-9_]{0,63})/([0-9a-f]{2})/([0-9a-f]{2})/(${UUID_SOURCE})\\.agi$`)
const NAMED_RECORD_PATH_PATTERN = new RegExp(`^data/(${TENANT_SOURCE})/([A-Za-z][A-Za-z0-9_]{0,63})/(?:[^/]+/)*(${UUID_SOURCE})\\.agi$`)
const PENDING_KEY_PATTERN = new RegExp(`^commits/(${TENANT_SOURCE})/(\\d{13})-(${UUID_SOURCE})\\.json$`)
const SYNCED_KEY_PATTERN = new RegExp(`^synced/(${TENANT_SOURCE})/(\\d{13})-(${UUID_SOURCE})\\.json$`)
const INTENT_KEY_PATTERN = new RegExp(`^intents/(${TENANT_SOURCE})/(${UUID_SOURCE})\\.json$`)
/** Intents written before they were kept per tenant; only the recovery pass still meets them. */
const LEGACY_INTENT_KEY_PATTERN = new RegExp(`^intents/(${UUID_SOURCE})\\.json$`)
const IDEMPOTENCY_KEY_PATTERN = new RegExp(`^idempotency/(${TENANT_SOURCE})/([0-9a-f]{64})\\.json$`)
/** Header values are visible ASCII; inner spaces allowed, none at the ends. */
const IDEMPOTENCY_VALUE_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/
const MAX_KEY_BYTES = 1024
const FIELD_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/
const INDEX_KEY_PATTERN = new RegExp(
  `^index/(${TENANT_SOURCE})/([A-Za-z][A-Za-z0-9_]{0,63})/([a-z][a-z0-9_]{0,63})/x((?:[0-9a-f]{2}){0,256})/(?:x((?:[0-9a-f]{2}){1,64})/)?(${UUID_SOURCE})$`,
)
/** Longest value an index holds, in UTF-8 bytes: its key stays well inside R2's 1,024 bytes. */
export const INDEX_VALUE_MAX_BYTES = 256

/** Whether a value is short enough to be indexed: one longer has no index entry (and a write setting it is refused). */
export function fitsIndexKey(value: string): boolean {
  return new TextEncoder().encode(value).byteLength <= INDEX_VALUE_MAX_BYTES
}

export interface RecordKeyParts {
  tenant: string
  entity: string
  id: string
}

export interface EntryKeyParts {
  tenant: string
  /** Epoch milliseconds of the entry's `ts`. */
  ms: number
  oid: string
}

// ---------------------------------------------------------------- segments

export function isTenant(value: unknown): value is string {
  return typeof value === 'string' && TENANT_PATTERN.test(value)
}

/** A lowercase canonical UUID of any real version: every id and oid, in keys and in tool inputs alike. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value)
}

export function isUuidV7(value: unknown): value is string {
  return typeof value === 'string' && UUID_V7_PATTERN.test(value)
}

export function assertTenant(tenant: unknown): string {
  if (!isTenant(tenant)) {
    throw invalid('tenant', tenant, 'a tenant is 1-63 characters of a-z, 0-9 and "-", not starting with "-"')
  }
  return tenant
}

export function assertId(id: unknown, field = 'id'): string {
  if (!isUuid(id)) throw invalid(field, id, 'expected a lowercase UUID such as 0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001')
  return id
}

/** The shape of an entity name only, for code that reads data written under any schema (an entity since removed included). */
export function assertEntityName(entity: unknown): string {
  if (typeof entity !== 'string' || !ENTITY_NAME_PATTERN.test(entity)) {
    throw invalid('entity', entity, 'an entity name is a letter followed by up to 63 letters, digits or "_"')
  }
  return entity
}

function assertEntity(schema: Schema, entity: unknown): string {
  const name = assertEntityName(entity)
  if (!schema.entities.has(name)) throw invalid('entity', name, 'no such entity in the schema')
  return name
}

// ---------------------------------------------------------------- records

export function tenantDataPrefix(tenant: string): string {
  return `${DATA_PREFIX}${assertTenant(tenant)}/`
}

export function entityPrefix(schema: Schema, tenant: string, entity: string): string {
  return `${tenantDataPrefix(tenant)}${assertEntity(schema, entity)}/`
}

export function recordKey(schema: Schema, tenant: string, entity: string, id: string): string {
  return `${entityPrefix(schema, tenant, entity)}${assertId(id)}.agi`
}

/** `recordKey` checking the entity name's shape only, like `parseRecordKeyWithoutSchema`. */
export function recordKeyWithoutSchema(tenant: string, entity: string, id: string): string {
  return `${tenantDataPrefix(tenant)}${assertEntityName(entity)}/${assertId(id)}.agi`
}

export function parseRecordKey(schema: Schema, key: string): RecordKeyParts {
  const parts = parseRecordKeyWithoutSchema(key)
  assertEntity(schema, parts.entity)
  return parts
}

/**
 * The key's shape only, for code that must not depend on today's schema (a commit entry naming
 * an entity that was later removed must still sync).
 */
export function parseRecordKeyWithoutSchema(key: string): RecordKeyParts {
  const match = typeof key === 'string' ? RECORD_KEY_PATTERN.exec(key) : null
  if (match === null) throw invalid('key', key, 'expected data/<tenant>/<Entity>/<uuid>.agi')
  return { tenant: match[1]!, entity: match[2]!, id: match[3]! }
}

// ---------------------------------------------------------------- git paths

/**
 * Where a record lives in the data repository: `data/<tenant>/<Entity>/<aa>/<bb>/<id>.agi`, `aa` and
 * `bb` the id's last four hex digits (random in v4 and v7 UUIDs alike). Two levels of 256, as git fans
 * out its own objects: every commit rewrites each directory on its paths, and no directory passes
 * 1,000 entries below about 65 million records of one entity in one tenant. The bucket keeps the flat
 * key, so listing stays in creation order. Pure: the same key always gives the same path.
 */
export function gitPathOfRecordKey(key: string): string {
  const { tenant, entity, id } = parseRecordKeyWithoutSchema(key)
  return `${DATA_PREFIX}${tenant}/${entity}/${id.slice(32, 34)}/${id.slice(34, 36)}/${id}.agi`
}

/** The record key of a record's path in git; throws unless the path is exactly where `gitPathOfRecordKey` puts it. */
export function recordKeyOfGitPath(path: string): string {
  const match = typeof path === 'string' ? GIT_RECORD_PATH_PATTERN.exec(path) : null
  if (match === null || match[3] !== match[5]!.slice(32, 34) || match[4] !== match[5]!.slice(34, 36)) {
    throw invalid('path', path, 'expected data/<tenant>/<Entity>/<aa>/<bb>/<uuid>.agi, aa and bb the last four hex digits of the uuid')
  }
  return `${DATA_PREFIX}${match[1]}/${match[2]}/${match[5]}.agi`
}

/**
 * The record key that a path under `data/` in git names by its tenant, entity and file name, wherever it
 * sits below the entity's folder (the flat layout of old repositories included); null when the path
 * names no record. For `verify`, which finds records out of place.
 */
export function recordKeyNamedByGitPath(path: string): string | null {
  const match = typeof path === 'string' ? NAMED_RECORD_PATH_PATTERN.exec(path) : null
  return match === null ? null : `${DATA_PREFIX}${match[1]}/${match[2]}/${match[3]}.agi`
}

// ---------------------------------------------------------------- commit entries

export function pendingEntriesPrefix(tenant?: string): string {
  return tenant === undefined ? PENDING_PREFIX : `${PENDING_PREFIX}${assertTenant(tenant)}/`
}

export function syncedEntriesPrefix(tenant?: string): string {
  return tenant === undefined ? SYNCED_PREFIX : `${SYNCED_PREFIX}${assertTenant(tenant)}/`
}

export function pendingEntryKey(tenant: string, ts: Date | string, oid: string): string {
  return `${pendingEntriesPrefix(tenant)}${entryName(ts, oid)}`
}

export function syncedEntryKey(tenant: string, ts: Date | string, oid: string): string {
  return `${syncedEntriesPrefix(tenant)}${entryName(ts, oid)}`
}

export function parsePendingEntryKey(key: string): EntryKeyParts {
  return parseEntryKey(key, PENDING_KEY_PATTERN, 'commits')
}

export function parseSyncedEntryKey(key: string): EntryKeyParts {
  return parseEntryKey(key, SYNCED_KEY_PATTERN, 'synced')
}

/** Where a pending entry goes once it is in git. */
export function syncedKeyForPending(pendingKey: string): string {
  const { tenant, ms, oid } = parsePendingEntryKey(pendingKey)
  return syncedEntryKey(tenant, new Date(ms), oid)
}

function entryName(ts: Date | string, oid: string): string {
  const ms = entryMillis(ts)
  const inverted = String(MAX_ENTRY_MS - ms).padStart(ENTRY_MS_DIGITS, '0')
  return `${inverted}-${assertId(oid, 'oid')}.json`
}

function entryMillis(ts: Date | string): number {
  const ms = ts instanceof Date ? ts.getTime() : typeof ts === 'string' ? isoUtcMillis(ts) : undefined
  if (ms === undefined || !Number.isInteger(ms) || ms < 0 || ms > MAX_ENTRY_MS) {
    throw invalid('ts', ts instanceof Date ? String(ts) : ts, 'expected an ISO-8601 UTC time with milliseconds between 1970 and 2286')
  }
  return ms
}

function parseEntryKey(key: string, pattern: RegExp, folder: string): EntryKeyParts {
  const match = typeof key === 'string' ? pattern.exec(key) : null
  if (match === null) throw invalid('key', key, `expected ${folder}/<tenant>/<13 digits>-<uuid>.json`)
  return { tenant: match[1]!, ms: MAX_ENTRY_MS - Number(match[2]), oid: match[3]! }
}

/**
 * Epoch milliseconds of `YYYY-MM-DDTHH:MM:SS.sssZ`, or undefined for any other spelling and for
 * dates that do not exist (February 30th). One spelling per instant keeps entries comparable as text.
 */
export function isoUtcMillis(text: string): number | undefined {
  if (typeof text !== 'string' || !ISO_UTC_MILLIS_PATTERN.test(text)) return undefined
  const ms = Date.parse(text)
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== text) return undefined
  return ms
}

// ---------------------------------------------------------------- intents

export function intentsPrefix(tenant: string): string {
  return `${INTENTS_PREFIX}${assertTenant(tenant)}/`
}

export function intentKey(tenant: string, oid: string): string {
  return `${intentsPrefix(tenant)}${assertId(oid, 'oid')}.json`
}

/** The intent key's parts; `tenant` is undefined for a legacy key (`intents/<oid>.json`). */
export function parseIntentKey(key: string): { tenant?: string; oid: string } {
  const match = typeof key === 'string' ? INTENT_KEY_PATTERN.exec(key) : null
  if (match !== null) return { tenant: match[1]!, oid: match[2]! }
  const legacy = typeof key === 'string' ? LEGACY_INTENT_KEY_PATTERN.exec(key) : null
  if (legacy === null) throw invalid('key', key, 'expected intents/<tenant>/<uuid>.json')
  return { oid: legacy[1]! }
}

// ---------------------------------------------------------------- quarantine

/**
 * Prefixes whose objects may be moved aside. Corrupt objects may sit under malformed keys, so only
 * the prefix and basic hygiene are checked, not the full shape.
 */
const QUARANTINABLE_PREFIXES = [DATA_PREFIX, PENDING_PREFIX, SYNCED_PREFIX, INTENTS_PREFIX, IDEMPOTENCY_PREFIX]

export function quarantineKey(originalKey: string): string {
  assertQuarantinable(originalKey)
  const key = `${QUARANTINE_PREFIX}${originalKey}`
  if (new TextEncoder().encode(key).byteLength > MAX_KEY_BYTES) {
    throw invalid('key', originalKey, `too long to quarantine (keys are at most ${MAX_KEY_BYTES} bytes)`)
  }
  return key
}

/** The key the object had before it was quarantined. */
export function parseQuarantineKey(key: string): string {
  if (typeof key !== 'string' || !key.startsWith(QUARANTINE_PREFIX)) {
    throw invalid('key', key, `expected ${QUARANTINE_PREFIX}<original key>`)
  }
  const original = key.slice(QUARANTINE_PREFIX.length)
  assertQuarantinable(original)
  return original
}

function assertQuarantinable(originalKey: unknown): asserts originalKey is string {
  const fail = (why: string) => invalid('key', originalKey, why)
  if (typeof originalKey !== 'string') throw fail('must be a string')
  if (!QUARANTINABLE_PREFIXES.some((prefix) => originalKey.startsWith(prefix))) {
    throw fail(`only keys under ${QUARANTINABLE_PREFIXES.join(', ')} can be quarantined`)
  }
  // Control characters and lone surrogates have no business in a key; empty, "." and ".." segments
  // would let a quarantined key be read as a path somewhere else.
  if (/[\p{Cc}\p{Cs}\\]/u.test(originalKey)) throw fail('contains control characters, backslashes or broken unicode')
  if (originalKey.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw fail('contains an empty, "." or ".." segment')
  }
}

// ---------------------------------------------------------------- idempotency

/** The value is hashed, so whatever a client sends cannot shape the key. */
export async function idempotencyRecordKey(tenant: string, idempotencyKey: string): Promise<string> {
  const prefix = `${IDEMPOTENCY_PREFIX}${assertTenant(tenant)}/`
  if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_VALUE_PATTERN.test(idempotencyKey)) {
    throw invalid('idempotency_key', idempotencyKey, 'expected 1-255 visible ASCII characters')
  }
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(idempotencyKey))
  return `${prefix}${toHex(new Uint8Array(digest))}.json`
}

export function parseIdempotencyRecordKey(key: string): { tenant: string; hash: string } {
  const match = typeof key === 'string' ? IDEMPOTENCY_KEY_PATTERN.exec(key) : null
  if (match === null) throw invalid('key', key, 'expected idempotency/<tenant>/<sha256 hex>.json')
  return { tenant: match[1]!, hash: match[2]! }
}

// ---------------------------------------------------------------- unique values

/** The guard object of one value of a UNIQUE field. The value is hex-encoded, so no value can shape the key. */
export function uniqueKey(schema: Schema, tenant: string, entity: string, field: string, value: string): string {
  assertEntity(schema, entity)
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(field)) throw invalid('field', field, 'a field name is lowercase letters, digits and "_"')
  const hex = toHex(new TextEncoder().encode(value))
  if (hex.length === 0 || hex.length > 512) throw invalid('value', value, 'a unique value is 1 to 256 bytes')
  return `${UNIQUE_PREFIX}${assertTenant(tenant)}/${entity}/${field}/${hex}.json`
}

// ---------------------------------------------------------------- indexes

export interface IndexKeyParts {
  tenant: string
  entity: string
  field: string
  /** The value as `indexValueText` spells it. */
  value: string
  /** The order field's value, for an `INDEX BY` field. */
  order?: string
  id: string
}

/** How a field's value is spelled in an index key (and compared by a filter): money in cents, bools and numbers as text. */
export function indexValueText(value: FieldValue): string {
  return typeof value === 'string' ? value : typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
}

function assertIndexedField(schema: Schema, entity: string, field: unknown): string {
  return indexedFieldSpec(schema, entity, field).name
}

function indexedFieldSpec(schema: Schema, entity: string, field: unknown): FieldSpec {
  const name = assertEntity(schema, entity)
  if (typeof field !== 'string' || !FIELD_NAME_PATTERN.test(field)) throw invalid('field', field, 'a field name is lowercase letters, digits and "_"')
  const spec = schema.entities.get(name)?.fields.find((candidate) => candidate.name === field)
  if (spec === undefined || !isIndexed(spec)) throw invalid('field', field, `${name} has no index on it`)
  return spec
}

/** The order segment of an `INDEX BY` entry: `x` and the hex of a date or datetime. */
function indexOrderSegment(order: unknown): string {
  if (typeof order !== 'string' || !/^\d{4}-\d{2}-\d{2}(?:T[0-9:.]+Z)?$/.test(order)) throw invalid('order', order, 'an index order value is a date or datetime')
  return `x${toHex(new TextEncoder().encode(order))}`
}

/**
 * The value segment: `x` and the lowercase hex of the value's UTF-8 bytes. No value can shape the key (no "/", no
 * "..", nothing unprintable), and key order is the values' byte order, so a range of dates is a range of keys: hex
 * keeps byte order, and "/" sorts below every hex digit, so a value sorts before its own extensions.
 */
function indexValueSegment(value: string): string {
  if (typeof value !== 'string') throw invalid('value', value, 'an indexed value is text')
  const bytes = new TextEncoder().encode(value)
  if (bytes.byteLength > INDEX_VALUE_MAX_BYTES) throw invalid('value', value, `an indexed value is at most ${INDEX_VALUE_MAX_BYTES} bytes of UTF-8`)
  return `x${toHex(bytes)}`
}

/** Every entry of one index of one tenant: `index/<tenant>/<Entity>/<field>/`. */
export function indexFieldPrefix(schema: Schema, tenant: string, entity: string, field: string): string {
  return `${INDEX_PREFIX}${assertTenant(tenant)}/${assertEntity(schema, entity)}/${assertIndexedField(schema, entity, field)}/`
}

/** The entries of one value: `index/<tenant>/<Entity>/<field>/x<hex>/`, in id order. */
export function indexValuePrefix(schema: Schema, tenant: string, entity: string, field: string, value: string): string {
  return `${indexFieldPrefix(schema, tenant, entity, field)}${indexValueSegment(value)}/`
}

/**
 * Where a range scan starts: every entry of a value at least `value` sorts after this key (list's `startAfter` is
 * exclusive, and the entries of `value` itself extend it).
 */
export function indexRangeStart(schema: Schema, tenant: string, entity: string, field: string, value: string): string {
  return `${indexFieldPrefix(schema, tenant, entity, field)}${indexValueSegment(value)}`
}

/**
 * An entry's key. An `INDEX BY` field's entries need the order value (`order`), and only they take one: the key must
 * be the one every writer and `verify` compute for the same record.
 */
export function indexKey(schema: Schema, tenant: string, entity: string, field: string, value: string, id: string, order?: string): string {
  const ordered = indexedFieldSpec(schema, entity, field).indexOrder !== undefined
  if (ordered !== (order !== undefined)) throw invalid('order', order, ordered ? `${entity}.${field} is ordered and needs its order value` : `${entity}.${field} is not ordered`)
  return `${indexValuePrefix(schema, tenant, entity, field, value)}${order === undefined ? '' : `${indexOrderSegment(order)}/`}${assertId(id)}`
}

/**
 * Where a range of an `INDEX BY` field's entries of one value starts: every entry whose order value is at least
 * `order` sorts after this key.
 */
export function indexOrderRangeStart(schema: Schema, tenant: string, entity: string, field: string, value: string, order: string): string {
  return `${indexValuePrefix(schema, tenant, entity, field, value)}${indexOrderSegment(order)}`
}

/** An index key's parts, by its shape only (an index since removed from the schema still parses). */
export function parseIndexKey(key: string): IndexKeyParts {
  const match = typeof key === 'string' ? INDEX_KEY_PATTERN.exec(key) : null
  const value = match === null ? null : fromHexUtf8(match[4]!)
  const order = match?.[5] === undefined ? undefined : fromHexUtf8(match[5])
  if (match === null || value === null || order === null) throw invalid('key', key, 'expected index/<tenant>/<Entity>/<field>/x<hex of the value>/[x<hex of the order>/]<uuid>')
  const parts: IndexKeyParts = { tenant: match[1]!, entity: match[2]!, field: match[3]!, value, id: match[6]! }
  if (order !== undefined) parts.order = order
  return parts
}

/** The marker that an index is complete in every tenant (written by a rebuild, once no record lacks its entries). */
export function indexCompleteKey(schema: Schema, entity: string, field: string): string {
  // An ordered index's entries have other keys than the unordered one's: its marker is its own.
  const order = indexedFieldSpec(schema, entity, field).indexOrder
  return `${INDEX_COMPLETE_PREFIX}${assertEntity(schema, entity)}/${assertIndexedField(schema, entity, field)}${order === undefined ? '' : `.by-${order}`}.json`
}

// ---------------------------------------------------------------- summaries

const MONTH_PATTERN = /^\d{4}-(?:0[1-9]|1[0-2])$/
const SUMMARY_NAME_PATTERN = /^[0-9]{1,15}-[0-9a-f]{8,32}$/

/** Where one tenant's ledger summary lives: `summary/<tenant>/ledger/`. */
export function ledgerSummaryPrefix(tenant: string): string {
  return `${SUMMARY_PREFIX}${assertTenant(tenant)}/ledger/`
}

/** The ledger summary's state: the one object that says which month objects are current. */
export function ledgerStateKey(tenant: string): string {
  return `${ledgerSummaryPrefix(tenant)}state.json`
}

/** One month's totals, under a name no other fold uses (`<generation>-<random hex>`), so objects are never replaced. */
export function ledgerMonthKey(tenant: string, month: string, name: string): string {
  if (typeof month !== 'string' || !MONTH_PATTERN.test(month)) throw invalid('month', month, 'a month is YYYY-MM')
  if (typeof name !== 'string' || !SUMMARY_NAME_PATTERN.test(name)) throw invalid('name', name, 'a summary name is <generation>-<hex>')
  return `${ledgerSummaryPrefix(tenant)}${month}/${name}.json`
}

// ---------------------------------------------------------------- ids

/** The creation time a UUIDv7 carries (its first 48 bits), or null for any other id. */
export function uuidV7Ms(id: string): number | null {
  if (!UUID_V7_PATTERN.test(id)) return null
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}

/** Counter state that keeps ids created in the same millisecond in creation order. */
let lastMs = -1
let lastCounter = 0
/** How far behind the last id's time a clock may step and still continue that sequence. */
const CLOCK_STEP_BACK_TOLERANCE_MS = 1000
const MAX_UUID_MS = 2 ** 48 - 1

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, a 12-bit counter in `rand_a`, the
 * variant, then 62 random bits. Within one isolate, ids of the same millisecond increase: the
 * counter starts at a random value below 2048 and steps by one; if it runs out, the timestamp
 * moves one millisecond ahead. So key order is creation order.
 */
export function newId(now: Date = new Date()): string {
  let ms = now.getTime()
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_UUID_MS) throw new RangeError(`newId: time out of range: ${String(now)}`)
  let counter: number
  if (ms <= lastMs && lastMs - ms <= CLOCK_STEP_BACK_TOLERANCE_MS) {
    ms = lastMs
    counter = lastCounter + 1
    if (counter > 0xfff) {
      ms += 1
      counter = randomCounterStart()
    }
  } else {
    counter = randomCounterStart()
  }
  lastMs = ms
  lastCounter = counter

  const bytes = crypto.getRandomValues(new Uint8Array(16))
  const high = Math.floor(ms / 2 ** 32)
  const low = ms >>> 0
  bytes[0] = high >>> 8
  bytes[1] = high & 0xff
  bytes[2] = low >>> 24
  bytes[3] = (low >>> 16) & 0xff
  bytes[4] = (low >>> 8) & 0xff
  bytes[5] = low & 0xff
  bytes[6] = 0x70 | (counter >>> 8)
  bytes[7] = counter & 0xff
  bytes[8] = 0x80 | (bytes[8]! & 0x3f)
  const hex = toHex(bytes)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The creation time carried by a UUIDv7, in epoch milliseconds. */
export function uuidV7Millis(id: string): number {
  if (!isUuidV7(id)) throw invalid('id', id, 'expected a lowercase UUIDv7')
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}

function randomCounterStart(): number {
  return crypto.getRandomValues(new Uint16Array(1))[0]! & 0x7ff
}

// ---------------------------------------------------------------- helpers

function toHex(bytes: Uint8Array): string {
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex
}

function fromHexUtf8(hex: string): string | null {
  const bytes = new Uint8Array(hex.length / 2)
  for (let index = 0; index < bytes.length; index++) bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16)
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return null
  }
}

function invalid(field: string, value: unknown, why: string): ValidationError {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value) : `(${typeof value})`
  return new ValidationError(`invalid ${field} ${shown}: ${why}`, [{ path: [field], message: why }])
}
