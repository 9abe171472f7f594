import { Hono } from 'hono'
import packageJson from '../../package.json' with { type: 'json' }
import type { AppEnv } from '../env.ts'

/** `GET /health`: no token, no storage — says the Worker is up and which version it runs. */
export function healthRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/', (c) => c.json({ ok: true, version: packageJson.version }))
}
