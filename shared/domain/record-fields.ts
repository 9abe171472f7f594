/**
 * Typed reads of record fields. The parser has already checked each declared field's type, so these
 * only narrow `FieldValue`; a value of the wrong kind (a record built by hand) reads as absent.
 */
import type { AgiRecord } from '../agi/types.ts'

/** What `typeof` answers for each kind of field value these reads narrow to. */
interface FieldKinds {
  bigint: bigint
  string: string
  number: number
  boolean: boolean
}

function fieldOfKind<Kind extends keyof FieldKinds>(record: AgiRecord, name: string, kind: Kind): FieldKinds[Kind] | undefined {
  const value = record.fields[name]
  return typeof value === kind ? (value as FieldKinds[Kind]) : undefined
}

export function moneyField(record: AgiRecord, name: string): bigint | undefined {
  return fieldOfKind(record, name, 'bigint')
}

export function textField(record: AgiRecord, name: string): string | undefined {
  return fieldOfKind(record, name, 'string')
}

export function numberField(record: AgiRecord, name: string): number | undefined {
  return fieldOfKind(record, name, 'number')
}

export function boolField(record: AgiRecord, name: string): boolean | undefined {
  return fieldOfKind(record, name, 'boolean')
}

/** A REQUIRED money field; its absence means the record is not what the schema promises. */
export function requireMoneyField(record: AgiRecord, name: string): bigint {
  const value = moneyField(record, name)
  if (value === undefined) throw new Error(`${record.entity} ${record.id} has no amount in ${name}`)
  return value
}

/** A REQUIRED string field (status, date, code, ...). */
export function requireTextField(record: AgiRecord, name: string): string {
  const value = textField(record, name)
  if (value === undefined) throw new Error(`${record.entity} ${record.id} has no ${name}`)
  return value
}

/** The first eight characters of an id: how commit messages and errors name a record. */
export function shortId(id: string): string {
  return id.slice(0, 8)
}
