import { verify } from 'hono/jwt'
import { describe, expect, it } from 'vitest'
import { mintToken, parseSecrets, tokenClaimsSchema } from '../../shared/auth/token-claims.ts'

const identity = { sub: 'agent-7', name: 'Invoice Bot', email: 'bot@acme.example', tenant: 'acme', scope: 'write' as const }

describe('mintToken', () => {
  it('signs HS256 claims that verify and parse back', async () => {
    const now = new Date('2026-06-25T10:00:00Z')
    const token = await mintToken({ ...identity, tools: ['create_customer'] }, 'secret', { expiresInSeconds: 3600, now })
    const [header] = token.split('.')
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' })
    const payload = await verify(token, 'secret', { alg: 'HS256', exp: false, iat: false })
    expect(tokenClaimsSchema.parse(payload)).toEqual({ ...identity, tools: ['create_customer'], iat: 1782381600, exp: 1782385200 })
  })

  it.each([
    ['a git-hostile name', { name: 'Bot <x>' }],
    ['an email with spaces', { email: 'bot @acme' }],
    ['a tenant outside the pattern', { tenant: 'Acme' }],
    ['an unknown scope', { scope: 'admin' }],
    ['a malformed tool name', { tools: ['Create Customer'] }],
  ])('refuses %s', async (_what, override) => {
    await expect(mintToken({ ...identity, ...override } as never, 'secret', { expiresInSeconds: 60 })).rejects.toThrow()
  })

  it('refuses an empty secret and a non-positive lifetime', async () => {
    await expect(mintToken(identity, '', { expiresInSeconds: 60 })).rejects.toThrow(/secret/)
    await expect(mintToken(identity, 'secret', { expiresInSeconds: 0 })).rejects.toThrow(RangeError)
  })
})

describe('parseSecrets', () => {
  it('splits a rotation list and drops blanks', () => {
    expect(parseSecrets(' new , old ,,')).toEqual(['new', 'old'])
    expect(parseSecrets(undefined)).toEqual([])
    expect(parseSecrets('')).toEqual([])
  })
})
