import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseRecord, serializeRecord, type AgiRecord, type FieldValue } from '../../shared/agi/index.ts'
import { checkBooks, priceInvoiceLines } from '../../shared/domain/index.ts'
import { newId } from '../../shared/keys.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'

const STAMP = { created_at: '2026-06-25T10:00:00Z', updated_at: '2026-06-25T10:00:00Z' }

function record(entity: string, fields: Record<string, FieldValue>, tenant = 'acme'): AgiRecord {
  return { entity, id: newId(), fields: { tenant_id: tenant, ...fields, ...STAMP }, unknown: {} }
}

/** Consistent books: an invoice with its lines and a payment, and a journal entry with its reversal. */
function books() {
  const customer = record('Customer', { name: 'Ada' })
  const cash = record('Account', { code: '1000', name: 'Cash', type: 'asset', active: true })
  const revenue = record('Account', { code: '4000', name: 'Revenue', type: 'income', active: true })
  const invoice = record('Invoice', { customer_id: customer.id, status: 'sent', currency: 'USD', total: 175_000n, amount_paid: 2_500n })
  const lines = [
    record('InvoiceLineItem', { invoice_id: invoice.id, position: 1, description: 'Widgets', qty: 10, unit_price: 15_000n, line_total: 150_000n }),
    record('InvoiceLineItem', { invoice_id: invoice.id, position: 2, description: 'Setup', qty: 1, unit_price: 35_000n, line_total: 35_000n }),
    record('InvoiceLineItem', { invoice_id: invoice.id, position: 3, description: 'Discount', qty: 1, unit_price: -10_000n, line_total: -10_000n }),
  ]
  const payment = record('Payment', { invoice_id: invoice.id, amount: 2_500n, date: '2026-06-26' })
  const entry = record('JournalEntry', { date: '2026-06-25', memo: 'Sale' })
  const reversal = record('JournalEntry', { date: '2026-06-26', memo: 'Reversal: Sale', reverses: entry.id })
  entry.fields.reversed_by = reversal.id
  const journalLine = (of: AgiRecord, position: number, account_code: string, debit: bigint, credit: bigint) =>
    record('JournalLine', { journal_entry_id: of.id, position, date: of.fields.date as string, account_code, debit, credit })
  const entryLines = [journalLine(entry, 1, '1000', 50_000n, 0n), journalLine(entry, 2, '4000', 0n, 50_000n)]
  const reversalLines = [journalLine(reversal, 1, '1000', 0n, 50_000n), journalLine(reversal, 2, '4000', 50_000n, 0n)]
  return { customer, cash, revenue, invoice, lines, payment, entry, reversal, entryLines, reversalLines }
}

function all(fixture: ReturnType<typeof books>): AgiRecord[] {
  return Object.values(fixture).flat()
}

const rules = (records: AgiRecord[]) => checkBooks(records).map((v) => [v.rule, v.entity])

