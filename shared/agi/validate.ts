/**
 * The boundary between API input (JSON values) and typed record fields, and the checks every
 * record passes before it is written.
 */
import type { ValidationIssue } from '../errors.ts'
import { isUuid } from '../keys.ts'
import { isMoneyInRange, moneyFromJson, moneyToNumber } from '../money.ts'
import { DATE_PATTERN, UTC_DATETIME_PATTERN } from '../patterns.ts'
import { MAX_JSON_DEPTH, RECORD_ID_PATTERN } from './lexer.ts'
import type { AgiRecord, EntitySpec, FieldSpec, FieldValue, JsonValue } from './types.ts'

/** Fields that TIMESTAMPS declares; the store sets them, input never does. */
export const TIMESTAMP_FIELDS: readonly string[] = ['created_at', 'updated_at']

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/** `YYYY-MM-DD` naming a real day of the proleptic Gregorian calendar. */
export function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value)
  if (match === null) return false
  const year = Number(match[1])
  const month = Number(match[2])
  const day = Number(match[3])
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
}

/** `YYYY-MM-DDTHH:MM:SS` with optional milliseconds and a mandatory `Z`: one spelling per instant. */
export function isUtcDatetime(value: string): boolean {
  const match = UTC_DATETIME_PATTERN.exec(value)
  if (match === null) return false
  return isCalendarDate(match[1] ?? '') && Number(match[2]) <= 23 && Number(match[3]) <= 59 && Number(match[4]) <= 59
}

type Checked<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] }

