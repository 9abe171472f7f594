/**
 * What the dashboard shows about a token: its payload, decoded without verification. This is for display and
 * an early "expired" message only; the Worker verifies every request and its 401 is what signs the page out.
 */

export interface DisplayClaims {
  sub: string
  name: string
  email: string
  tenant: string
  scope: string
  /** Seconds since the epoch. */
  exp: number
}

/** Null when `token` is not a JWT carrying the claims the Worker requires. */
export function decodeClaims(token: string): DisplayClaims | null {
  const parts = token.trim().split('.')
  if (parts.length !== 3) return null
  let payload: unknown
  try {
    payload = JSON.parse(base64UrlDecode(parts[1] as string))
  } catch {
    return null
  }
  if (typeof payload !== 'object' || payload === null) return null
  const claims = payload as Record<string, unknown>
  const text = (name: string) => (typeof claims[name] === 'string' ? (claims[name] as string) : undefined)
  const sub = text('sub')
  const name = text('name')
  const email = text('email')
  const tenant = text('tenant')
  const scope = text('scope')
  const exp = claims.exp
  if (sub === undefined || name === undefined || email === undefined || tenant === undefined || scope === undefined || typeof exp !== 'number') return null
  return { sub, name, email, tenant, scope, exp }
}

export function isExpired(claims: DisplayClaims, nowMs: number): boolean {
  return claims.exp * 1000 <= nowMs
}

/** base64url → UTF-8 text (names may hold any character). */
function base64UrlDecode(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '=')
  const binary = atob(base64)
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
}
