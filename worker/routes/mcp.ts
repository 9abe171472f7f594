import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { bearerAuth } from '../auth/bearer-auth.ts'
import type { AppEnv } from '../env.ts'
import { limitBody } from '../http/body-limit.ts'
import { deferAfterAnswer } from '../http/defer.ts'
import { createMcpServer } from '../mcp/mcp-server.ts'
import type { ToolDefinition } from '../tools/tool.ts'

/**
 * `/mcp`: the catalogue over MCP's Streamable HTTP transport, stateless. Each POST gets a fresh server and
 * transport bound to its token (a Worker keeps nothing between requests, so there is no session to resume), and
 * answers one JSON document rather than an event stream: no call here sends progress or server requests.
 * Auth, body limit and HTTP-level errors are the ones `/tools` uses.
 */
export function mcpRoutes(tools: readonly ToolDefinition[]): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.use(bearerAuth())

  routes.post('/', limitBody(), async (c) => {
    const server = createMcpServer(tools, {
      caller: c.get('caller'),
      objects: c.get('objects'),
      defer: deferAfterAnswer(c),
      requestId: c.get('requestId'),
    })
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    await server.connect(transport)
    try {
      const answer = await transport.handleRequest(c.req.raw)
      // Through the context, so the answer keeps the headers middleware set (X-Request-Id), as on every route.
      return c.newResponse(answer.body, answer)
    } finally {
      await server.close()
    }
  })

  // Without sessions there is no server-to-client stream to open (GET) and nothing to end (DELETE); the
  // transport's specification has the server answer 405 to both, and clients carry on with POST alone.
  routes.on(['GET', 'DELETE'], '/', (c) => {
    c.header('Allow', 'POST')
    throw new HTTPException(405, { message: `${c.req.method} /mcp is not offered: this MCP endpoint is stateless, use POST` })
  })

  return routes
}
