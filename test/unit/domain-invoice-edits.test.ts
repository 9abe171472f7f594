import { describe, expect, it } from 'vitest'
import type { AgiRecord, FieldValue } from '../../shared/agi/types.ts'
import { assertInvoiceEditable, frozenInvoiceChanges, INVOICE_FIELDS_FROZEN_ONCE_ISSUED } from '../../shared/domain/index.ts'
import { DomainRuleError } from '../../shared/errors.ts'

const ID = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001'
const CUSTOMER = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c002'
const OTHER_CUSTOMER = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c003'

function invoice(status: string, extra: Record<string, FieldValue> = {}): AgiRecord {
  const fields: Record<string, FieldValue> = {
    tenant_id: 'acme', customer_id: CUSTOMER, number: 'INV-1', status, issue_date: '2026-06-01', due_date: '2026-07-01',
    currency: 'USD', total: 1750n, amount_paid: 0n, notes: 'Thanks', ...extra,
  }
  return { entity: 'Invoice', id: ID, fields, unknown: {} }
}

function refusal(run: () => void): DomainRuleError | undefined {
  try {
    run()
  } catch (error) {
    if (error instanceof DomainRuleError) return error
    throw error
  }
  return undefined
}

describe('fields frozen once an invoice is issued', () => {
  it('freezes customer_id, currency, number and issue_date', () => {
    expect([...INVOICE_FIELDS_FROZEN_ONCE_ISSUED]).toEqual(['customer_id', 'currency', 'number', 'issue_date'])
  })

  it('leaves a draft wholly editable', () => {
    const draft = invoice('draft')
    const patch = { customer_id: OTHER_CUSTOMER, currency: 'EUR', number: 'INV-2', issue_date: '2026-06-02' }
    expect(frozenInvoiceChanges(draft, patch, ['number', 'issue_date'])).toEqual([])
    expect(refusal(() => assertInvoiceEditable(draft, patch, ['number']))).toBeUndefined()
  })

  it.each(['sent', 'paid', 'void'])('refuses to change a frozen field of a %s invoice, naming the fields and the status', (status) => {
    const issued = invoice(status)
    const error = refusal(() => assertInvoiceEditable(issued, { customer_id: OTHER_CUSTOMER, currency: 'EUR', due_date: '2026-08-01' }, []))
    expect(error).toBeInstanceOf(DomainRuleError)
    expect(error?.code).toBe('invoice_issued')
    expect(error?.message).toBe(
      `Invoice 0193f6c2 is ${status}: its customer_id and currency cannot change once it has left draft (due_date and notes still can; a correction is a new invoice).`,
    )
    expect(error?.details).toEqual({ status, fields: ['customer_id', 'currency'] })
  })

  it('counts unsetting a frozen field that has a value as a change', () => {
    expect(frozenInvoiceChanges(invoice('sent'), {}, ['number', 'issue_date', 'notes'])).toEqual(['number', 'issue_date'])
    // Unsetting one that is already absent changes nothing.
    const withoutNumber = invoice('sent')
    delete withoutNumber.fields.number
    expect(frozenInvoiceChanges(withoutNumber, {}, ['number'])).toEqual([])
  })

  it('counts setting a frozen field that was absent as a change', () => {
    const withoutNumber = invoice('paid')
    delete withoutNumber.fields.number
    expect(frozenInvoiceChanges(withoutNumber, { number: 'INV-9' }, [])).toEqual(['number'])
  })

  it('lets due_date and notes change, and a frozen field be set to the value it has', () => {
    const issued = invoice('sent')
    const patch = { customer_id: CUSTOMER, currency: 'USD', number: 'INV-1', issue_date: '2026-06-01', due_date: '2026-09-30', notes: 'Net 90' }
    expect(frozenInvoiceChanges(issued, patch, ['notes'])).toEqual([])
    expect(refusal(() => assertInvoiceEditable(issued, patch, ['notes']))).toBeUndefined()
  })
})