function issue(path: (string | number)[], message: string): { ok: false; issues: ValidationIssue[] } {
  return { ok: false, issues: [{ path, message }] }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/**
 * A deep copy of `value` if it is plain JSON data (finite numbers, -0 read as 0), else issues.
 * The depth limit also stops cyclic structures.
 */
export function toJsonValue(value: unknown, path: (string | number)[] = [], depth = 0): Checked<JsonValue> {
  if (depth > MAX_JSON_DEPTH) return issue(path, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`)
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return { ok: true, value }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return issue(path, 'JSON numbers must be finite')
    return { ok: true, value: value === 0 ? 0 : value }
  }
  if (Array.isArray(value)) {
    const copy: JsonValue[] = []
    for (let i = 0; i < value.length; i++) {
      const item = toJsonValue(value[i], [...path, i], depth + 1)
      if (!item.ok) return item
      copy.push(item.value)
    }
    return { ok: true, value: copy }
  }
  if (isPlainObject(value)) {
    const copy: { [key: string]: JsonValue } = {}
    for (const key of Object.keys(value)) {
      const item = toJsonValue(value[key], [...path, key], depth + 1)
      if (!item.ok) return item
      Object.defineProperty(copy, key, { value: item.value, enumerable: true, writable: true, configurable: true })
    }
    return { ok: true, value: copy }
  }
  return issue(path, 'expected a JSON value')
}

/**
 * Why `value` cannot be stored in `field` as it stands in a record (wrong runtime type or an
 * unwritable value), or undefined if it can. IN lists are checked separately.
 */
export function storedValueProblem(field: FieldSpec, value: unknown): string | undefined {
  switch (field.type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'expected a string'
    case 'id':
      return typeof value === 'string' && RECORD_ID_PATTERN.test(value) ? undefined : 'expected an id'
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? undefined : 'expected a date YYYY-MM-DD'
    case 'datetime':
      return typeof value === 'string' && isUtcDatetime(value) ? undefined : 'expected a UTC datetime YYYY-MM-DDTHH:MM:SS[.sss]Z'
    case 'number':
      return Number.isSafeInteger(value) ? undefined : 'expected a safe integer'
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'expected a finite number'
    case 'money':
      return typeof value === 'bigint' && isMoneyInRange(value) ? undefined : 'expected an amount in cents (bigint) within range'
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'expected true or false'
    case 'json': {
      const checked = toJsonValue(value)
      return checked.ok ? undefined : checked.issues[0]?.message
    }
  }
}

function notInListMessage(oneOf: readonly string[]): string {
  return `must be one of ${oneOf.map((v) => JSON.stringify(v)).join(', ')}`
}

/** One JSON input value as the typed value of `field`. */
function coerceValue(field: FieldSpec, value: unknown): Checked<FieldValue> {
  const path = [field.name]
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') return issue(path, 'expected a string')
      if (field.oneOf !== undefined && !field.oneOf.includes(value)) return issue(path, notInListMessage(field.oneOf))
      return { ok: true, value }
    case 'id':
      return isUuid(value) ? { ok: true, value } : issue(path, 'expected a lowercase UUID')
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? { ok: true, value } : issue(path, 'expected a date YYYY-MM-DD')
    case 'datetime':
      return typeof value === 'string' && isUtcDatetime(value)
        ? { ok: true, value }
        : issue(path, 'expected a UTC datetime YYYY-MM-DDTHH:MM:SS[.sss]Z')
    case 'number':
      if (typeof value !== 'number' || !Number.isInteger(value)) return issue(path, 'expected an integer')
      if (!Number.isSafeInteger(value)) return issue(path, 'integer out of the safe range')
      return { ok: true, value: value === 0 ? 0 : value }
    case 'float':
      return typeof value === 'number' && Number.isFinite(value)
        ? { ok: true, value: value === 0 ? 0 : value }
        : issue(path, 'expected a finite number')
    case 'money':
      try {
        return { ok: true, value: moneyFromJson(value) }
      } catch (error) {
        return issue(path, error instanceof Error ? error.message : 'expected an amount')
      }
    case 'bool':
      return typeof value === 'boolean' ? { ok: true, value } : issue(path, 'expected true or false')
    case 'json':
      return toJsonValue(value, path)
  }
}

export type CoerceResult =
  | {
      ok: true
      fields: Record<string, FieldValue>
      /** Patch mode: optional fields the input set to null, to be removed from the record. */
      unset: string[]
    }
  | { ok: false; issues: ValidationIssue[] }

/**
 * API input as typed fields. `create` applies defaults and requires REQUIRED fields; `patch` checks
 * only the fields given. `null` means "not set" (omitted on create, removed on patch), except in a
 * `json` field where it is a value. Timestamps are the store's to set and are refused in both modes.
 * Never throws: every problem is an issue.
 */
export function coerceInput(spec: EntitySpec, input: Record<string, unknown>, mode: 'create' | 'patch'): CoerceResult {
  if (!isPlainObject(input)) return { ok: false, issues: [{ path: [], message: 'expected an object of fields' }] }
  const issues: ValidationIssue[] = []
  const fields: Record<string, FieldValue> = {}
  const unset: string[] = []
  const byName = new Map(spec.fields.map((field) => [field.name, field]))
  const isStoreManaged = (name: string): boolean => spec.timestamps && TIMESTAMP_FIELDS.includes(name)

  for (const name of Object.keys(input)) {
    const value = input[name]
    if (value === undefined) continue
    const field = byName.get(name)
    if (field === undefined) {
      issues.push({ path: [name], message: `unknown field for ${spec.name}` })
      continue
    }
    if (isStoreManaged(name)) {
      issues.push({ path: [name], message: 'set by the store; leave it out' })
      continue
    }
    if (field.computed === true) {
      issues.push({ path: [name], message: `computed from other records; change it through the ${spec.name} intent tools` })
      continue
    }
    if (value === null && field.type !== 'json') {
      if (mode === 'patch') {
        if (field.required) issues.push({ path: [name], message: 'required; cannot be unset' })
        else unset.push(name)
      }
      continue
    }
    const coerced = coerceValue(field, value)
    if (coerced.ok) fields[name] = coerced.value
    else issues.push(...coerced.issues)
  }

  if (mode === 'create') {
    for (const field of spec.fields) {
      if (Object.hasOwn(fields, field.name) || isStoreManaged(field.name)) continue
      if (issues.some((i) => i.path[0] === field.name)) continue
      if (field.default !== undefined) {
        // Defaults are shared schema data: hand out a copy so no record can alter them.
        fields[field.name] = field.type === 'json' ? structuredClone(field.default) : field.default
      } else if (field.required && field.computed !== true) {
        issues.push({ path: [field.name], message: 'required' })
      }
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, fields, unset }
}

/**
 * Every problem of a full record against its entity: declared fields only, each of the right type,
 * REQUIRED fields present, IN lists respected. Run before every write.
 */
export function validateRecord(spec: EntitySpec, record: AgiRecord): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  if (record.entity !== spec.name) issues.push({ path: [], message: `record is a ${record.entity}, not a ${spec.name}` })
  if (!RECORD_ID_PATTERN.test(record.id)) issues.push({ path: [], message: `invalid record id ${JSON.stringify(record.id)}` })
  const declared = new Set(spec.fields.map((field) => field.name))
  for (const name of Object.keys(record.fields)) {
    if (!declared.has(name)) issues.push({ path: [name], message: `not a field of ${spec.name}` })
  }
  for (const name of Object.keys(record.unknown)) {
    if (declared.has(name)) issues.push({ path: [name], message: 'declared field kept as unknown' })
  }
  for (const field of spec.fields) {
    const value = Object.hasOwn(record.fields, field.name) ? record.fields[field.name] : undefined
    if (value === undefined) {
      if (field.required) issues.push({ path: [field.name], message: 'required' })
      continue
    }
    const problem = storedValueProblem(field, value)
    if (problem !== undefined) issues.push({ path: [field.name], message: problem })
    else if (field.oneOf !== undefined && typeof value === 'string' && !field.oneOf.includes(value)) {
      issues.push({ path: [field.name], message: notInListMessage(field.oneOf) })
    }
  }
  return issues
}

/**
 * A record as API output: `id` first, then the declared fields that are set, money as a JSON number
 * (1850 for 1850.00). Unknown fields stay out: they are not part of the current schema's contract.
 */
export function recordToJson(spec: EntitySpec, record: AgiRecord): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { id: record.id }
  for (const field of spec.fields) {
    if (!Object.hasOwn(record.fields, field.name)) continue
    const value = record.fields[field.name]
    if (value === undefined) continue
    out[field.name] = typeof value === 'bigint' ? moneyToNumber(value) : value
  }
  return out
}
