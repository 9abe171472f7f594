import { exports } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { callTool, get, keysUnder, ok, ORIGIN, settle, textAt, tokenFor } from './support/api.ts'
import { seed } from './support/seed.ts'

afterEach(async () => {
  await settle()
  await reset()
})

const SECRET_NAME = 'Globex Secret Ltd'
let globex: { id: string; version: string }
let globexText: string | null

beforeEach(async () => {
  globex = await seed('Customer', { name: SECRET_NAME, email: 'ceo@globex.example' }, 'globex')
  globexText = await textAt(`data/globex/Customer/${globex.id}.agi`)
})

/** Refused (400, 403 or 404), with nothing of globex's in the answer, and globex's data untouched. */
async function expectRefused(response: Response, statuses = [400, 403, 404]) {
  const text = await response.text()
  expect(statuses, `${response.status} ${text}`).toContain(response.status)
  expect(text).not.toContain(SECRET_NAME)
  expect(JSON.parse(text)).toHaveProperty('error.code')
  expect(await textAt(`data/globex/Customer/${globex.id}.agi`)).toBe(globexText)
  expect(await keysUnder('commits/globex/')).toHaveLength(1)
}

describe('an acme token against globex', () => {
  it.each<[string, string, unknown]>([
    ['create with tenant_id', 'create_customer', { name: 'X', tenant_id: 'globex' }],
    ['create with an upper-case tenant_id', 'create_customer', { name: 'X', tenant_id: 'ACME' }],
    ['create with a look-alike unicode tenant_id', 'create_customer', { name: 'X', tenant_id: 'аcme' }],
    ['read with tenant_id', 'read_customer', { id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001', tenant_id: 'globex' }],
    ['list with tenant_id', 'list_customers', { tenant_id: 'globex' }],
    ['list filtered on tenant_id', 'list_customers', { where: { tenant_id: 'globex' } }],
    ['edit moving a record to globex', 'edit_customer', { id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001', patch: { tenant_id: 'globex' } }],
    ['delete with tenant_id', 'delete_customer', { id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001', tenant_id: 'globex' }],
  ])('%s → 403', async (_what, tool, args) => {
    const response = await callTool(tool, args)
    expect(response.status).toBe(403)
    await expectRefused(response)
    expect(await keysUnder('data/acme/')).toEqual([])
  })

  it('cannot read, edit or delete a globex record by its id', async () => {
    await expectRefused(await callTool('read_customer', { id: globex.id }), [404])
    await expectRefused(await callTool('edit_customer', { id: globex.id, patch: { name: 'Owned' } }), [404])
    await expectRefused(await callTool('edit_customer', { id: globex.id, patch: { name: 'Owned' }, expected_version: globex.version }), [404])
    await expectRefused(await callTool('delete_customer', { id: globex.id }), [404])
  })

  it('never lists globex records or activity', async () => {
    await ok('create_customer', { name: 'Acme Own' })
    const list = await ok('list_customers', {})
    expect(list.customers.map((c: any) => c.name)).toEqual(['Acme Own'])
    const activity = (await (await get('/activity')).json()) as { entries: { paths: string[] }[] }
    expect(activity.entries).toHaveLength(1)
    expect(activity.entries.flatMap((entry) => entry.paths).every((path) => path.startsWith('data/acme/'))).toBe(true)
  })

  it('cannot use a globex list cursor', async () => {
    await expectRefused(await callTool('list_customers', { cursor: `data/globex/Customer/${globex.id}.agi` }), [400])
  })

  it.each([
    [`/data/globex/Customer/{id}.agi`, [403]],
    [`/data/acme/../globex/Customer/{id}.agi`, [403]],
    [`/data/acme/%2e%2e/globex/Customer/{id}.agi`, [403]],
    [`/data/acme%2F..%2Fglobex/Customer/{id}.agi`, [403]],
    [`/data/ACME/Customer/{id}.agi`, [403]],
    [`/data/%D0%B0cme/Customer/{id}.agi`, [403]],
    [`/data/acme/Customer/{id}.agi`, [404]],
    [`/data/acme/customer/{id}.agi`, [400]],
    [`/data/acme/Customer/{id}`, [404]],
    [`/data/acme/Customer/{ID}.agi`, [400]],
    [`/data/acme/Customer/..%2F..%2Fglobex%2FCustomer%2F{id}.agi`, [400]],
    [`/data/acme/Customer%2F..%2F..%2Fglobex%2FCustomer/{id}.agi`, [400]],
    [`/data/acme/Customer/%EF%BC%91{id}.agi`, [400]],
    [`/data/acme/Customer/{id}.agi/extra`, [404]],
    [`/data/acme/..%2Fglobex/Customer/{id}.agi`, [400, 403, 404]],
  ])('GET %s is refused', async (template, statuses) => {
    const path = template.replace('{id}', globex.id).replace('{ID}', globex.id.toUpperCase())
    await expectRefused(await get(path), statuses)
  })

  it('cannot reach globex through raw, unnormalised request paths', async () => {
    const token = await tokenFor()
    for (const path of ['/data//globex/Customer/x.agi', '/data/./globex/Customer/x.agi', '/data/acme/Customer/\u2215globex.agi']) {
      const response = await exports.default.fetch(new Request(`${ORIGIN}${path.replace('x', globex.id)}`, { headers: { Authorization: `Bearer ${token}` } }))
      await expectRefused(response)
    }
  })

  it('a globex token reads its own record (the control case)', async () => {
    const response = await get(`/data/globex/Customer/${globex.id}.agi`, { token: await tokenFor({ tenant: 'globex' }) })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(globexText)
  })

  it('an idempotency key used by globex does not replay into acme', async () => {
    const globexToken = await tokenFor({ tenant: 'globex' })
    const key = { 'Idempotency-Key': 'shared-key-1' }
    const first = await ok('create_customer', { name: 'Globex Two' }, { token: globexToken, headers: key })
    const second = await ok('create_customer', { name: 'Globex Two' }, { headers: key })
    expect(second.customer.id).not.toBe(first.customer.id)
    expect(second.customer.tenant_id).toBe('acme')
  })
})
