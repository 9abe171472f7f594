import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { ErrorBody } from '../http/error-envelope.ts'
import { IDEMPOTENT_REPLAY_META } from './idempotency-meta.ts'

/**
 * A tool's answer as an MCP result: `structuredContent` is the very body `POST /tools/<name>` answers, and a text
 * block repeats it serialized for clients that read only `content`.
 */
export function answerResult(body: Record<string, unknown>, replayed: boolean): CallToolResult {
  const result: CallToolResult = { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body }
  if (replayed) result._meta = { [IDEMPOTENT_REPLAY_META]: true }
  return result
}

/**
 * A refused or failed call as an MCP result with `isError`, not a JSON-RPC error: the model sees the envelope's
 * code and message and can correct its arguments, as it would from the HTTP answer.
 */
export function errorResult(envelope: ErrorBody): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(envelope) }],
    structuredContent: envelope as unknown as Record<string, unknown>,
    isError: true,
  }
}