describe('checkBooks', () => {
  it('finds nothing wrong in consistent books, whatever the order', () => {
    const records = all(books())
    expect(checkBooks(records)).toEqual([])
    expect(checkBooks([...records].reverse())).toEqual([])
  })

  it('accepts records as read back from their .agi text', () => {
    const records = all(books()).map((r) => parseRecord(serializeRecord(r, ERP_SCHEMA), ERP_SCHEMA).record)
    expect(checkBooks(records)).toEqual([])
  })

  it('names the record, its key and what is wrong', () => {
    const fixture = books()
    fixture.invoice.fields.total = 175_001n
    const [violation] = checkBooks(all(fixture))
    expect(violation).toEqual({
      rule: 'invoice_total',
      entity: 'Invoice',
      id: fixture.invoice.id,
      tenant: 'acme',
      key: `data/acme/Invoice/${fixture.invoice.id}.agi`,
      message: `Invoice ${fixture.invoice.id.slice(0, 8)}: total is 1750.01, but its lines add up to 1750.00`,
    })
  })

  it('finds references that do not resolve, including across tenants', () => {
    const fixture = books()
    const withoutCustomer = all(fixture).filter((r) => r !== fixture.customer)
    expect(rules(withoutCustomer)).toEqual([['dangling_reference', 'Invoice']])
    const elsewhere = { ...fixture.customer, fields: { ...fixture.customer.fields, tenant_id: 'globex' } }
    expect(rules([...withoutCustomer, elsewhere])).toEqual([['dangling_reference', 'Invoice']])
  })

  it('finds orphaned lines and payments', () => {
    const fixture = books()
    const ghost = newId()
    fixture.payment.fields.invoice_id = ghost
    fixture.lines[0]!.fields.invoice_id = ghost
    fixture.entryLines[0]!.fields.journal_entry_id = ghost
    const found = rules(all(fixture))
    expect(found).toEqual(
      expect.arrayContaining([
        ['dangling_reference', 'Payment'],
        ['dangling_reference', 'InvoiceLineItem'],
        ['dangling_reference', 'JournalLine'],
        ['invoice_total', 'Invoice'],
        ['amount_paid', 'Invoice'],
        ['too_few_lines', 'JournalEntry'],
        ['unbalanced_entry', 'JournalEntry'],
      ]),
    )
  })

  it('finds journal lines naming no account, and duplicate account codes', () => {
    const fixture = books()
    fixture.entryLines[1]!.fields.account_code = '9999'
    expect(rules(all(fixture))).toEqual(expect.arrayContaining([['dangling_reference', 'JournalLine']]))
    const twin = record('Account', { code: '1000', name: 'Cash again', type: 'asset', active: true })
    expect(rules([...all(books()), twin])).toEqual([
      ['duplicate_account_code', 'Account'],
      ['duplicate_account_code', 'Account'],
    ])
  })

  it('finds unbalanced entries and malformed lines', () => {
    const fixture = books()
    fixture.entryLines[0]!.fields.debit = 50_001n
    expect(rules(all(fixture))).toEqual(expect.arrayContaining([['unbalanced_entry', 'JournalEntry']]))
    const twoSided = books()
    twoSided.entryLines[0]!.fields.credit = 1n
    twoSided.entryLines[1]!.fields.credit = 49_999n
    const found = rules(all(twoSided))
    expect(found).toContainEqual(['invalid_journal_line', 'JournalLine'])
    expect(found).not.toContainEqual(['unbalanced_entry', 'JournalEntry'])
  })

  it('finds line totals that are not qty × unit price, and amount_paid that is not Σ payments', () => {
    const fixture = books()
    fixture.lines[0]!.fields.line_total = 150_001n
    fixture.invoice.fields.total = 175_001n
    expect(rules(all(fixture))).toEqual([['line_total', 'InvoiceLineItem']])
    const unpaid = books()
    unpaid.invoice.fields.amount_paid = 0n
    expect(rules(all(unpaid))).toEqual([['amount_paid', 'Invoice']])
    const overpaid = books()
    overpaid.payment.fields.amount = 200_000n
    overpaid.invoice.fields.amount_paid = 200_000n
    expect(rules(all(overpaid))).toEqual([['overpaid', 'Invoice']])
  })

  it('finds reversal links that do not point both ways, and reversals that do not mirror', () => {
    const oneWay = books()
    delete oneWay.entry.fields.reversed_by
    expect(rules(all(oneWay))).toEqual([['reversal_link', 'JournalEntry']])
    const otherWay = books()
    delete otherWay.reversal.fields.reverses
    expect(rules(all(otherWay))).toEqual([['reversal_link', 'JournalEntry']])
    const notMirrored = books()
    notMirrored.reversalLines[0]!.fields.account_code = '4000'
    notMirrored.reversalLines[1]!.fields.account_code = '1000'
    expect(rules(all(notMirrored))).toEqual([['reversal_link', 'JournalEntry']])
  })

  it('ignores entities outside the ERP schema and reports records without a tenant', () => {
    const stray = { entity: 'Widget', id: newId(), fields: {}, unknown: {} }
    expect(checkBooks([...all(books()), stray])).toEqual([])
    const tenantless = record('Customer', { name: 'Nobody' })
    delete tenantless.fields.tenant_id
    expect(rules([tenantless])).toEqual([['malformed', 'Customer']])
  })

  it('invoices priced by the domain functions always check out', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ quantity: fc.bigInt(1n, 100_000_000n), unitPrice: fc.bigInt(-1_000_000n, 1_000_000n) }), { minLength: 1, maxLength: 20 }),
        (input) => {
          const priced = priceInvoiceLines(input)
          const customer = record('Customer', { name: 'C' })
          const invoice = record('Invoice', { customer_id: customer.id, status: 'draft', currency: 'USD', total: priced.total, amount_paid: 0n })
          const lines = priced.lines.map((line, i) =>
            record('InvoiceLineItem', {
              invoice_id: invoice.id,
              position: i + 1,
              description: 'x',
              qty: Number(line.quantity) / 10_000,
              unit_price: line.unitPrice,
              line_total: line.lineTotal,
            }),
          )
          expect(checkBooks([customer, invoice, ...lines])).toEqual([])
        },
      ),
    )
  })
})
