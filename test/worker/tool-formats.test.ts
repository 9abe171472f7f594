import { describe, expect, it } from 'vitest'
import { TOOLS } from '../../worker/tools/catalogue.ts'
import { get } from './support/api.ts'

/**
 * OpenAI's strict-mode rules, written from its Structured Outputs guide ("Supported schemas",
 * https://platform.openai.com/docs/guides/structured-outputs#supported-schemas) and its function-calling guide
 * (strict mode: additionalProperties false, every field required, optional ones as a union with null):
 * - types string, number, boolean, integer, object, array, enum, anyOf (and null in a union);
 * - the root is an object, not anyOf;
 * - every object sets `additionalProperties: false` and lists every property in `required`;
 * - supported keywords: strings `pattern` and `format` (date-time, time, date, duration, email, hostname, ipv4,
 *   ipv6, uuid); numbers `multipleOf`, `maximum`, `exclusiveMaximum`, `minimum`, `exclusiveMinimum`; arrays
 *   `minItems`, `maxItems`; `$defs`/`$ref` definitions; anything else (allOf, not, if/then/else,
 *   dependentRequired, dependentSchemas, patternProperties, minLength, maxLength, default, ...) is refused;
 * - at most 5000 object properties in all, 10 levels of nesting, 1000 enum values, and 120,000 characters of
 *   property names, definition names, enum and const values.
 * Descriptions are allowed on every schema.
 */
const STRICT_TYPES = new Set(['string', 'number', 'boolean', 'integer', 'object', 'array', 'null'])
const STRICT_FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid'])
const KEYWORDS_BY_TYPE: Record<string, readonly string[]> = {
  string: ['pattern', 'format'],
  number: ['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum'],
  integer: ['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum'],
  array: ['items', 'minItems', 'maxItems'],
  object: ['properties', 'required', 'additionalProperties'],
  boolean: [],
  null: [],
}
const ANY_SCHEMA_KEYWORDS = ['type', 'description', 'enum', 'const']
const LIMITS = { properties: 5000, nesting: 10, enumValues: 1000, stringChars: 120_000 }

/** Every way `schema` breaks the rules above; empty when OpenAI's strict mode accepts it. */
function strictModeProblems(schema: any): string[] {
  const problems: string[] = []
  const totals = { properties: 0, enumValues: 0, stringChars: 0 }
  if (schema?.type !== 'object' || schema.anyOf !== undefined) problems.push('(root): must be an object, not anyOf')
  for (const name of Object.keys(schema.$defs ?? {})) totals.stringChars += name.length
  const visit = (node: any, at: string, depth: number): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return void problems.push(`${at}: not a schema`)
    if (node.$ref !== undefined) {
      const extra = Object.keys(node).filter((key) => key !== '$ref' && key !== 'description')
      if (extra.length > 0) problems.push(`${at}: $ref with ${extra.join(', ')}`)
      return
    }
    if (node.anyOf !== undefined) {
      const extra = Object.keys(node).filter((key) => key !== 'anyOf' && key !== 'description')
      if (extra.length > 0) problems.push(`${at}: anyOf with ${extra.join(', ')}`)
      if (!Array.isArray(node.anyOf) || node.anyOf.length === 0) return void problems.push(`${at}: anyOf must list schemas`)
      node.anyOf.forEach((branch: any, index: number) => visit(branch, `${at}|${index}`, depth))
      return
    }
    const types: string[] = typeof node.type === 'string' ? [node.type] : Array.isArray(node.type) ? node.type : []
    const typeOk = (types.length === 1 && STRICT_TYPES.has(types[0]!)) || (types.length === 2 && types[1] === 'null' && STRICT_TYPES.has(types[0]!))
    if (!typeOk && !(types.length === 0 && (node.enum !== undefined || node.const !== undefined))) problems.push(`${at}: type ${JSON.stringify(node.type)} is not a strict type`)
    const allowed = new Set([...ANY_SCHEMA_KEYWORDS, ...types.flatMap((type) => KEYWORDS_BY_TYPE[type] ?? [])])
    for (const key of Object.keys(node)) if (!allowed.has(key)) problems.push(`${at}: keyword ${key} is not supported`)
    if (node.format !== undefined && !STRICT_FORMATS.has(node.format)) problems.push(`${at}: format ${node.format} is not supported`)
    if (node.enum !== undefined) {
      totals.enumValues += node.enum.length
      for (const value of node.enum) if (typeof value === 'string') totals.stringChars += value.length
    }
    if (typeof node.const === 'string') totals.stringChars += node.const.length
    if (types.includes('array')) visit(node.items, `${at}[]`, depth)
    if (types.includes('object')) {
      if (depth > LIMITS.nesting) problems.push(`${at}: nested deeper than ${LIMITS.nesting} levels`)
      if (node.additionalProperties !== false) problems.push(`${at}: additionalProperties must be false`)
      const names = Object.keys(node.properties ?? {})
      totals.properties += names.length
      const required = node.required ?? []
      if (names.length !== required.length || !names.every((name) => required.includes(name))) problems.push(`${at}: every property must be required (${names.join(', ')} vs ${required.join(', ')})`)
      for (const name of names) {
        totals.stringChars += name.length
        visit(node.properties[name], at === '' ? name : `${at}.${name}`, depth + 1)
      }
    }
  }
  visit(schema, '', 1)
  for (const [name, definition] of Object.entries(schema.$defs ?? {})) visit(definition, `$defs.${name}`, 1)
  if (totals.properties > LIMITS.properties) problems.push(`${totals.properties} properties, more than ${LIMITS.properties}`)
  if (totals.enumValues > LIMITS.enumValues) problems.push(`${totals.enumValues} enum values, more than ${LIMITS.enumValues}`)
  if (totals.stringChars > LIMITS.stringChars) problems.push(`${totals.stringChars} characters of names and values, more than ${LIMITS.stringChars}`)
  return problems
}

