import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import type { AppEnv, ObjectStoreFactory } from './env.ts'
import { dashboardRoutes } from './dashboard/routes.ts'
import { errorResponse, routeNotFound } from './http/error-envelope.ts'
import { originGuard } from './http/origin-guard.ts'
import { R2ObjectStore } from './r2-object-store.ts'
import { activityRoutes } from './routes/activity.ts'
import { dataRoutes } from './routes/data.ts'
import { healthRoutes } from './routes/health.ts'
import { mcpRoutes } from './routes/mcp.ts'
import { toolRoutes } from './routes/tools.ts'
import { TOOLS } from './tools/catalogue.ts'

const R2_STORES = new WeakMap<R2Bucket, R2ObjectStore>()

/**
 * The production bucket: the R2 binding, one store object per binding, so what a request learns about the bucket
 * (which indexes are complete) serves the next ones.
 */
export const r2Bucket: ObjectStoreFactory = (env) => {
  let store = R2_STORES.get(env.BUCKET)
  if (store === undefined) {
    store = new R2ObjectStore(env.BUCKET)
    R2_STORES.set(env.BUCKET, store)
  }
  return store
}

export interface AppOptions {
  /** The bucket each request works on; tests wrap the binding to count or crash operations. */
  objects?: ObjectStoreFactory
}

/**
 * The Worker's HTTP API. Handlers throw `AccelerandoError`s; `errorResponse` turns every one of them into the
 * envelope `{ "error": { "code", "message", "details"? } }`.
 */
export function createApp(options: AppOptions = {}): Hono<AppEnv> {
  const objects = options.objects ?? r2Bucket
  const app = new Hono<AppEnv>()
  app.use(requestId())
  app.use(async (c, next) => {
    c.set('objects', objects(c.env))
    await next()
  })
  // The API refuses browsers from other sites (and, under `npm start`, any non-loopback Host); the dashboard's
  // page and `/health` carry nothing a rebound or foreign page could use.
  for (const api of ['/tools', '/mcp', '/activity', '/data']) app.use(`${api}/*`, originGuard())
  app.route('/health', healthRoutes())
  app.route('/tools', toolRoutes(TOOLS))
  app.route('/mcp', mcpRoutes(TOOLS))
  app.route('/activity', activityRoutes())
  app.route('/data', dataRoutes())
  app.route('/', dashboardRoutes())
  app.onError(errorResponse)
  app.notFound(routeNotFound)
  return app
}
