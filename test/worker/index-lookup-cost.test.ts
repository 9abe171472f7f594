import { reset } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { indexedFields } from '../../shared/agi/types.ts'
import { GitStore, writeIndexMarker } from '../../shared/git-store/index.ts'
import { CountingObjectStore } from '../../shared/object-store/counting-store.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { createApp } from '../../worker/app.ts'
import { R2ObjectStore } from '../../worker/r2-object-store.ts'
import { bucket, callTool, settle } from './support/api.ts'

afterEach(async () => {
  await settle()
  await reset()
})

/** Writes `count` records in one transaction, as an hour ago: settled, so no reader has to confirm their writer. */
async function seedMany(entity: string, count: number, fields: (index: number) => Record<string, string>): Promise<void> {
  const store = new GitStore({ objects: bucket(), schema: ERP_SCHEMA, tenant: 'acme', author: { name: 'Seeder', email: 'seed@example.com' }, now: () => new Date(Date.now() - 3_600_000) })
  await store.transaction(`seed ${count} ${entity}`, async (tx) => {
    for (let i = 0; i < count; i++) tx.create(entity, fields(i))
  })
}

/** One filtered list through the app over a counting store whose index markers are already known (a warm isolate). */
async function lookUp(tool: string, where: Record<string, string>) {
  const counting = new CountingObjectStore(new R2ObjectStore(env.BUCKET))
  const app = createApp({ objects: () => counting })
  const run = async () => {
    counting.reset()
    const response = await callTool(tool, { where }, { fetcher: (request) => app.fetch(request, env) })
    expect(response.status).toBe(200)
    return { body: (await response.json()) as Record<string, any>, counts: counting.counts() }
  }
  await run()
  return run()
}

describe('a unique value looked up through its index', () => {
  it.each([
    ['Account by code', 'Account', 'list_accounts', 'accounts', (i: number) => ({ code: String(10_000 + i), name: `Account ${i}`, type: 'asset' }), { code: '10003' }],
    ['Customer by email', 'Customer', 'list_customers', 'customers', (i: number) => ({ name: `Customer ${i}`, email: `c${i}@example.com` }), { email: 'c3@example.com' }],
  ])('%s costs the same few storage calls among 5 records as among 455', async (_, entity, tool, plural, fields, where) => {
    for (const spec of ERP_SCHEMA.entities.values()) for (const field of indexedFields(spec)) await writeIndexMarker(bucket(), ERP_SCHEMA, spec.name, field.name, new Date())
    await seedMany(entity, 5, fields)
    const few = await lookUp(tool, where)
    // Enough that an unfiltered scan would need more than one page of 200, let alone one of the limit's 50.
    await seedMany(entity, 450, (i) => fields(i + 5))
    const many = await lookUp(tool, where)
    expect(few.body[plural]).toHaveLength(1)
    expect(many.body[plural]).toEqual(few.body[plural])
    expect(many.counts).toEqual(few.counts)
    // One list of the value's index entries: each carries its record's text, so no GET.
    expect(few.counts).toMatchObject({ get: 0, list: 1, put: 0 })
  })
})
