import { describe, expect, it } from 'vitest'
import { CountingObjectStore } from '../../shared/object-store/counting-store.ts'
import { MemoryObjectStore } from '../../shared/object-store/memory-store.ts'
import type { Caller } from '../../worker/auth/caller.ts'
import { findTool } from '../../worker/tools/catalogue.ts'
import { invokeTool } from '../../worker/tools/invoke-tool.ts'

/** What the ERP schema's indexes cost the writes that carry them, through the tool pipeline. */
describe('the cost of index entries to a write', () => {
  it('create_invoice_with_lines (3 lines): its 5 index entries ride in the round trip of its records — 4 round trips, 11 Class A', async () => {
    const counting = new CountingObjectStore(new MemoryObjectStore({ maxPageSize: 100 }), { latencyMs: 2 })
    const caller: Caller = { sub: 'cost', name: 'Cost Bot', email: 'cost@acme.example', tenant: 'acme', scope: 'write' }
    const deferred: Promise<unknown>[] = []
    const call = async (name: string, args: unknown) => (await invokeTool({ tool: findTool(name), args, caller, objects: counting, defer: (work) => deferred.push(work) })).body as any
    const { customer } = await call('create_customer', { name: 'Acme' })
    await Promise.all(deferred)
    counting.reset()
    await call('create_invoice_with_lines', { customer_id: customer.id, lines: [1, 2, 3].map((n) => ({ description: `line ${n}`, unit_price: 10 * n })) })
    const counts = counting.counts()
    // The intent, 4 records, 5 index entries (Invoice.customer_id and .status, each line's invoice_id), the entry.
    expect(counts).toMatchObject({ finishedRoundTrips: 4, put: 11, classA: 11, list: 0 })
  })
})
