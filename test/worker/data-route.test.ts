import { reset } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GitStore } from '../../shared/git-store/index.ts'
import { FaultyObjectStore } from '../../shared/object-store/faulty-store.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { bucket, get, ok, settle, textAt, tokenFor } from './support/api.ts'

afterEach(async () => {
  await settle()
  await reset()
})

describe('GET /data/<tenant>/<Entity>/<id>.agi', () => {
  it('serves the stored bytes as text with the version as ETag', async () => {
    const { customer } = await ok('create_customer', { name: 'Zoë "Quotes" Ünïcode 😀' })
    const path = `/data/acme/Customer/${customer.id}.agi`
    const response = await get(path, { token: await tokenFor({ scope: 'read' }) })
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('text/plain; charset=utf-8')
    expect(response.headers.get('ETag')).toBe(`"${customer.version}"`)
    expect(await response.text()).toBe(await textAt(path.slice(1)))
    const again = await get(path, { headers: { 'If-None-Match': `"${customer.version}"` } })
    expect(again.status).toBe(304)
  })

  it('answers 500 corrupt_record for stored bytes that are not the record, an empty file included', async () => {
    const id = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001'
    for (const text of ['', 'RECORD Customer 0193f6c2 {', `RECORD Vendor ${id} {\n}\n`]) {
      await env.BUCKET.put(`data/acme/Customer/${id}.agi`, text)
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
      const response = await get(`/data/acme/Customer/${id}.agi`)
      logged.mockRestore()
      expect(response.status, JSON.stringify(text)).toBe(500)
      expect(((await response.json()) as any).error).toMatchObject({ code: 'corrupt_record', details: { key: `data/acme/Customer/${id}.agi` } })
    }
  })

  it('answers 404 for a record that does not exist', async () => {
    const response = await get('/data/acme/Customer/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi')
    expect(response.status).toBe(404)
    expect(((await response.json()) as any).error.code).toBe('not_found')
  })

  it("never shows an open transaction's writes", async () => {
    const { customer } = await ok('create_customer', { name: 'Ada' })
    const committed = await textAt(`data/acme/Customer/${customer.id}.agi`)
    // A writer that stops after its intent and its record writes, before the entry (the commit point).
    const faulty = new FaultyObjectStore(bucket())
    faulty.crashAfter(3)
    const store = new GitStore({ objects: faulty, schema: ERP_SCHEMA, tenant: 'acme', author: { name: 'Crash', email: 'crash@example.com' } })
    await expect(
      store.transaction('half-done', async (tx) => {
        await tx.edit('Customer', customer.id, { name: 'Uncommitted' })
        tx.create('Customer', { name: 'Phantom' })
      }),
    ).rejects.toThrow()
    expect(faulty.crashed).toBe(true)
    expect(await textAt(`data/acme/Customer/${customer.id}.agi`)).toContain('Uncommitted')

    const response = await get(`/data/acme/Customer/${customer.id}.agi`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(committed)
    expect(response.headers.get('ETag')).not.toBeNull()
    const listed = await ok('list_customers', {})
    expect(listed.customers.map((c: any) => c.name)).toEqual(['Ada'])
    const activity = (await (await get('/activity')).json()) as any
    expect(activity.entries.map((entry: any) => entry.message)).toEqual([`create Customer ${customer.id}`])
  })
})
