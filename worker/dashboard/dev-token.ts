/**
 * The local development token: `accelerando dev` (`npm start`) hands the token it printed to wrangler dev as
 * the variable `DEV_TOKEN`, and the dashboard picks it up from `GET /dev/token` so a newcomer need not paste
 * it. Nothing else sets that variable, so a deployed Worker has no such route; and even with the variable set
 * the route answers only a request addressed to a loopback host from a loopback client, so neither a
 * misconfigured deployment nor a web page that rebinds its own name to 127.0.0.1 can obtain the token.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../env.ts'
import { isLoopbackAddress, isLoopbackHost } from '../http/loopback.ts'

export const DEV_TOKEN_PATH = '/dev/token'

/** Set only by `accelerando dev` (`wrangler dev --var DEV_TOKEN:<token>`), never declared in wrangler.jsonc. */
type DevBindings = Env & { DEV_TOKEN?: string }

/** The development token for this request, or null when the route must not exist for it. */
export function localDevToken(c: Context<AppEnv>): string | null {
  const token = (c.env as DevBindings).DEV_TOKEN
  if (typeof token !== 'string' || token === '') return null
  if (!isLoopbackHost(new URL(c.req.url).hostname)) return null
  // Cloudflare sets it on every request at the edge, so a deployment always has an address to refuse.
  const client = c.req.header('CF-Connecting-IP')
  if (client !== undefined && !isLoopbackAddress(client)) return null
  // A browser says so when another site's page makes the request; such a page could not read the answer
  // anyway (no CORS headers), but there is no reason to send it.
  const site = c.req.header('Sec-Fetch-Site')
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return null
  return token
}
