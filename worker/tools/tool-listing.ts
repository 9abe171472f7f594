import { ValidationError } from '../../shared/errors.ts'
import type { ToolAnnotations, ToolDefinition } from './tool.ts'
import { inputJsonSchema, outputJsonSchema, strictInputJsonSchema } from './tool-schemas.ts'

/**
 * The shapes `GET /tools` answers in: ours, and the ones OpenAI (Chat Completions and Responses, strict mode),
 * Anthropic and MCP clients take as they are.
 */
export const LISTING_FORMATS = ['native', 'openai', 'openai-responses', 'anthropic', 'mcp'] as const
export type ListingFormat = (typeof LISTING_FORMATS)[number]

export function parseListingFormat(value: string | undefined): ListingFormat {
  if (value === undefined || value === '') return 'native'
  if ((LISTING_FORMATS as readonly string[]).includes(value)) return value as ListingFormat
  throw new ValidationError(`unknown format ${JSON.stringify(value)}: use one of ${LISTING_FORMATS.join(', ')}`, [
    { path: ['format'], message: `expected one of ${LISTING_FORMATS.join(', ')}` },
  ])
}

export function toolListing(tools: readonly ToolDefinition[], format: ListingFormat): unknown {
  switch (format) {
    case 'native':
      return {
        tools: tools.map((tool) => ({
          name: tool.name,
          title: tool.title,
          description: tool.description,
          input_schema: inputJsonSchema(tool),
          output_schema: outputJsonSchema(tool),
          annotations: tool.annotations,
        })),
      }
    case 'openai':
      return tools.map((tool) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: strictInputJsonSchema(tool), strict: true },
      }))
    case 'openai-responses':
      return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: strictInputJsonSchema(tool), strict: true }))
    case 'anthropic':
      return tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: inputJsonSchema(tool) }))
    case 'mcp':
      return mcpToolList(tools)
  }
}

/** A tool as MCP's `tools/list` describes it. */
export interface McpTool {
  name: string
  title: string
  description: string
  inputSchema: { type: 'object'; [keyword: string]: unknown }
  outputSchema: { type: 'object'; [keyword: string]: unknown }
  annotations: ToolAnnotations
}

/** The MCP listing: what `GET /tools?format=mcp` and the MCP endpoint's `tools/list` both answer. */
export function mcpToolList(tools: readonly ToolDefinition[]): { tools: McpTool[] } {
  return {
    tools: tools.map((tool) => {
      const schema = inputJsonSchema(tool)
      // MCP only admits object schemas for tool input; every tool takes named arguments, so this is a declaration bug.
      if (schema.type !== 'object') throw new Error(`tool ${tool.name} must take an object, not ${JSON.stringify(schema.type)}`)
      return {
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: schema as McpTool['inputSchema'],
        outputSchema: outputJsonSchema(tool) as McpTool['outputSchema'],
        annotations: tool.annotations,
      }
    }),
  }
}
