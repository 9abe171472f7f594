import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'
import { ForbiddenError } from '../http/http-errors.ts'

/**
 * `/data` and `/activity` show every record and every commit of the tenant, far more than any one tool does.
 * A token with a `tools` allow-list is confined to those tools, so these raw reads are refused to it; tokens
 * without one read them as their scope allows. Runs after `bearerAuth()`.
 */
export function rawReadAccess(route: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { tools } = c.get('caller')
    if (tools !== undefined) {
      throw new ForbiddenError(`this token is confined to its tools (${tools.join(', ') || 'none'}); ${route} is not open to it`)
    }
    await next()
  }
}
