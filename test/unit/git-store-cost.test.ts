import { describe, expect, it } from 'vitest'
import { GitStore, writeIndexMarker } from '../../shared/git-store/index.ts'
import { CountingObjectStore } from '../../shared/object-store/counting-store.ts'
import { MemoryObjectStore } from '../../shared/object-store/memory-store.ts'
import { TEST_SCHEMA } from '../support/test-schema.ts'

const author = { name: 'Cost Bot', email: 'cost@acme.example' }

/** Storage operations per write, counted the way R2 bills them and the way latency adds up. */
describe('the cost of a transaction', () => {
  async function setup() {
    const counting = new CountingObjectStore(new MemoryObjectStore(), { latencyMs: 2 })
    const deferred: Promise<unknown>[] = []
    const store = new GitStore({ objects: counting, schema: TEST_SCHEMA, tenant: 'acme', author, defer: (work) => deferred.push(work) })
    // Written just now, so reading it means confirming its transaction: the expensive case.
    const customer = (await store.create('Customer', { name: 'Acme' })).stored.record.id
    await Promise.all(deferred)
    counting.reset()
    return { counting, store, customer }
  }

  it('an invoice with 3 lines referencing a fresh customer: 4 round trips and 10 Class A operations before the answer', async () => {
    const { counting, store, customer } = await setup()
    await store.transaction(
      'create Invoice with 3 lines',
      async (tx) => {
        await tx.require('Customer', customer)
        const invoice = tx.create('Invoice', { customer_id: customer, total: 3000n })
        for (const amount of [1000n, 1500n, 500n]) tx.create('Line', { invoice_id: invoice.id, amount })
      },
      { enforceCrud: false },
    )
    // Taken as the call returns: the clean-up it left running is not part of the answer's latency.
    const counts = counting.counts()
    expect(counts.finishedRoundTrips).toBe(4)
    // The intent, 4 records, their 4 index entries (Invoice.customer_id, Line.invoice_id ×3) in the same round trip, the entry.
    expect(counts.classA).toBe(10)
    expect(counts.put).toBe(10)
    expect(counts.list).toBe(0)
  })

  it('a create without references: 3 round trips, 3 puts', async () => {
    const { counting, store } = await setup()
    await store.create('Customer', { name: 'Globex' })
    expect(counting.counts()).toMatchObject({ finishedRoundTrips: 3, put: 3, list: 0 })
  })
})

/** Filtered lists and reference checks read the index: their cost does not grow with the collection. */
describe('the cost of reads through an index', () => {
  const T0 = Date.parse('2026-12-01T09:00:00.000Z')

  /** `size` customers, every tenth with the email looked for; lists return at most 100 keys a page, as R2 with metadata. */
  async function seeded(size: number) {
    const memory = new MemoryObjectStore({ maxPageSize: 100 })
    const clock = { now: T0 }
    const seeder = new GitStore({ objects: memory, schema: TEST_SCHEMA, tenant: 'acme', author, now: () => new Date(clock.now) })
    for (const spec of TEST_SCHEMA.entities.values()) for (const field of spec.fields) if (field.index === true || field.references !== undefined) await writeIndexMarker(memory, TEST_SCHEMA, spec.name, field.name, new Date(T0))
    const ids: string[] = []
    for (let index = 0; index < size; index++) {
      clock.now += 1
      ids.push((await seeder.create('Customer', { name: `C${index}`, email: index % 10 === 0 ? 'wanted@x' : `other${index}@x` })).stored.record.id)
    }
    const counting = new CountingObjectStore(memory, { latencyMs: 1 })
    const store = new GitStore({ objects: counting, schema: TEST_SCHEMA, tenant: 'acme', author, now: () => new Date(clock.now), sleep: async () => undefined })
    return { memory, counting, store, clock, ids }
  }

  for (const size of [300, 3000]) {
    it(`a filtered first page holds min(limit, matches) records in at most 3 calls, at ${size} records`, async () => {
      const { counting, store, clock, ids } = await seeded(size)
      const matches = size / 10
      // Written long ago, but for three records of the first page edited just now: their writers are confirmed from
      // the two entry lists (newest first), the others trusted as a read trusts them.
      clock.now += 11 * 60_000
      for (const index of [0, 50, 100]) await store.edit('Customer', ids[index]!, { notes: 'edited just now' })
      // The first list through a store object also asks for the index's marker, in the same round trip; then it is known.
      await store.list('Customer', { where: { email: 'wanted@x' }, limit: 1 })
      counting.reset()
      const page = await store.list('Customer', { where: { email: 'wanted@x' }, limit: 20 })
      expect(page.records).toHaveLength(Math.min(20, matches))
      expect(page.records.filter((stored) => stored.record.fields.notes === 'edited just now')).toHaveLength(3)
      expect(counting.counts()).toMatchObject({ list: 3, get: 0, finishedRoundTrips: 2 })
      counting.reset()
      const all = await store.list('Customer', { where: { email: 'wanted@x' }, limit: 200 })
      expect(all.records).toHaveLength(Math.min(100, matches))
      expect(counting.counts()).toMatchObject({ list: 3, get: 0 })
      // Nothing written in the last ten minutes: one list call.
      clock.now += 11 * 60_000
      counting.reset()
      const settled = await store.list('Customer', { where: { email: 'wanted@x' }, limit: 20 })
      expect(settled.records).toHaveLength(20)
      expect(counting.counts()).toMatchObject({ list: 1, get: 0 })
      let pages = 0
      let cursor: string | undefined
      do {
        const next = await store.list('Customer', { where: { email: 'wanted@x' }, limit: 20, cursor })
        pages += 1
        cursor = next.cursor
      } while (cursor !== undefined)
      expect(pages).toBe(Math.ceil(matches / 20))
      console.log(`[cost] filtered list at ${size} customers: a page of 20 = ${JSON.stringify({ recent: 3, settled: 1 })} calls`)
    })

    it(`a delete's referenced check lists the referring index once, at ${size} records`, async () => {
      const { counting, store, clock, ids } = await seeded(size)
      const seededInvoice = await store.transaction('create Invoice', async (tx) => tx.create('Invoice', { customer_id: ids[0]!, total: 100n }))
      expect(seededInvoice.commit).not.toBeNull()
      clock.now += 11 * 60_000
      await store.delete('Customer', ids[1]!) // learns the marker
      counting.reset()
      await expect(store.delete('Customer', ids[0]!)).rejects.toMatchObject({ code: 'referenced' })
      const referenced = counting.counts()
      counting.reset()
      await store.delete('Customer', ids[2]!)
      const unreferenced = counting.counts()
      // Lists: the tenant's intents (one page), then the referring index (Invoice.customer_id) — at any size.
      expect(referenced.list).toBe(2)
      expect(unreferenced.list).toBe(2)
      console.log(`[cost] delete_customer at ${size} customers: referenced ${JSON.stringify(referenced)}, not ${JSON.stringify(unreferenced)}`)
    })
  }
})
