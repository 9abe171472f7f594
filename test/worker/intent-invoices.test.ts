import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { checkBooks } from '../../shared/domain/index.ts'
import { ConflictError, DomainRuleError, NotFoundError } from '../../shared/errors.ts'
import { GitStore } from '../../shared/git-store/index.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { createInvoiceWithLines, updateInvoiceStatus } from '../../worker/tools/intents/index.ts'
import { allRecords, call, entryOf, inputIssues, intentContext, keysUnder, pendingEntries, seedCustomer, storedText } from './intent-support.ts'

afterEach(async () => {
  await reset()
})

const NOW = '2026-06-25T10:00:00.000Z'
const SEEDED = '2026-06-25T09:00:00.000Z'

describe('create_invoice_with_lines', () => {
  it('writes the invoice and its lines in one entry, with exact totals', async () => {
    // The customer exists before the invoice: a write stamped at or after it would run again just after it.
    let at = SEEDED
    const { objects, store, ctx } = intentContext({ now: () => new Date(at) })
    const customerId = await seedCustomer(store)
    at = NOW
    const out = await call(
      createInvoiceWithLines,
      {
        customer_id: customerId,
        lines: [
          { description: 'Widgets', qty: 10, unit_price: 150 },
          { description: 'Setup', unit_price: '350' },
          { description: 'Loyalty discount', qty: 1, unit_price: -100 },
        ],
      },
      ctx,
    )
    expect(out.invoice).toMatchObject({ customer_id: customerId, status: 'draft', total: 1750, amount_paid: 0, currency: 'USD', tenant_id: 'acme' })
    expect(out.lines.map((line: any) => [line.position, line.qty, line.unit_price, line.line_total])).toEqual([
      [1, 10, 150, 1500],
      [2, 1, 350, 350],
      [3, 1, -100, -100],
    ])
    expect(out.commit).toEqual({ oid: expect.any(String), status: 'pending' })

    const invoiceId = out.invoice.id
    expect(await storedText(objects, 'Invoice', invoiceId)).toBe(
      `RECORD Invoice ${invoiceId} {
  tenant_id   : "acme"
  customer_id : "${customerId}"
  status      : "draft"
  currency    : "USD"
  total       : 1750.00
  amount_paid : 0.00
  created_at  : "${NOW}"
  updated_at  : "${NOW}"
}
`,
    )
    expect(await storedText(objects, 'InvoiceLineItem', out.lines[1].id)).toBe(
      `RECORD InvoiceLineItem ${out.lines[1].id} {
  tenant_id   : "acme"
  invoice_id  : "${invoiceId}"
  position    : 2
  description : "Setup"
  qty         : 1
  unit_price  : 350.00
  line_total  : 350.00
  created_at  : "${NOW}"
  updated_at  : "${NOW}"
}
`,
    )

    const entry = await entryOf(objects, out.commit.oid)
    expect(entry.message).toBe('create Invoice with 3 lines')
    expect(entry.ts).toBe(NOW)
    expect(entry.actor).toBe('agent-7')
    expect(entry.files).toHaveLength(4)
    expect(entry.paths).toEqual([
      `data/acme/Invoice/${invoiceId}.agi`,
      ...out.lines.map((line: any) => `data/acme/InvoiceLineItem/${line.id}.agi`),
    ])
    // Each answered version is the stored one, so it can be passed back as expected_version.
    for (const record of [out.invoice, ...out.lines]) {
      const entity = record === out.invoice ? 'Invoice' : 'InvoiceLineItem'
      expect((await objects.get(`data/acme/${entity}/${record.id}.agi`))?.version).toBe(record.version)
    }
    expect(checkBooks(await allRecords(objects))).toEqual([])
  })

  it.each([
    { lines: [['0.10', 1], ['0.20', 1]], total: 0.3, text: '0.30' },
    { lines: [[0.1, 1], [0.2, 1]], total: 0.3, text: '0.30' },
    { lines: [['33.33', 3]], total: 99.99, text: '99.99' },
    { lines: [['10.00', '0.3333']], total: 3.33, text: '3.33' },
    { lines: [['0.01', '0.5']], total: 0.01, text: '0.01' },
  ])('computes $lines exactly to $text', async ({ lines, total, text }) => {
    const { objects, store, ctx } = intentContext()
    const customerId = await seedCustomer(store)
    const out = await call(
      createInvoiceWithLines,
      { customer_id: customerId, lines: lines.map(([unit_price, qty]) => ({ description: 'Item', unit_price, qty })) },
      ctx,
    )
    expect(out.invoice.total).toBe(total)
    expect(await storedText(objects, 'Invoice', out.invoice.id)).toContain(`  total       : ${text}\n`)
  })

  it('says "1 line" for one line and keeps the optional fields', async () => {
    const { objects, store, ctx } = intentContext()
    const customerId = await seedCustomer(store)
    const out = await call(
      createInvoiceWithLines,
      {
        customer_id: customerId,
        lines: [{ description: 'Consulting "phase 1"\nJune', qty: '7.5', unit_price: '120.00' }],
        number: 'INV-2026-0042',
        issue_date: '2026-06-25',
        due_date: '2026-07-25',
        currency: 'EUR',
        notes: 'Thank you',
      },
      ctx,
    )
    expect(out.invoice).toMatchObject({ number: 'INV-2026-0042', issue_date: '2026-06-25', due_date: '2026-07-25', currency: 'EUR', notes: 'Thank you', total: 900 })
    expect(out.lines[0]).toMatchObject({ qty: 7.5, description: 'Consulting "phase 1"\nJune' })
    expect((await entryOf(objects, out.commit.oid)).message).toBe('create Invoice with 1 line')
  })

  it('refuses an unknown customer as unknown_reference and writes nothing', async () => {
    const { objects, ctx } = intentContext()
    const missing = '0193f6c1-0000-7000-8000-000000000001'
    const error = await call(createInvoiceWithLines, { customer_id: missing, lines: [{ description: 'x', unit_price: 1 }] }, ctx).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DomainRuleError)
    expect(error).toMatchObject({ code: 'unknown_reference', details: { field: 'customer_id', entity: 'Customer', id: missing } })
    expect(await keysUnder(objects, '')).toEqual([])
  })

  it('does not see a customer of another tenant', async () => {
    const { objects, ctx } = intentContext()
    const globex = new GitStore({ objects, schema: ERP_SCHEMA, tenant: 'globex', author: { name: 'G', email: 'g@globex.example' } })
    const theirs = await seedCustomer(globex)
    await expect(call(createInvoiceWithLines, { customer_id: theirs, lines: [{ description: 'x', unit_price: 1 }] }, ctx)).rejects.toMatchObject({ code: 'unknown_reference' })
    expect(await keysUnder(objects, 'data/acme/')).toEqual([])
  })

  it.each([
    ['three decimals in a price', { lines: [{ description: 'x', unit_price: 1.005 }] }, ['lines', 0, 'unit_price']],
    ['three decimals in a price string', { lines: [{ description: 'x', unit_price: '1.005' }] }, ['lines', 0, 'unit_price']],
    ['a price that is not a number', { lines: [{ description: 'x', unit_price: '12,50' }] }, ['lines', 0, 'unit_price']],
    ['five decimals in a quantity', { lines: [{ description: 'x', qty: 1.00001, unit_price: 1 }] }, ['lines', 0, 'qty']],
    ['a zero quantity', { lines: [{ description: 'x', qty: 0, unit_price: 1 }] }, ['lines', 0, 'qty']],
    ['a negative quantity', { lines: [{ description: 'x', qty: '-1', unit_price: 1 }] }, ['lines', 0, 'qty']],
    ['no lines', { lines: [] }, ['lines']],
    ['501 lines', { lines: Array.from({ length: 501 }, () => ({ description: 'x', unit_price: 1 })) }, ['lines']],
    ['an empty description', { lines: [{ description: '', unit_price: 1 }] }, ['lines', 0, 'description']],
    ['an unknown line field', { lines: [{ description: 'x', unit_price: 1, line_total: 5 }] }, ['lines', 0]],
    ['a total sent by the caller', { lines: [{ description: 'x', unit_price: 1 }], total: 1 }, []],
    ['a bad due date', { lines: [{ description: 'x', unit_price: 1 }], due_date: '2026-02-30' }, ['due_date']],
    ['a bad currency', { lines: [{ description: 'x', unit_price: 1 }], currency: 'usd' }, ['currency']],
  ])('refuses %s as invalid input', (_, args, path) => {
    const issues = inputIssues(createInvoiceWithLines, { customer_id: '0193f6c1-0000-7000-8000-000000000001', ...args })
    expect(issues?.map((issue) => issue.path)).toContainEqual(path)
  })

  it('refuses a customer id that is not a UUID', () => {
    expect(inputIssues(createInvoiceWithLines, { customer_id: '../globex/x', lines: [{ description: 'x', unit_price: 1 }] })?.[0]?.path).toEqual(['customer_id'])
  })

  it('accepts 500 lines in one entry', async () => {
    const { objects, store, ctx } = intentContext()
    const customerId = await seedCustomer(store)
    const lines = Array.from({ length: 500 }, (_, i) => ({ description: `Item ${i + 1}`, unit_price: '0.01' }))
    const out = await call(createInvoiceWithLines, { customer_id: customerId, lines }, ctx)
    expect(out.invoice.total).toBe(5)
    expect(out.lines.at(-1).position).toBe(500)
    const entry = await entryOf(objects, out.commit.oid)
    expect(entry.files).toHaveLength(501)
    expect(entry.message).toBe('create Invoice with 500 lines')
  })
})

