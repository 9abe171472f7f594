import { exports } from 'cloudflare:workers'
import { ORIGIN } from './api.ts'

let requests = 0

/**
 * One `tools/call` as a bare JSON-RPC POST to `/mcp` (the endpoint is stateless, so no session to open first): the
 * result as the Worker sent it, before any client validates it.
 */
export async function mcpToolCall(token: string, name: string, args: unknown): Promise<{ isError?: boolean; structuredContent?: Record<string, unknown>; content: unknown[] }> {
  const response = await exports.default.fetch(
    new Request(new URL('/mcp', ORIGIN), {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++requests, method: 'tools/call', params: { name, arguments: args } }),
    }),
  )
  const body = (await response.json()) as { result?: any; error?: unknown }
  if (response.status !== 200 || body.result === undefined) throw new Error(`tools/call ${name} answered ${response.status}: ${JSON.stringify(body)}`)
  return body.result
}
