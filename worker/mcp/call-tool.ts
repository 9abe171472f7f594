import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'
import { errorEnvelope } from '../http/error-envelope.ts'
import { findTool } from '../tools/catalogue.ts'
import { invokeTool } from '../tools/invoke-tool.ts'
import type { Caller } from '../auth/caller.ts'
import { idempotencyKeyFromMeta } from './idempotency-meta.ts'
import { answerResult, errorResult } from './tool-result.ts'

/** What one authenticated HTTP request to `/mcp` gives every tool call it carries. */
export interface McpCallContext {
  caller: Caller
  objects: ObjectStore
  /** Work that may finish after the answer (`ctx.waitUntil`). */
  defer?: (work: Promise<unknown>) => void
  /** Quoted in a 500's envelope and its log line, as on the HTTP routes. */
  requestId: string
}

/**
 * Runs a `tools/call` through the same pipeline as `POST /tools/<name>` (allow-list, scope, tenant, validation,
 * idempotency, handler). Every failure, an unknown tool included, becomes an `isError` result carrying the
 * error envelope, so an agent reads the same codes over MCP as over HTTP.
 */
export async function callTool(params: CallToolRequest['params'], context: McpCallContext): Promise<CallToolResult> {
  try {
    const answer = await invokeTool({
      tool: findTool(params.name),
      // Like an empty HTTP body: a tool whose arguments are all optional may be called without any.
      args: params.arguments ?? {},
      caller: context.caller,
      objects: context.objects,
      defer: context.defer,
      idempotencyKey: idempotencyKeyFromMeta(params._meta),
    })
    return answerResult(answer.body, answer.replayed)
  } catch (error) {
    return errorResult(errorEnvelope(error, context.requestId, `MCP tools/call ${params.name}`).body)
  }
}