describe('update_invoice_status', () => {
  async function draftInvoice() {
    const context = intentContext()
    const customerId = await seedCustomer(context.store)
    const out = await call(createInvoiceWithLines, { customer_id: customerId, lines: [{ description: 'x', unit_price: 100 }] }, context.ctx)
    return { ...context, invoice: out.invoice }
  }

  it('sends a draft, with the seed message, and answers the new version', async () => {
    const { objects, ctx, invoice } = await draftInvoice()
    const out = await call(updateInvoiceStatus, { invoice_id: invoice.id, status: 'sent', expected_version: invoice.version }, ctx)
    expect(out.invoice).toMatchObject({ id: invoice.id, status: 'sent', total: 100 })
    expect(out.invoice.version).not.toBe(invoice.version)
    const entry = await entryOf(objects, out.commit.oid)
    expect(entry.message).toBe(`edit Invoice ${invoice.id.slice(0, 8)}: status → sent`)
    expect(entry.files).toHaveLength(1)
    const text = await storedText(objects, 'Invoice', invoice.id)
    expect(text).toContain('  status      : "sent"\n')
    expect(entry.files[0]).toMatchObject({ op: 'put', path: `data/acme/Invoice/${invoice.id}.agi`, content: text })
  })

  it.each([
    [['sent', 'paid'], 'paid'],
    [['sent', 'void'], 'void'],
    [['void'], 'void'],
  ])('walks %j to %s', async (steps, final) => {
    const { store, ctx, invoice } = await draftInvoice()
    for (const status of steps) await call(updateInvoiceStatus, { invoice_id: invoice.id, status }, ctx)
    expect((await store.read('Invoice', invoice.id))?.record.fields.status).toBe(final)
  })

  it.each([
    [[], 'paid'],
    [[], 'draft'],
    [['sent'], 'draft'],
    [['sent'], 'sent'],
    [['sent', 'paid'], 'void'],
    [['sent', 'paid'], 'sent'],
    [['void'], 'sent'],
    [['void'], 'draft'],
  ])('after %j refuses → %s as invalid_transition, writing nothing', async (steps, to) => {
    const { objects, store, ctx, invoice } = await draftInvoice()
    for (const status of steps) await call(updateInvoiceStatus, { invoice_id: invoice.id, status }, ctx)
    const from = steps.at(-1) ?? 'draft'
    const before = await pendingEntries(objects)
    const error = await call(updateInvoiceStatus, { invoice_id: invoice.id, status: to }, ctx).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DomainRuleError)
    expect(error).toMatchObject({ code: 'invalid_transition', details: { from, to } })
    expect((error as Error).message).toContain(`from ${from} to ${to}`)
    expect(await pendingEntries(objects)).toHaveLength(before.length)
    expect((await store.read('Invoice', invoice.id))?.record.fields.status).toBe(from)
  })

  it('refuses a stale expected_version with a conflict', async () => {
    const { ctx, invoice } = await draftInvoice()
    await call(updateInvoiceStatus, { invoice_id: invoice.id, status: 'sent' }, ctx)
    await expect(call(updateInvoiceStatus, { invoice_id: invoice.id, status: 'void', expected_version: invoice.version }, ctx)).rejects.toBeInstanceOf(ConflictError)
  })

  it('answers not found for a missing invoice, and refuses unknown statuses as input', async () => {
    const { ctx } = intentContext()
    await expect(call(updateInvoiceStatus, { invoice_id: '0193f6c1-0000-7000-8000-000000000001', status: 'sent' }, ctx)).rejects.toBeInstanceOf(NotFoundError)
    expect(inputIssues(updateInvoiceStatus, { invoice_id: '0193f6c1-0000-7000-8000-000000000001', status: 'lost' })?.[0]?.path).toEqual(['status'])
    expect(inputIssues(updateInvoiceStatus, { invoice_id: '0193f6c1-0000-7000-8000-000000000001', status: 'sent', amount_paid: 5 })).toBeDefined()
  })
})
