/**
 * The bearer token: an HS256 JWT whose claims say who is calling (the identity becomes the git author of
 * every commit the call makes), for which tenant, and what it may do. Minted by the CLI, verified by the
 * Worker; both use this schema, so a token that mints is a token that verifies.
 */
import { sign } from 'hono/jwt'
import * as z from 'zod'
import { commitEntrySchema } from '../commit-entry.ts'

/** The only algorithm a token may use: verifiers pin it, so `alg: none` or a swapped algorithm never passes. */
export const TOKEN_ALGORITHM = 'HS256'

const entryFields = commitEntrySchema.shape
const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/

/** The author rules are the commit entry's own, so every identity a token carries can author a git commit. */
export const tokenClaimsSchema = z.object({
  sub: entryFields.actor.unwrap(),
  name: entryFields.author.shape.name,
  email: entryFields.author.shape.email,
  tenant: entryFields.tenant,
  scope: z.enum(['read', 'write']),
  /** Allow-list of tool names; absent means every tool the scope permits. */
  tools: z.array(z.string().regex(TOOL_NAME, 'expected a tool name such as create_customer')).optional(),
  exp: z.number().int().positive(),
  iat: z.number().int().nonnegative().optional(),
})

export type TokenClaims = z.infer<typeof tokenClaimsSchema>
export type TokenIdentity = Omit<TokenClaims, 'exp' | 'iat'>

/**
 * Signs a token valid for `expiresInSeconds` from now. The claims are checked first, so a bad identity
 * fails here rather than at the first call.
 *
 * @example
 * const token = await mintToken(
 *   { sub: 'invoice-bot', name: 'Invoice Bot', email: 'bot@acme.example', tenant: 'acme', scope: 'write' },
 *   secret,
 *   { expiresInSeconds: 30 * 86_400 },
 * )
 */
export async function mintToken(
  identity: TokenIdentity,
  secret: string,
  options: { expiresInSeconds: number; now?: Date },
): Promise<string> {
  if (secret.length === 0) throw new Error('mintToken: the signing secret is empty')
  if (!Number.isInteger(options.expiresInSeconds) || options.expiresInSeconds <= 0) {
    throw new RangeError(`mintToken: expiresInSeconds must be a positive integer, got ${options.expiresInSeconds}`)
  }
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000)
  const claims = tokenClaimsSchema.parse({ ...identity, iat, exp: iat + options.expiresInSeconds })
  return sign(claims, secret, TOKEN_ALGORITHM)
}

/** `AUTH_SECRET` may hold several comma-separated secrets (rotation): the first signs, any verifies. */
export function parseSecrets(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret.length > 0)
}
