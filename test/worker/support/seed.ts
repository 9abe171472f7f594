import type { FieldValue } from '../../../shared/agi/types.ts'
import { GitStore } from '../../../shared/git-store/index.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import { bucket } from './api.ts'

/**
 * Writes records the generic tools may not create (invoices, lines, payments, journal entries) straight through
 * GitStore, the way the intent tools do, so the read/list/edit tools have something to work on.
 */
export async function seed(entity: string, fields: Record<string, FieldValue>, tenant = 'acme'): Promise<{ id: string; version: string }> {
  const store = new GitStore({ objects: bucket(), schema: ERP_SCHEMA, tenant, author: { name: 'Seeder', email: 'seed@example.com' } })
  const result = await store.transaction(`seed ${entity}`, async (tx) => tx.create(entity, fields), { enforceCrud: false })
  const stored = result.records[0]!
  return { id: stored.record.id, version: stored.version }
}

/** A customer, an invoice of 1,750.00 with one line, a payment, and a balanced journal entry with two lines. */
export async function seedBooks(tenant = 'acme') {
  const customer = await seed('Customer', { name: 'Globe Corp' }, tenant)
  const invoice = await seed('Invoice', { customer_id: customer.id, status: 'sent', total: 175000n, amount_paid: 0n, number: 'INV-1' }, tenant)
  const line = await seed('InvoiceLineItem', { invoice_id: invoice.id, position: 1, description: 'Consulting', qty: 10, unit_price: 17500n, line_total: 175000n }, tenant)
  const payment = await seed('Payment', { invoice_id: invoice.id, amount: 50000n, date: '2026-06-30', method: 'wire' }, tenant)
  // Journal lines name accounts by code, so the codes they use must exist.
  await seed('Account', { code: '1000', name: 'Cash', type: 'asset' }, tenant)
  await seed('Account', { code: '1200', name: 'Receivables', type: 'asset' }, tenant)
  const entry = await seed('JournalEntry', { date: '2026-06-30', memo: 'Cash received' }, tenant)
  const debit = await seed('JournalLine', { journal_entry_id: entry.id, position: 1, date: '2026-06-30', account_code: '1000', debit: 50000n }, tenant)
  const credit = await seed('JournalLine', { journal_entry_id: entry.id, position: 2, date: '2026-06-30', account_code: '1200', credit: 50000n }, tenant)
  return { customer, invoice, line, payment, entry, debit, credit }
}
