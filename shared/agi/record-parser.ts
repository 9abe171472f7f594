/**
 * RECORD text → AgiRecord.
 *
 * ```
 * RECORD Invoice 0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001 {
 *   total  : 1850.00
 *   status : "draft"
 * }
 * ```
 */
import { ValidationError } from '../errors.ts'
import { parseMoney } from '../money.ts'
import { AgiLexer, describeToken, FIELD_NAME_PATTERN, readLiteralText, RECORD_ID_PATTERN } from './lexer.ts'
import type { AgiRecord, FieldType, FieldValue, Schema } from './types.ts'
import { isCalendarDate, isUtcDatetime } from './validate.ts'

const INTEGER_LITERAL = /^-?(?:0|[1-9][0-9]*)$/
/** On disk money always has exactly two decimals, so a diff of an amount is never a reformatting. */
const MONEY_LITERAL = /^-?(?:0|[1-9][0-9]*)\.[0-9]{2}$/

export interface ParseRecordOptions {
  /** Named in error messages. */
  file?: string
  /** What the record's path says it is; a header that disagrees is an error. */
  expect?: { entity: string; id: string }
}

export interface ParsedRecord {
  record: AgiRecord
  /** Names of fields the schema does not declare (kept verbatim in `record.unknown`). */
  unknownFields: string[]
}

/**
 * Reads one literal of a declared type at the lexer's position (record values and schema defaults).
 * Types are checked here; presence and IN lists are not (that is `validateRecord`'s job).
 */
export function readFieldValue(lexer: AgiLexer, name: string, type: FieldType): FieldValue {
  lexer.skipInlineSpace()
  if (type === 'json') return lexer.readJsonValue().value
  const token = lexer.next()
  const found = describeToken(token)
  switch (type) {
    case 'bool':
      if (token.kind === 'word' && (token.text === 'true' || token.text === 'false')) return token.text === 'true'
      return lexer.fail(`expected true or false for bool field ${name}, found ${found}`, token.offset)
    case 'number': {
      if (token.kind !== 'number' || !INTEGER_LITERAL.test(token.text)) {
        return lexer.fail(`expected an integer for number field ${name}, found ${found}`, token.offset)
      }
      const value = Number(token.text)
      if (!Number.isSafeInteger(value)) lexer.fail(`integer out of the safe range in field ${name}`, token.offset)
      return value === 0 ? 0 : value
    }
    case 'float': {
      if (token.kind !== 'number') return lexer.fail(`expected a number for float field ${name}, found ${found}`, token.offset)
      const value = Number(token.text)
      if (!Number.isFinite(value)) lexer.fail(`number out of range in field ${name}`, token.offset)
      return value === 0 ? 0 : value
    }
    case 'money': {
      if (token.kind !== 'number' || !MONEY_LITERAL.test(token.text)) {
        return lexer.fail(`expected an amount with exactly two decimals (like 12.50) for money field ${name}, found ${found}`, token.offset)
      }
      try {
        return parseMoney(token.text)
      } catch (error) {
        return lexer.fail(error instanceof ValidationError ? `${error.message} in field ${name}` : `invalid amount in field ${name}`, token.offset)
      }
    }
    case 'string':
    case 'id':
    case 'date':
    case 'datetime': {
      if (token.kind !== 'string') return lexer.fail(`expected a quoted string for ${type} field ${name}, found ${found}`, token.offset)
      const value = token.value
      if (type === 'date' && !isCalendarDate(value)) lexer.fail(`invalid date ${token.text} in field ${name}: expected YYYY-MM-DD`, token.offset)
      if (type === 'datetime' && !isUtcDatetime(value)) {
        lexer.fail(`invalid datetime ${token.text} in field ${name}: expected YYYY-MM-DDTHH:MM:SS[.sss]Z`, token.offset)
      }
      if (type === 'id' && !RECORD_ID_PATTERN.test(value)) lexer.fail(`invalid id ${token.text} in field ${name}`, token.offset)
      return value
    }
  }
}

/** After a value or a header: only spaces and a comment may follow on the line. */
function expectLineEnd(lexer: AgiLexer): void {
  const token = lexer.next()
  if (token.kind !== 'newline' && token.kind !== 'eof') lexer.fail(`expected end of line, found ${describeToken(token)}`, token.offset)
}

/**
 * Parses one RECORD. Declared fields are typed by the schema; undeclared ones are kept verbatim and
 * listed in `unknownFields`. Any malformed input raises AgiParseError with its line and column.
 * @example parseRecord(text, ERP_SCHEMA, { file: key, expect: { entity: 'Invoice', id } })
 */
export function parseRecord(text: string, schema: Schema, options: ParseRecordOptions = {}): ParsedRecord {
  const lexer = new AgiLexer(text, options.file)
  lexer.skipBlankLines()
  const keyword = lexer.next()
  if (keyword.kind !== 'word' || keyword.text !== 'RECORD') lexer.fail(`expected RECORD, found ${describeToken(keyword)}`, keyword.offset)

  const entityToken = lexer.next()
  if (entityToken.kind !== 'word') lexer.fail(`expected an entity name, found ${describeToken(entityToken)}`, entityToken.offset)
  const spec = schema.entities.get(entityToken.text)
  if (spec === undefined) return lexer.fail(`unknown entity ${entityToken.text}`, entityToken.offset)
  if (options.expect !== undefined && options.expect.entity !== spec.name) {
    lexer.fail(`record is a ${spec.name} but its path says ${options.expect.entity}`, entityToken.offset)
  }

  const idToken = lexer.readRecordId()
  if (options.expect !== undefined && options.expect.id !== idToken.text) {
    lexer.fail(`record id ${idToken.text} disagrees with its path (${options.expect.id})`, idToken.offset)
  }
  const open = lexer.next()
  if (open.kind !== 'punct' || open.text !== '{') lexer.fail(`expected '{', found ${describeToken(open)}`, open.offset)
  expectLineEnd(lexer)

  const declared = new Map(spec.fields.map((field) => [field.name, field]))
  const record: AgiRecord = { entity: spec.name, id: idToken.text, fields: {}, unknown: {} }
  const seen = new Set<string>()
  const unknownFields: string[] = []
  for (;;) {
    lexer.skipBlankLines()
    const nameToken = lexer.next()
    if (nameToken.kind === 'punct' && nameToken.text === '}') break
    if (nameToken.kind === 'eof') lexer.fail(`missing '}' at the end of RECORD ${spec.name} ${record.id}`, nameToken.offset)
    if (nameToken.kind !== 'word' || !FIELD_NAME_PATTERN.test(nameToken.text)) {
      lexer.fail(`expected a field name or '}', found ${describeToken(nameToken)}`, nameToken.offset)
    }
    const name = nameToken.text
    if (seen.has(name)) lexer.fail(`duplicate field ${name}`, nameToken.offset)
    seen.add(name)
    const colon = lexer.next()
    if (colon.kind !== 'punct' || colon.text !== ':') lexer.fail(`expected ':' after ${name}, found ${describeToken(colon)}`, colon.offset)

    const field = declared.get(name)
    if (field !== undefined) {
      record.fields[name] = readFieldValue(lexer, name, field.type)
    } else {
      record.unknown[name] = readLiteralText(lexer)
      unknownFields.push(name)
    }
    expectLineEnd(lexer)
  }
  lexer.skipBlankLines()
  if (!lexer.atEnd()) lexer.fail(`unexpected text after the closing '}': ${describeToken(lexer.peek())}`)
  return { record, unknownFields }
}
