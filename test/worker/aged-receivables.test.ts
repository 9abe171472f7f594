import { reset } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { indexedFields } from '../../shared/agi/types.ts'
import { GitStore, writeIndexMarker } from '../../shared/git-store/index.ts'
import { CountingObjectStore } from '../../shared/object-store/counting-store.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { R2ObjectStore } from '../../worker/r2-object-store.ts'
import { agedReceivables } from '../../worker/tools/intents/index.ts'
import { bucket, callTool, ok, tokenFor } from './support/api.ts'
import { seed } from './support/seed.ts'
import { call, intentContext } from './intent-support.ts'

afterEach(async () => {
  await reset()
})

const AS_OF = '2026-06-30'

/** `AS_OF` minus `days` (a negative count is after it). */
function daysBefore(days: number): string {
  return new Date(Date.parse(`${AS_OF}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10)
}

async function customer(name: string, tenant = 'acme'): Promise<string> {
  return (await seed('Customer', { name }, tenant)).id
}

/** An invoice of `total` (cents) for `customerId`; sent, unpaid and issued long before `AS_OF` unless told otherwise. */
async function invoice(customerId: string, total: bigint, fields: Record<string, string | bigint> = {}, tenant = 'acme'): Promise<string> {
  return (await seed('Invoice', { customer_id: customerId, status: 'sent', total, amount_paid: 0n, issue_date: '2026-01-01', ...fields }, tenant)).id
}

async function markIndexesComplete(): Promise<void> {
  for (const spec of ERP_SCHEMA.entities.values()) for (const field of indexedFields(spec)) await writeIndexMarker(bucket(), ERP_SCHEMA, spec.name, field.name, new Date())
}

const ZERO = { current: 0, days_1_30: 0, days_31_60: 0, days_61_90: 0, days_over_90: 0 }

async function errorOf(response: Response) {
  const body = (await response.json()) as { error: { code: string; message: string; details?: any } }
  return { status: response.status, ...body.error }
}

describe('aged_receivables', () => {
  it('puts each open amount in its bucket by days past due, at every boundary', async () => {
    const ada = await customer('Ada Lovelace')
    // Days past due → amount in cents, so each bucket's sum says which invoices landed in it.
    const cases: [days: number, cents: bigint][] = [
      [-5, 1n],
      [0, 2n],
      [1, 4n],
      [30, 8n],
      [31, 16n],
      [60, 32n],
      [61, 64n],
      [90, 128n],
      [91, 256n],
      [400, 512n],
    ]
    for (const [days, cents] of cases) await invoice(ada, cents, { due_date: daysBefore(days), issue_date: daysBefore(Math.max(days, 0) + 10) })
    const body = await ok('aged_receivables', { as_of: AS_OF })
    expect(body.as_of).toBe(AS_OF)
    const buckets = { current: 0.03, days_1_30: 0.12, days_31_60: 0.48, days_61_90: 1.92, days_over_90: 7.68 }
    expect(body.customers).toEqual([{ customer_id: ada, name: 'Ada Lovelace', currency: 'USD', ...buckets, total: 10.23, open_invoices: 10 }])
    expect(body.totals).toEqual([{ currency: 'USD', customers: 1, ...buckets, total: 10.23, open_invoices: 10 }])
    expect(body.next_cursor).toBeNull()
  })

  it('takes the issue date as due without a due date, counts an undated invoice as current, and leaves out one issued after as_of', async () => {
    const ada = await customer('Ada')
    await invoice(ada, 1000n, { issue_date: daysBefore(45) })
    await seed('Invoice', { customer_id: ada, status: 'sent', total: 2000n, amount_paid: 0n })
    await invoice(ada, 4000n, { issue_date: daysBefore(-1), due_date: daysBefore(-31) })
    const body = await ok('aged_receivables', { as_of: AS_OF })
    expect(body.customers).toEqual([{ customer_id: ada, name: 'Ada', currency: 'USD', ...ZERO, current: 20, days_31_60: 10, total: 30, open_invoices: 2 }])
    // Later, the invoice issued after the first as_of counts too (still current: it is due later still).
    const later = await ok('aged_receivables', { as_of: daysBefore(-1) })
    expect(later.customers[0]).toMatchObject({ current: 60, days_31_60: 10, total: 70, open_invoices: 3 })
  })

  it('counts what is left after partial payments, and leaves out drafts, paid, void and fully paid invoices', async () => {
    const ada = await customer('Ada')
    await invoice(ada, 10_000n, { amount_paid: 2_550n, due_date: daysBefore(10) })
    await invoice(ada, 5_000n, { amount_paid: 5_000n, due_date: daysBefore(10) })
    await invoice(ada, 7_000n, { status: 'draft', due_date: daysBefore(10) })
    await invoice(ada, 7_000n, { status: 'paid', amount_paid: 7_000n, due_date: daysBefore(10) })
    await invoice(ada, 7_000n, { status: 'void', due_date: daysBefore(10) })
    const body = await ok('aged_receivables', { as_of: AS_OF })
    expect(body.customers).toEqual([{ customer_id: ada, name: 'Ada', currency: 'USD', ...ZERO, days_1_30: 74.5, total: 74.5, open_invoices: 1 }])
  })

  it('works through the real tools: a sent invoice with a payment recorded on it', async () => {
    const ada = (await ok('create_customer', { name: 'Ada' })).customer.id
    const { invoice: created } = await ok('create_invoice_with_lines', { customer_id: ada, issue_date: '2026-05-01', due_date: '2026-05-31', lines: [{ description: 'Work', unit_price: '100.10' }] })
    await ok('update_invoice_status', { invoice_id: created.id, status: 'sent' })
    await ok('record_payment', { invoice_id: created.id, amount: '0.20' })
    const body = await ok('aged_receivables', { as_of: AS_OF })
    expect(body.customers).toEqual([{ customer_id: ada, name: 'Ada', currency: 'USD', ...ZERO, days_1_30: 99.9, total: 99.9, open_invoices: 1 }])
  })

  it('keeps currencies apart, and pages by customer with every customer whole and the grand totals on each page', async () => {
    const ids = [await customer('A'), await customer('B'), await customer('C')].sort()
    await invoice(ids[0]!, 100n, { due_date: daysBefore(5) })
    await invoice(ids[0]!, 200n, { due_date: daysBefore(5), currency: 'EUR' })
    await invoice(ids[1]!, 300n, { due_date: daysBefore(70) })
    await invoice(ids[1]!, 400n, { due_date: daysBefore(2) })
    await invoice(ids[2]!, 500n, { due_date: daysBefore(-3) })
    const first = await ok('aged_receivables', { as_of: AS_OF, limit: 2 })
    expect(first.customers.map((row: any) => [row.customer_id, row.currency, row.total])).toEqual([
      [ids[0], 'EUR', 2],
      [ids[0], 'USD', 1],
      [ids[1], 'USD', 7],
    ])
    expect(first.customers[2]).toMatchObject({ days_1_30: 4, days_61_90: 3, open_invoices: 2 })
    expect(first.next_cursor).toBe(ids[1])
    const second = await ok('aged_receivables', { as_of: AS_OF, limit: 2, cursor: first.next_cursor })
    expect(second.customers.map((row: any) => [row.customer_id, row.currency, row.total])).toEqual([[ids[2], 'USD', 5]])
    expect(second.next_cursor).toBeNull()
    const totals = [
      { currency: 'EUR', customers: 1, ...ZERO, days_1_30: 2, total: 2, open_invoices: 1 },
      { currency: 'USD', customers: 3, ...ZERO, current: 5, days_1_30: 5, days_61_90: 3, total: 13, open_invoices: 4 },
    ]
    expect(first.totals).toEqual(totals)
    expect(second.totals).toEqual(totals)
  })

  it('names every customer of a page that spans more than one page of the customer list', async () => {
    const store = new GitStore({ objects: bucket(), schema: ERP_SCHEMA, tenant: 'acme', author: { name: 'Seeder', email: 'seed@example.com' } })
    const { value: ids } = await store.transaction('seed 250 customers', async (tx) => Array.from({ length: 250 }, (_, i) => tx.create('Customer', { name: `Customer ${i}` }).id))
    const owing = ids.filter((_, i) => i % 10 === 9)
    await store.transaction(
      'seed their invoices',
      async (tx) => {
        for (const id of owing) tx.create('Invoice', { customer_id: id, status: 'sent', total: 1_000n, amount_paid: 0n, due_date: daysBefore(3) })
      },
      { enforceCrud: false },
    )
    const nameOf = new Map(ids.map((id, i) => [id, `Customer ${i}`]))
    const all = await ok('aged_receivables', { as_of: AS_OF, limit: 200 })
    expect(all.customers.map((row: any) => [row.customer_id, row.name])).toEqual(owing.map((id) => [id, nameOf.get(id)]))
    const first = await ok('aged_receivables', { as_of: AS_OF, limit: 20 })
    const rest = await ok('aged_receivables', { as_of: AS_OF, limit: 20, cursor: first.next_cursor })
    expect([...first.customers, ...rest.customers].map((row: any) => row.name)).toEqual(owing.map((id) => nameOf.get(id)))
    expect(rest.next_cursor).toBeNull()
  })

  it('sees only the caller’s tenant', async () => {
    const ada = await customer('Ada')
    await invoice(ada, 1_000n, { due_date: daysBefore(3) })
    const globexCustomer = await customer('Globex buyer', 'globex')
    await invoice(globexCustomer, 99_900n, { due_date: daysBefore(3) }, 'globex')
    const acme = await ok('aged_receivables', { as_of: AS_OF })
    expect(acme.customers.map((row: any) => row.customer_id)).toEqual([ada])
    expect(acme.totals).toEqual([{ currency: 'USD', customers: 1, ...ZERO, days_1_30: 10, total: 10, open_invoices: 1 }])
    const globex = await ok('aged_receivables', { as_of: AS_OF }, { token: await tokenFor({ tenant: 'globex' }) })
    expect(globex.customers.map((row: any) => row.customer_id)).toEqual([globexCustomer])
    expect((await callTool('aged_receivables', { as_of: AS_OF, tenant_id: 'globex' })).status).toBe(403)
  })

  it('answers an empty report when nothing is owed', async () => {
    expect(await ok('aged_receivables', {})).toEqual({ as_of: new Date().toISOString().slice(0, 10), customers: [], totals: [], next_cursor: null })
  })

  it.each([
    ['an impossible date', { as_of: '2026-02-30' }, 'as_of'],
    ['a date with a time', { as_of: '2026-06-30T00:00:00Z' }, 'as_of'],
    ['a limit of 0', { limit: 0 }, 'limit'],
    ['a limit over 200', { limit: 201 }, 'limit'],
    ['a cursor that is not an id', { cursor: 'data/acme/Customer/x' }, 'cursor'],
    ['an unknown field', { customer: 'x' }, ''],
  ])('refuses %s with 400 invalid_input', async (_, args, field) => {
    const error = await errorOf(await callTool('aged_receivables', args))
    expect(error).toMatchObject({ status: 400, code: 'invalid_input' })
    expect(JSON.stringify(error.details.issues)).toContain(field)
  })

  it('reads the status index: its cost does not grow with paid and void invoices', async () => {
    await markIndexesComplete()
    const [ada, bob] = [await customer('Ada'), await customer('Bob')]
    await invoice(ada, 1_000n, { due_date: daysBefore(40) })
    await invoice(bob, 2_000n, { due_date: daysBefore(1), amount_paid: 500n })
    // Read an hour later, as a report usually is: the writes are settled, so no reader has to confirm them.
    const measure = async () => {
      const counting = new CountingObjectStore(new R2ObjectStore(env.BUCKET))
      const { ctx } = intentContext({ objects: counting, now: () => new Date(Date.now() + 3_600_000) })
      const answer = await call(agedReceivables, { as_of: AS_OF }, ctx)
      return { answer, counts: counting.counts() }
    }
    const few = await measure()
    expect(new Map(few.answer.customers.map((row: any) => [row.name, row.total]))).toEqual(new Map([['Ada', 10], ['Bob', 15]]))
    for (let i = 0; i < 30; i++) {
      await invoice(i % 2 === 0 ? ada : bob, 3_000n, { status: i % 3 === 0 ? 'void' : 'paid', amount_paid: i % 3 === 0 ? 0n : 3_000n, due_date: daysBefore(50) })
    }
    const many = await measure()
    expect(many.answer).toEqual(few.answer)
    expect(many.counts).toEqual(few.counts)
    // The marker, one page of the status index, one page of customers and the open transactions that list checks: no GET
    // per record. A scan of the invoices (the path before the index is complete) would list one more page and its intents.
    expect(few.counts.get).toBe(1)
    expect(few.counts.list).toBe(3)
  })
})