function admitsNull(node: any): boolean {
  if (node.anyOf !== undefined) return node.anyOf.some(admitsNull)
  return node.type === 'null' || (Array.isArray(node.type) && node.type.includes('null'))
}

/** Walks the native and the strict schema together: what the native one leaves optional, the strict one makes nullable. */
function optionalityProblems(native: any, strict: any, at = ''): string[] {
  const problems: string[] = []
  const objectOf = (node: any) => (node.type === 'object' ? node : node.anyOf?.find((branch: any) => branch.type === 'object'))
  const nativeObject = objectOf(native)
  const strictObject = objectOf(strict)
  if (nativeObject !== undefined && strictObject !== undefined) {
    const required = new Set(nativeObject.required ?? [])
    for (const [name, property] of Object.entries<any>(nativeObject.properties ?? {})) {
      const strictProperty = strictObject.properties?.[name]
      const path = at === '' ? name : `${at}.${name}`
      if (strictProperty === undefined) {
        problems.push(`${path}: missing from the strict schema`)
        continue
      }
      if (!required.has(name) && !admitsNull(strictProperty)) problems.push(`${path}: optional, so it must take null`)
      if (required.has(name) && admitsNull(strictProperty)) problems.push(`${path}: required, so it must not take null`)
      problems.push(...optionalityProblems(property, strictProperty, path))
    }
  }
  const items = (node: any) => (node.type === 'array' ? node.items : node.anyOf?.find((branch: any) => branch.type === 'array')?.items)
  if (items(native) !== undefined && items(strict) !== undefined) problems.push(...optionalityProblems(items(native), items(strict), `${at}[]`))
  return problems
}

async function listing(format: string): Promise<any> {
  const response = await get(`/tools?format=${format}`, { token: null })
  expect(response.status).toBe(200)
  return response.json()
}

