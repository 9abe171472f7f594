import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { parseRecord } from '../../shared/agi/index.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { callTool, keysUnder, ok, pendingEntries, settle, textAt, tokenFor } from './support/api.ts'

afterEach(async () => {
  await settle()
  await reset()
})

async function errorOf(response: Response) {
  return { status: response.status, ...((await response.json()) as { error: { code: string; message: string } }).error }
}

async function sentInvoice(total = 1000) {
  const customer = (await ok('create_customer', { name: 'Globe Corp' })).customer
  const { invoice } = await ok('create_invoice_with_lines', { customer_id: customer.id, lines: [{ description: 'Work', unit_price: total }] })
  await ok('update_invoice_status', { invoice_id: invoice.id, status: 'sent' })
  return { customer, invoice }
}

describe('intent tools through the Worker', () => {
  it('create_invoice_with_lines: 10 × 150, 1 × 350, 1 × −100 → 1750.00 in one entry of 4 files, authored by the token', async () => {
    const token = await tokenFor({ name: 'Billing Agent', email: 'billing@acme.example', sub: 'billing-1' })
    const customer = (await ok('create_customer', { name: 'Globe Corp' }, { token })).customer
    const body = await ok(
      'create_invoice_with_lines',
      { customer_id: customer.id, lines: [{ description: 'Consulting', qty: 10, unit_price: 150 }, { description: 'Setup', unit_price: '350' }, { description: 'Discount', qty: 1, unit_price: -100 }] },
      { token },
    )
    expect(body.invoice).toMatchObject({ total: 1750, status: 'draft', amount_paid: 0, tenant_id: 'acme' })
    expect(body.lines.map((line: any) => line.line_total)).toEqual([1500, 350, -100])
    expect(body.commit).toEqual({ oid: expect.any(String), status: 'pending' })
    expect(await textAt(`data/acme/Invoice/${body.invoice.id}.agi`)).toContain('  total       : 1750.00\n')
    const entry = (await pendingEntries()).find((candidate) => candidate.oid === body.commit.oid)!
    expect(entry.message).toBe('create Invoice with 3 lines')
    expect(entry.author).toEqual({ name: 'Billing Agent', email: 'billing@acme.example' })
    expect(entry.actor).toBe('billing-1')
    expect(entry.files).toHaveLength(4)
    for (const file of entry.files) expect(file.op === 'put' && file.content).toBe(await textAt(file.path))
  })

  it('a repeated Idempotency-Key returns the same ids and produces one entry', async () => {
    const customer = (await ok('create_customer', { name: 'Globe Corp' })).customer
    const args = { customer_id: customer.id, lines: [{ description: 'Work', qty: 2, unit_price: 99.99 }] }
    const headers = { 'Idempotency-Key': 'invoice-2026-0042' }
    const first = await ok('create_invoice_with_lines', args, { headers })
    const again = await callTool('create_invoice_with_lines', args, { headers })
    expect(again.headers.get('Idempotent-Replay')).toBe('true')
    const second = (await again.json()) as any
    expect(second.invoice.id).toBe(first.invoice.id)
    expect(second.lines.map((line: any) => line.id)).toEqual(first.lines.map((line: any) => line.id))
    expect((await pendingEntries()).filter((entry) => entry.message.startsWith('create Invoice'))).toHaveLength(1)
    expect(await keysUnder('data/acme/Invoice/')).toHaveLength(1)
  })

  it('parallel record_payment calls never lose a payment', async () => {
    const { invoice } = await sentInvoice(1000)
    const responses = await Promise.all(Array.from({ length: 6 }, () => callTool('record_payment', { invoice_id: invoice.id, amount: 100 })))
    const statuses = responses.map((response) => response.status)
    expect(statuses.every((status) => status === 200 || status === 409), String(statuses)).toBe(true)
    await settle()
    const landed = statuses.filter((status) => status === 200).length
    expect(landed).toBeGreaterThan(0)
    const stored = parseRecord((await textAt(`data/acme/Invoice/${invoice.id}.agi`))!, ERP_SCHEMA).record.fields
    expect(stored.amount_paid).toBe(BigInt(landed) * 10_000n)
    expect(await keysUnder('data/acme/Payment/')).toHaveLength(landed)
  })

  it('domain rules answer 422 with their codes and write nothing', async () => {
    const { invoice } = await sentInvoice(100)
    await settle()
    const before = await keysUnder('')
    expect(await errorOf(await callTool('record_payment', { invoice_id: invoice.id, amount: 100.01 }))).toMatchObject({ status: 422, code: 'overpayment' })
    expect(await errorOf(await callTool('update_invoice_status', { invoice_id: invoice.id, status: 'draft' }))).toMatchObject({ status: 422, code: 'invalid_transition' })
    expect(await keysUnder('')).toEqual(before)

    await ok('create_account', { code: '1000', name: 'Cash', type: 'asset' })
    await ok('create_account', { code: '4000', name: 'Sales', type: 'income' })
    await settle()
    const withAccounts = await keysUnder('')
    const unbalanced = await callTool('create_journal_entry', {
      date: '2026-06-30',
      memo: 'Typo',
      lines: [
        { account_code: '1000', debit: 100 },
        { account_code: '4000', credit: 99.99 },
      ],
    })
    expect(await errorOf(unbalanced)).toMatchObject({ status: 422, code: 'unbalanced' })
    await settle()
    expect(await keysUnder('')).toEqual(withAccounts)
  })

  it('confines intent tools to the token tenant', async () => {
    const globexToken = await tokenFor({ tenant: 'globex' })
    const globexCustomer = (await ok('create_customer', { name: 'Globex' }, { token: globexToken })).customer
    expect(await errorOf(await callTool('create_invoice_with_lines', { tenant_id: 'globex', customer_id: globexCustomer.id, lines: [{ description: 'x', unit_price: 1 }] }))).toMatchObject({ status: 403, code: 'forbidden' })
    expect(await errorOf(await callTool('create_invoice_with_lines', { customer_id: globexCustomer.id, lines: [{ description: 'x', unit_price: 1 }] }))).toMatchObject({ status: 422, code: 'unknown_reference' })
    expect(await keysUnder('data/acme/')).toEqual([])
  })

  it('trial_balance is a read tool; record_payment needs write scope', async () => {
    const reader = await tokenFor({ scope: 'read' })
    expect((await callTool('trial_balance', {}, { token: reader })).status).toBe(200)
    expect(await errorOf(await callTool('record_payment', { invoice_id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001', amount: 1 }, { token: reader }))).toMatchObject({ status: 403 })
  })
})
