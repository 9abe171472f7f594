import { Hono, type Context } from 'hono'
import packageJson from '../../package.json' with { type: 'json' }
import type { AppEnv } from '../env.ts'
import { routeNotFound } from '../http/error-envelope.ts'
import { CLIENT_ASSETS } from './client-assets.generated.ts'
import { DEV_TOKEN_PATH, localDevToken } from './dev-token.ts'
import { dashboardPage } from './page.ts'
import { DASHBOARD_HEADERS } from './security-headers.ts'

/**
 * The operators' dashboard: `GET /` (the page), `GET /dashboard/<file>` (its script modules and stylesheet,
 * compiled from `worker/dashboard/client/`), and `GET /dev/token` in local development only. The page needs no
 * token to load; it calls the API with the one the operator signs in with.
 */
export function dashboardRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()

  routes.get('/', (c) => {
    secure(c)
    c.header('Cache-Control', 'no-cache')
    const devTokenPath = localDevToken(c) === null ? null : DEV_TOKEN_PATH
    return c.html(dashboardPage({ version: packageJson.version, devTokenPath }))
  })

  routes.get('/dashboard/:file', (c) => {
    const file = c.req.param('file')
    const asset = Object.hasOwn(CLIENT_ASSETS, file) ? CLIENT_ASSETS[file] : undefined
    if (asset === undefined) return routeNotFound(c)
    secure(c)
    // Revalidated on every load, so a deployment is picked up at once; unchanged files cost a 304.
    c.header('Cache-Control', 'no-cache')
    c.header('ETag', asset.etag)
    if (c.req.header('If-None-Match') === asset.etag) return c.body(null, 304)
    return c.body(asset.body, 200, { 'Content-Type': asset.contentType })
  })

  routes.get(DEV_TOKEN_PATH, (c) => {
    const token = localDevToken(c)
    // Indistinguishable from a route that does not exist, which is what it is everywhere but on a developer's machine.
    if (token === null) return routeNotFound(c)
    c.header('Cache-Control', 'no-store')
    return c.json({ token })
  })

  return routes
}

function secure(c: Context<AppEnv>): void {
  for (const [name, value] of Object.entries(DASHBOARD_HEADERS)) c.header(name, value)
}
