import type { MiddlewareHandler } from 'hono'
import { verify } from 'hono/jwt'
import { JwtTokenExpired, JwtTokenSignatureMismatched } from 'hono/utils/jwt/types'
import { parseSecrets, TOKEN_ALGORITHM, tokenClaimsSchema } from '../../shared/auth/token-claims.ts'
import type { AppEnv } from '../env.ts'
import { UnauthorizedError } from '../http/http-errors.ts'
import type { Caller } from './caller.ts'

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)[ ]*$/i

/**
 * Verifies a token against each secret in turn (several during a rotation), with the algorithm pinned so
 * `alg: none` and algorithm swaps fail, then checks the claims. Every failure is an `UnauthorizedError`.
 */
export async function verifyToken(token: string, secrets: readonly string[]): Promise<Caller> {
  let payload: unknown
  let failure: unknown
  for (const secret of secrets) {
    try {
      payload = await verify(token, secret, { alg: TOKEN_ALGORITHM })
      break
    } catch (error) {
      failure = error
      // Only a signature mismatch may be another secret's token; any other failure holds for every secret.
      if (!(error instanceof JwtTokenSignatureMismatched)) break
    }
  }
  if (payload === undefined) {
    throw new UnauthorizedError(failure instanceof JwtTokenExpired ? 'the token has expired' : 'the token is invalid')
  }
  const claims = tokenClaimsSchema.safeParse(payload)
  if (!claims.success) {
    const fields = [...new Set(claims.error.issues.map((issue) => issue.path.join('.') || '(token)'))]
    throw new UnauthorizedError(`the token's claims are invalid: ${fields.join(', ')}`)
  }
  const { sub, name, email, tenant, scope, tools } = claims.data
  return tools === undefined ? { sub, name, email, tenant, scope } : { sub, name, email, tenant, scope, tools }
}

/** Requires `Authorization: Bearer <token>` and sets `caller`. */
export function bearerAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secrets = parseSecrets(c.env.AUTH_SECRET)
    // A deployment without a secret is misconfigured: a 500 for the operator, not a 401 for the caller.
    if (secrets.length === 0) throw new Error('AUTH_SECRET is not configured')
    const match = BEARER.exec(c.req.header('Authorization') ?? '')
    if (match === null) throw new UnauthorizedError('send a token: Authorization: Bearer <token>')
    c.set('caller', await verifyToken(match[1] as string, secrets))
    await next()
  }
}
