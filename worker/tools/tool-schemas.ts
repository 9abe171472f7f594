/**
 * The JSON Schemas every listing shows, generated from each tool's zod declarations once per tool. The `$schema`
 * marker is left out: the schemas are embedded in tool descriptions.
 */
import * as z from 'zod'
import { errorBodySchema } from '../http/error-envelope.ts'
import { openAiStrictSchema } from './openai-strict.ts'
import type { ToolDefinition } from './tool.ts'

type JsonSchema = Record<string, unknown>

function cachedPerTool(build: (tool: ToolDefinition) => JsonSchema): (tool: ToolDefinition) => JsonSchema {
  const cache = new WeakMap<ToolDefinition, JsonSchema>()
  return (tool) => {
    let schema = cache.get(tool)
    if (schema === undefined) {
      schema = build(tool)
      cache.set(tool, schema)
    }
    return schema
  }
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io }) as JsonSchema
  return rest
}

/** What a tool accepts (the input side: optional fields with defaults stay optional). */
export const inputJsonSchema = cachedPerTool((tool) => jsonSchema(tool.input, 'input'))

/** The same in the subset OpenAI's strict mode accepts: every property present, an optional one nullable. */
export const strictInputJsonSchema = cachedPerTool((tool) => openAiStrictSchema(inputJsonSchema(tool)))

/**
 * What a call answers as MCP `structuredContent`: the tool's answer, or the error envelope of a refused call (a
 * result with `isError`). MCP wants an object at the root, which both are.
 */
export const outputJsonSchema = cachedPerTool((tool) => ({ type: 'object', anyOf: [jsonSchema(tool.output, 'output'), jsonSchema(errorBodySchema, 'output')] }))
