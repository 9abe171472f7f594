import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { bearerAuth } from '../auth/bearer-auth.ts'
import type { AppEnv } from '../env.ts'
import { limitBody } from '../http/body-limit.ts'
import { deferAfterAnswer } from '../http/defer.ts'
import { readJsonBody } from '../http/json-body.ts'
import { findTool } from '../tools/catalogue.ts'
import { invokeTool } from '../tools/invoke-tool.ts'
import type { ToolDefinition } from '../tools/tool.ts'
import { parseListingFormat, toolListing } from '../tools/tool-listing.ts'

/**
 * `GET /tools` lists the catalogue (no token needed: it is documentation); `POST /tools/<name>` runs one tool
 * with the JSON body as its arguments.
 */
export function toolRoutes(tools: readonly ToolDefinition[]): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()

  routes.get('/', (c) => c.json(toolListing(tools, parseListingFormat(c.req.query('format')))))

  routes.post(
    '/:name',
    bearerAuth(),
    limitBody(),
    async (c) => {
      const tool = findTool(c.req.param('name'))
      const answer = await invokeTool({
        tool,
        args: await readJsonBody(c),
        caller: c.get('caller'),
        objects: c.get('objects'),
        defer: deferAfterAnswer(c),
        idempotencyKey: c.req.header('Idempotency-Key'),
      })
      if (answer.replayed) c.header('Idempotent-Replay', 'true')
      return c.json(answer.body, answer.status as ContentfulStatusCode)
    },
  )

  return routes
}
