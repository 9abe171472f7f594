import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import packageJson from '../../package.json' with { type: 'json' }
import type { ToolDefinition } from '../tools/tool.ts'
import { mcpToolList } from '../tools/tool-listing.ts'
import { callTool, type McpCallContext } from './call-tool.ts'
import { IDEMPOTENCY_KEY_META } from './idempotency-meta.ts'
import { noElicitationValidator } from './no-elicitation-validator.ts'
import { registerResources } from './resources.ts'

const INSTRUCTIONS =
  'Tools of an ERP whose every write is a git commit. tenant_id may be left out of any arguments: it comes from ' +
  'your token. Writes answer with commit.oid. A refused call is a result with isError and ' +
  '{ "error": { "code", "message", "details"? } }. To make a write safe to retry, send the same ' +
  `_meta["${IDEMPOTENCY_KEY_META}"] with it: a repeat is answered from the first call and writes nothing.`

/**
 * An MCP server over the catalogue, for one authenticated request. It is the SDK's low-level `Server`, not
 * `McpServer`: that one derives schemas from zod itself and validates arguments itself, where `tools/list` must be
 * exactly the `GET /tools?format=mcp` listing and calls must go through `invokeTool`, the one pipeline.
 */
export function createMcpServer(tools: readonly ToolDefinition[], context: McpCallContext): Server {
  const server = new Server(
    { name: packageJson.name, title: 'Accelerando', version: packageJson.version },
    {
      capabilities: { tools: {}, resources: {} },
      instructions: INSTRUCTIONS,
      // The default (ajv) compiles schemas with `new Function`, which workerd refuses; and nothing here needs one.
      jsonSchemaValidator: noElicitationValidator,
    },
  )
  server.setRequestHandler(ListToolsRequestSchema, () => mcpToolList(tools))
  server.setRequestHandler(CallToolRequestSchema, (request) => callTool(request.params, context))
  registerResources(server, context)
  return server
}
