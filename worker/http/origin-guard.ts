/**
 * Who may call the API from a browser. A request that carries `Origin` (browsers send it on cross-site calls) is
 * refused unless that origin is the Worker's own (the URL it was addressed to) or listed in `ALLOWED_ORIGINS`.
 * Requests without one (agents, scripts, the SDK in Node) are not affected. MCP's transport requires this check
 * against DNS rebinding: a page on evil.example whose name is rebound to 127.0.0.1 calls the local Worker with
 * `Origin: http://evil.example`.
 *
 * Under `accelerando dev` (`npm start`) the Worker also refuses any `Host` that is not a loopback name: a rebound
 * page addresses the Worker by its own name, so its `Origin` would otherwise count as the Worker's own.
 */
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'
import { ForbiddenError } from './http-errors.ts'
import { isLoopbackHost } from './loopback.ts'

/** `LOOPBACK_ONLY` is set by `accelerando dev` alone (`wrangler dev --var LOOPBACK_ONLY:true`), never in wrangler.jsonc. */
type GuardBindings = Env & { LOOPBACK_ONLY?: string }

export function originGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const own = new URL(c.req.url)
    if ((c.env as GuardBindings).LOOPBACK_ONLY === 'true' && !isLoopbackHost(own.hostname)) {
      throw new ForbiddenError(`this local Worker answers loopback names only (localhost, 127.0.0.1, [::1]), not "${own.hostname}"`)
    }
    const origin = c.req.header('Origin')
    if (origin !== undefined && !isAllowedOrigin(origin, own.origin, c.env.ALLOWED_ORIGINS)) {
      throw new ForbiddenError(`requests from origin ${JSON.stringify(origin)} are not accepted; an operator can list it in ALLOWED_ORIGINS`)
    }
    await next()
  }
}

function isAllowedOrigin(origin: string, own: string, allowed: string | undefined): boolean {
  const normalized = originOf(origin)
  // "null" (a sandboxed frame, a file: page) and anything unparsable is nobody's origin.
  if (normalized === null) return false
  return normalized === own || parseAllowedOrigins(allowed).includes(normalized)
}

/**
 * `ALLOWED_ORIGINS`: comma-separated origins such as `https://erp.example.com`. An entry that is not an origin is a
 * deployment error (500 for the operator), not something to guess about.
 */
export function parseAllowedOrigins(value: string | undefined): string[] {
  const origins: string[] = []
  for (const entry of (value ?? '').split(',').map((part) => part.trim())) {
    if (entry === '') continue
    const url = parseUrl(entry)
    if (url === null || url.origin === 'null' || url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
      throw new Error(`ALLOWED_ORIGINS holds ${JSON.stringify(entry)}, which is not an origin such as https://erp.example.com`)
    }
    origins.push(url.origin)
  }
  return origins
}

function originOf(text: string): string | null {
  const origin = parseUrl(text)?.origin
  return origin === undefined || origin === 'null' ? null : origin
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text)
  } catch {
    return null
  }
}
