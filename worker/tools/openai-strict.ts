/**
 * A tool's input JSON Schema rewritten into the subset OpenAI's strict mode accepts (Structured Outputs, "Supported
 * schemas", platform.openai.com/docs/guides/structured-outputs): every object closed with `additionalProperties:
 * false` and every property listed in `required`, an optional one as a union with `null`; types string, number,
 * integer, boolean, object, array, enum and anyOf; for strings only `pattern` and the listed formats, for numbers
 * the bounds and `multipleOf`, for arrays `minItems`/`maxItems`. What strict mode cannot say (string lengths) moves
 * into the description: the Worker still checks it, and reads `null` for an optional argument as absent.
 */

type JsonSchema = Record<string, unknown>

/** The string formats strict mode knows; another format is left out (the Worker checks the value anyway). */
const STRICT_STRING_FORMATS: ReadonlySet<string> = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid'])

const NUMBER_KEYWORDS = ['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum'] as const

/**
 * @example openAiStrictSchema({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false })
 * // { type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'null' }] } }, required: ['a'], additionalProperties: false }
 */
export function openAiStrictSchema(schema: JsonSchema): JsonSchema {
  // Strict mode wants an object at the root, not a union.
  if (schema.type !== 'object') throw new Error(`a strict tool schema must be an object, not ${JSON.stringify(schema.type)}`)
  return strictNode(schema, '(arguments)')
}

function strictNode(node: JsonSchema, at: string): JsonSchema {
  const description = typeof node.description === 'string' ? node.description : undefined
  if (typeof node.$ref === 'string') return withDescription({ $ref: node.$ref }, description)
  const union = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined
  if (Array.isArray(union)) return withDescription({ anyOf: union.flatMap((branch) => branches(strictNode(branch, at))) }, description)
  // `type: ["number", "string"]` (zod's spelling of a union of primitives) becomes a union of single types.
  if (Array.isArray(node.type)) {
    const { type: types, description: _description, ...rest } = node
    return withDescription({ anyOf: (types as string[]).map((type) => strictNode({ ...rest, type }, at)) }, description)
  }
  const out: JsonSchema = {}
  if (node.type !== undefined) out.type = node.type
  if (Array.isArray(node.enum)) out.enum = node.enum
  if (node.const !== undefined) out.const = node.const
  let note: string | undefined
  switch (node.type) {
    case 'object':
      Object.assign(out, strictObject(node, at))
      break
    case 'array':
      if (typeof node.items !== 'object' || node.items === null || Array.isArray(node.items)) throw new Error(`${at}: an array needs one items schema`)
      out.items = strictNode(node.items as JsonSchema, `${at}[]`)
      if (node.minItems !== undefined) out.minItems = node.minItems
      if (node.maxItems !== undefined) out.maxItems = node.maxItems
      break
    case 'string':
      if (typeof node.pattern === 'string') out.pattern = node.pattern
      if (typeof node.format === 'string' && STRICT_STRING_FORMATS.has(node.format)) out.format = node.format
      note = lengthNote(node.minLength as number | undefined, node.maxLength as number | undefined)
      break
    case 'number':
    case 'integer':
      for (const keyword of NUMBER_KEYWORDS) if (node[keyword] !== undefined) out[keyword] = node[keyword]
      break
    case 'boolean':
    case 'null':
      break
    default:
      if (out.enum === undefined && out.const === undefined) throw new Error(`${at}: a value of any type cannot be described in strict mode`)
  }
  return withDescription(out, note === undefined ? description : description === undefined ? note : `${/[.!?)]$/.test(description) ? description : `${description}.`} ${note}`)
}

function strictObject(node: JsonSchema, at: string): JsonSchema {
  // An object taking keys of its own choosing has no strict spelling; every tool argument names its keys.
  if (node.additionalProperties !== false) throw new Error(`${at}: an object must list its properties and refuse others`)
  const properties = (node.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((node.required ?? []) as string[])
  const strict: Record<string, JsonSchema> = {}
  for (const [name, property] of Object.entries(properties)) {
    const path = `${at === '(arguments)' ? '' : `${at}.`}${name}`
    strict[name] = required.has(name) ? strictNode(property, path) : orNull(strictNode(property, path), path)
  }
  return { properties: strict, required: Object.keys(properties), additionalProperties: false }
}

/** An optional property as strict mode spells it: always present, null when not given. */
function orNull(node: JsonSchema, at: string): JsonSchema {
  // If null were already a value of its own, the Worker could not read it as "not given".
  if (admitsNull(node)) throw new Error(`${at}: an optional argument cannot also take null`)
  const { description, ...rest } = node
  const alternatives = Array.isArray(rest.anyOf) && Object.keys(rest).length === 1 ? (rest.anyOf as JsonSchema[]) : [rest]
  return withDescription({ anyOf: [...alternatives, { type: 'null' }] }, description as string | undefined)
}

/** Whether a JSON Schema accepts `null`. */
export function admitsNull(node: JsonSchema): boolean {
  if (node.type === 'null' || (Array.isArray(node.type) && node.type.includes('null'))) return true
  if (Array.isArray(node.enum)) return node.enum.includes(null)
  if (Object.hasOwn(node, 'const')) return node.const === null
  const union = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined
  if (Array.isArray(union)) return union.some(admitsNull)
  // No type and no union: any value, null included ($ref aside).
  return node.type === undefined && node.$ref === undefined
}

function branches(node: JsonSchema): JsonSchema[] {
  return Array.isArray(node.anyOf) && Object.keys(node).length === 1 ? (node.anyOf as JsonSchema[]) : [node]
}

function withDescription(node: JsonSchema, description: string | undefined): JsonSchema {
  return description === undefined ? node : { ...node, description }
}

function lengthNote(min: number | undefined, max: number | undefined): string | undefined {
  if (min !== undefined && max !== undefined) return `${min} to ${max} characters.`
  if (max !== undefined) return `At most ${max} characters.`
  if (min !== undefined && min > 0) return `At least ${min} ${min === 1 ? 'character' : 'characters'}.`
  return undefined
}
