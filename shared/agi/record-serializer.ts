/**
 * AgiRecord → canonical RECORD text. One record has exactly one spelling, so a git diff shows only
 * the fields that really changed.
 */
import { ValidationError, type ValidationIssue } from '../errors.ts'
import { formatMoney } from '../money.ts'
import { ENTITY_NAME_PATTERN, FIELD_NAME_PATTERN, isSingleLiteral, RECORD_ID_PATTERN } from './lexer.ts'
import type { AgiRecord, FieldType, FieldValue, JsonValue, Schema } from './types.ts'
import { storedValueProblem } from './validate.ts'

const NAMED_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' }

function unicodeEscape(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * A double-quoted `.agi` string. Besides the five named escapes, other C0 controls, U+2028/U+2029
 * (line separators to some editors and tools) and unpaired surrogates (not encodable as UTF-8) are
 * written as lowercase `\uXXXX`; everything else, emoji included, is written as itself.
 */
export function quoteString(value: string): string {
  let out = '"'
  let chunkStart = 0
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    let escape: string | undefined
    if (code < 0x20 || code === 0x22 || code === 0x5c) {
      escape = NAMED_ESCAPES[value[i] ?? ''] ?? unicodeEscape(code)
    } else if (code === 0x2028 || code === 0x2029) {
      escape = unicodeEscape(code)
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) i += 1
      else escape = unicodeEscape(code)
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      escape = unicodeEscape(code)
    }
    if (escape !== undefined) {
      out += value.slice(chunkStart, i) + escape
      chunkStart = i + 1
    }
  }
  return `${out}${value.slice(chunkStart)}"`
}

/** JSON without whitespace and with object keys sorted at every level. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const members = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`)
  return `{${members.join(',')}}`
}

/** The canonical literal of a value already checked against its type. */
function formatValue(type: FieldType, value: FieldValue): string {
  switch (type) {
    case 'money':
      return formatMoney(value as bigint)
    case 'number':
    case 'float':
      // String() is the shortest text that reads back as the same double; -0 is written as 0.
      return String(value === 0 ? 0 : value)
    case 'bool':
      return value ? 'true' : 'false'
    case 'json':
      return canonicalJson(value as JsonValue)
    case 'string':
    case 'id':
    case 'date':
    case 'datetime':
      return quoteString(value as string)
  }
}

function refuse(record: AgiRecord, issues: ValidationIssue[]): never {
  throw new ValidationError(`cannot serialize ${record.entity} ${record.id}: ${issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ')}`, issues)
}

/**
 * Canonical text of `record`: declared fields in declaration order (unset ones omitted), then
 * unknown fields sorted by name, names padded so the colons align, LF line ends, one trailing
 * newline. The output always parses back to an equal record.
 * @throws ValidationError if the record holds something that could not be read back (a value of
 * the wrong type, an undeclared field outside `unknown`, a malformed kept literal).
 */
export function serializeRecord(record: AgiRecord, schema: Schema): string {
  const spec = schema.entities.get(record.entity)
  if (spec === undefined || !ENTITY_NAME_PATTERN.test(record.entity)) refuse(record, [{ path: [], message: `unknown entity ${record.entity}` }])
  if (!RECORD_ID_PATTERN.test(record.id)) refuse(record, [{ path: [], message: `invalid record id ${JSON.stringify(record.id)}` }])

  const issues: ValidationIssue[] = []
  const lines: [name: string, literal: string][] = []
  const declared = new Set(spec.fields.map((field) => field.name))
  for (const name of Object.keys(record.fields)) {
    if (!declared.has(name)) issues.push({ path: [name], message: `not a field of ${spec.name}; undeclared fields belong in unknown` })
  }
  for (const field of spec.fields) {
    if (!Object.hasOwn(record.fields, field.name)) continue
    const value = record.fields[field.name]
    if (value === undefined) continue
    const problem = storedValueProblem(field, value)
    if (problem === undefined) lines.push([field.name, formatValue(field.type, value)])
    else issues.push({ path: [field.name], message: problem })
  }
  for (const name of Object.keys(record.unknown).sort()) {
    const raw = record.unknown[name] ?? ''
    if (declared.has(name)) issues.push({ path: [name], message: 'declared field kept as unknown' })
    else if (!FIELD_NAME_PATTERN.test(name)) issues.push({ path: [name], message: 'invalid field name' })
    else if (!isSingleLiteral(raw)) issues.push({ path: [name], message: 'kept value is not a single literal' })
    else lines.push([name, raw])
  }
  if (issues.length > 0) refuse(record, issues)

  const width = lines.reduce((max, [name]) => Math.max(max, name.length), 0)
  let text = `RECORD ${record.entity} ${record.id} {\n`
  for (const [name, literal] of lines) text += `  ${name.padEnd(width)} : ${literal}\n`
  return `${text}}\n`
}
