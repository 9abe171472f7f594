import { admitsNull } from './openai-strict.ts'

type JsonSchema = Record<string, unknown>

/**
 * The arguments with every `null` given for an optional property that does not take null left out, at any depth
 * the schema describes: OpenAI's strict mode has a model send every property, `null` for one it leaves out, so
 * `null` there must mean exactly what leaving it out means. Properties the schema does not know are kept for
 * validation to refuse. The walk follows the schema, not the arguments, so a deeply nested body costs no more
 * than the schema is deep.
 * @example withoutNullOptionals(inputJsonSchema(tool), { name: 'Ada', email: null }) // { name: 'Ada' }
 */
export function withoutNullOptionals(schema: JsonSchema, value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = branchFor(schema, 'array')?.items
    return isSchema(items) ? value.map((item) => withoutNullOptionals(items, item)) : value
  }
  if (typeof value !== 'object' || value === null) return value
  const object = branchFor(schema, 'object')
  const properties = object?.properties
  if (object === undefined || !isSchema(properties)) return value
  const required = new Set(Array.isArray(object.required) ? (object.required as string[]) : [])
  const kept: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(value)) {
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined
    if (!isSchema(property)) {
      kept[name] = member
      continue
    }
    if (member === null && !required.has(name) && !admitsNull(property)) continue
    kept[name] = withoutNullOptionals(property, member)
  }
  return kept
}

/** The schema itself, or the branch of its union, that describes values of `type`. */
function branchFor(schema: JsonSchema, type: 'object' | 'array'): JsonSchema | undefined {
  if (schema.type === type) return schema
  const union = schema.anyOf ?? schema.oneOf
  if (!Array.isArray(union)) return undefined
  return union.find((branch): branch is JsonSchema => isSchema(branch) && branch.type === type)
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
