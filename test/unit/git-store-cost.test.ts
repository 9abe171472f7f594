import { describe, expect, it } from 'vitest'
import { GitStore } from '../../shared/git-store/index.ts'
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