describe('GET /tools?format=openai and ?format=openai-responses', () => {
  it('the checker itself refuses what strict mode refuses', () => {
    const ok = { type: 'object', properties: { a: { type: 'string' }, b: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] } }, required: ['a', 'b'], additionalProperties: false }
    expect(strictModeProblems(ok)).toEqual([])
    expect(strictModeProblems({ ...ok, required: ['a'] })).toEqual([expect.stringContaining('every property must be required')])
    expect(strictModeProblems({ ...ok, additionalProperties: undefined })).toEqual([expect.stringContaining('additionalProperties must be false')])
    expect(strictModeProblems({ ...ok, properties: { ...ok.properties, a: { type: 'string', minLength: 1 } } })).toEqual(['a: keyword minLength is not supported'])
    expect(strictModeProblems({ ...ok, properties: { ...ok.properties, a: { allOf: [{ type: 'string' }] } } })).toEqual([
      'a: type undefined is not a strict type',
      'a: keyword allOf is not supported',
    ])
    expect(strictModeProblems({ ...ok, properties: { ...ok.properties, a: { type: 'string', format: 'uri' } } })).toEqual(['a: format uri is not supported'])
    expect(strictModeProblems({ anyOf: [ok] })).toContain('(root): must be an object, not anyOf')
    let deep: any = ok
    for (let level = 0; level < 10; level++) deep = { type: 'object', properties: { inner: deep }, required: ['inner'], additionalProperties: false }
    expect(strictModeProblems(deep)).toEqual([expect.stringContaining('nested deeper than 10 levels')])
  })

  it('serves every tool of the catalogue in both shapes, marked strict, with schemas strict mode accepts', async () => {
    const chat = await listing('openai')
    const responses = await listing('openai-responses')
    const native = (await listing('native')).tools
    expect(chat.map((tool: any) => tool.function.name)).toEqual(TOOLS.map((tool) => tool.name))
    expect(responses.map((tool: any) => tool.name)).toEqual(TOOLS.map((tool) => tool.name))
    chat.forEach((tool: any, index: number) => {
      expect(Object.keys(tool).sort()).toEqual(['function', 'type'])
      expect(tool.type).toBe('function')
      expect(Object.keys(tool.function).sort()).toEqual(['description', 'name', 'parameters', 'strict'])
      expect(tool.function.strict).toBe(true)
      expect(strictModeProblems(tool.function.parameters), tool.function.name).toEqual([])
      expect(optionalityProblems(native[index].input_schema, tool.function.parameters), tool.function.name).toEqual([])
    })
    responses.forEach((tool: any, index: number) => {
      expect(tool).toEqual({ type: 'function', name: chat[index].function.name, description: chat[index].function.description, parameters: expect.any(Object), strict: true })
      expect(strictModeProblems(tool.parameters), tool.name).toEqual([])
      expect(tool.parameters).toEqual(chat[index].function.parameters)
    })
  })

  it('keeps the limits strict mode cannot carry in the descriptions, and the rest as keywords', async () => {
    const byName = new Map((await listing('openai')).map((tool: any) => [tool.function.name, tool.function.parameters]))
    const journal = byName.get('create_journal_entry') as any
    expect(journal.properties.memo).toEqual({ type: 'string', description: 'What the entry records, e.g. "June rent". 1 to 2000 characters.' })
    expect(journal.properties.lines).toMatchObject({ type: 'array', minItems: 2, maxItems: 500 })
    expect(journal.properties.lines.items.properties.debit.anyOf).toEqual([{ type: 'number' }, { type: 'string' }, { type: 'null' }])
    const list = byName.get('list_invoices') as any
    expect(list.properties.limit).toEqual({ anyOf: [{ type: 'integer', minimum: 1, maximum: 200 }, { type: 'null' }], description: 'page size, default 50' })
    expect(list.properties.where.anyOf[0].properties.status.anyOf[0]).toEqual({ type: 'string', enum: ['draft', 'sent', 'paid', 'void'] })
    const edit = byName.get('edit_customer') as any
    expect(edit.required).toEqual(['id', 'patch', 'unset', 'expected_version', 'tenant_id'])
    expect(edit.properties.unset.anyOf[0].items.enum).toEqual(['email', 'phone', 'address', 'tax_id', 'notes'])
  })
})
