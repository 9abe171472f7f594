import { reset } from 'cloudflare:test'
import { sign } from 'hono/jwt'
import { afterEach, describe, expect, it } from 'vitest'
import { mintToken } from '../../shared/auth/token-claims.ts'
import { ACME_WRITER, callTool, CURRENT_SECRET, get, keysUnder, PREVIOUS_SECRET, settle, tokenFor } from './support/api.ts'

afterEach(async () => {
  await settle()
  await reset()
})

const base64url = (value: unknown) => btoa(JSON.stringify(value)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600

async function statusAndCode(response: Response) {
  const body = (await response.json()) as { error?: { code: string; message: string } }
  return { status: response.status, code: body.error?.code, message: body.error?.message }
}

describe('bearer tokens', () => {
  const claims = () => ({ ...ACME_WRITER, exp: inAnHour() })

  it.each<[string, () => Promise<string | null>]>([
    ['no token', async () => null],
    ['garbage', async () => 'not-a-jwt'],
    ['two parts', async () => 'abc.def'],
    ['a forged signature (another secret)', () => tokenFor({}, { secret: 'somebody-elses-secret' })],
    ['alg none', async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`],
    ['another algorithm with the right secret (HS512)', () => sign(claims(), CURRENT_SECRET, 'HS512')],
    [
      'a tampered payload (tenant changed after signing)',
      async () => {
        const [header, , signature] = (await tokenFor()).split('.')
        return `${header}.${base64url({ ...claims(), tenant: 'globex' })}.${signature}`
      },
    ],
    ['an expired token', () => mintToken(ACME_WRITER, CURRENT_SECRET, { expiresInSeconds: 60, now: new Date(Date.now() - 3_600_000) })],
    ['a token without exp', () => sign({ ...ACME_WRITER }, CURRENT_SECRET, 'HS256')],
    ['an unknown scope', () => sign({ ...claims(), scope: 'admin' }, CURRENT_SECRET, 'HS256')],
    ['an author name git would refuse', () => sign({ ...claims(), name: 'Bot <evil>' }, CURRENT_SECRET, 'HS256')],
    ['a malformed tenant', () => sign({ ...claims(), tenant: '../globex' }, CURRENT_SECRET, 'HS256')],
  ])('%s → 401 on every protected route, and nothing is written', async (_what, makeToken) => {
    const token = await makeToken()
    for (const response of [
      await callTool('create_customer', { name: 'Mallory' }, { token }),
      await callTool('list_customers', {}, { token }),
      await get('/activity', { token }),
      await get('/data/acme/Customer/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi', { token }),
    ]) {
      expect(response.headers.get('WWW-Authenticate')).toBe('Bearer')
      expect(await statusAndCode(response)).toMatchObject({ status: 401, code: 'unauthorized' })
    }
    expect(await keysUnder('')).toEqual([])
  })

  it('says when a token has expired', async () => {
    const token = await mintToken(ACME_WRITER, CURRENT_SECRET, { expiresInSeconds: 60, now: new Date(Date.now() - 3_600_000) })
    expect((await statusAndCode(await callTool('list_customers', {}, { token }))).message).toMatch(/expired/)
  })

  it('accepts tokens signed with any configured secret (rotation)', async () => {
    for (const secret of [CURRENT_SECRET, PREVIOUS_SECRET]) {
      const response = await callTool('create_customer', { name: `Signed with ${secret}` }, { token: await tokenFor({}, { secret }) })
      expect(response.status).toBe(200)
    }
  })

  it('accepts the scheme name in any case', async () => {
    const response = await callTool('list_customers', {}, { token: null, headers: { Authorization: `bearer ${await tokenFor()}` } })
    expect(response.status).toBe(200)
  })
})

describe('scope and allow-list', () => {
  it('a read-scope token may read but not write', async () => {
    const reader = await tokenFor({ scope: 'read' })
    expect((await callTool('list_customers', {}, { token: reader })).status).toBe(200)
    expect((await get('/activity', { token: reader })).status).toBe(200)
    for (const [tool, args] of [
      ['create_customer', { name: 'X' }],
      ['edit_customer', { id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001', patch: { name: 'X' } }],
      ['delete_customer', { id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001' }],
    ] as const) {
      expect(await statusAndCode(await callTool(tool, args, { token: reader }))).toMatchObject({ status: 403, code: 'forbidden' })
    }
    expect(await keysUnder('')).toEqual([])
  })

  it('a token with an allow-list may call only the tools it lists', async () => {
    const token = await tokenFor({ tools: ['create_customer', 'read_customer'] })
    const created = await callTool('create_customer', { name: 'Ada' }, { token })
    expect(created.status).toBe(200)
    const { customer } = (await created.json()) as { customer: { id: string } }
    expect((await callTool('read_customer', { id: customer.id }, { token })).status).toBe(200)
    expect(await statusAndCode(await callTool('list_customers', {}, { token }))).toMatchObject({ status: 403, code: 'forbidden' })
    expect(await statusAndCode(await callTool('delete_customer', { id: customer.id }, { token }))).toMatchObject({ status: 403 })
    // The allow-list narrows the scope; it never widens it.
    const narrowReader = await tokenFor({ scope: 'read', tools: ['create_customer'] })
    expect(await statusAndCode(await callTool('create_customer', { name: 'X' }, { token: narrowReader }))).toMatchObject({ status: 403 })
  })

  it('a token with an allow-list reaches only its tools: /data and /activity are refused to it', async () => {
    const { customer } = (await (await callTool('create_customer', { name: 'Ada' })).json()) as { customer: { id: string } }
    const path = `/data/acme/Customer/${customer.id}.agi`
    const payer = await tokenFor({ tools: ['record_payment'] })
    const customerReader = await tokenFor({ scope: 'read', tools: ['read_customer'] })
    expect(await statusAndCode(await callTool('read_customer', { id: customer.id }, { token: payer }))).toMatchObject({ status: 403, code: 'forbidden' })
    expect((await callTool('read_customer', { id: customer.id }, { token: customerReader })).status).toBe(200)
    for (const token of [payer, customerReader]) {
      for (const target of [path, '/activity', '/activity?limit=1']) {
        const response = await get(target, { token })
        expect(response.status, `${target}: ${await response.clone().text()}`).toBe(403)
        expect(((await response.json()) as any).error).toEqual({ code: 'forbidden', message: expect.stringMatching(/tools/) })
      }
    }
    // Tokens without an allow-list read both, whatever their scope.
    for (const token of [await tokenFor(), await tokenFor({ scope: 'read' })]) {
      expect((await get(path, { token })).status).toBe(200)
      expect((await get('/activity', { token })).status).toBe(200)
    }
  })

  it('the tool list and health need no token', async () => {
    expect((await get('/tools', { token: null })).status).toBe(200)
    expect((await get('/health', { token: null })).status).toBe(200)
  })
})
