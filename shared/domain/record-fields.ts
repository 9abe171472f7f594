/**
 * Typed reads of record fields. The parser has already checked each declared field's type, so these
 * only narrow `FieldValue`; a value of the wrong kind (a record built by hand) reads as absent.
 */
import type { AgiRecord } from '../agi/types.ts'

export function moneyField(record: AgiRecord, name: string): bigint | undefined {
  const value = record.fields[name]
  return typeof value === 'bigint' ? value : undefined
}

export function textField(record: AgiRecord, name: string): string | undefined {
  const value = record.fields[name]
  return typeof value === 'string' ? value : undefined
}

export function numberField(record: AgiRecord, name: string): number | undefined {
  const value = record.fields[name]
  return typeof value === 'number' ? value : undefined
}

export function boolField(record: AgiRecord, name: string): boolean | undefined {
  const value = record.fields[name]
  return typeof value === 'boolean' ? value : undefined
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
