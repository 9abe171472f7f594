import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyPayment, assertInvoiceTransition, canTransitionInvoice, INVOICE_STATUSES, invoiceBalance, priceInvoiceLines,
} from '../../shared/domain/index.ts'
import { DomainRuleError, ValidationError } from '../../shared/errors.ts'
import { formatMoney, MAX_MONEY_CENTS, parseMoney, parseQuantity } from '../../shared/money.ts'

function ruleOf(run: () => unknown): { code: string; details: unknown } | undefined {
  try {
    run()
  } catch (error) {
    if (error instanceof DomainRuleError) return { code: error.code, details: error.details }
    throw error
  }
  return undefined
}

describe('invoice status transitions', () => {
  const legal = new Set(['draft→sent', 'draft→void', 'sent→paid', 'sent→void'])

  it.each(INVOICE_STATUSES.flatMap((from) => INVOICE_STATUSES.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    const allowed = legal.has(`${from}→${to}`)
    expect(canTransitionInvoice(from, to)).toBe(allowed)
    const refused = ruleOf(() => assertInvoiceTransition(from, to))
    if (allowed) expect(refused).toBeUndefined()
    else expect(refused).toMatchObject({ code: 'invalid_transition', details: { from, to } })
  })

  it('names both statuses, the legal moves and the invoice', () => {
    expect(() => assertInvoiceTransition('sent', 'draft', 'Invoice 0193f6c2')).toThrow('Invoice 0193f6c2 cannot go from sent to draft: from sent it can go to paid or void.')
    expect(() => assertInvoiceTransition('paid', 'void')).toThrow('paid is final')
    expect(canTransitionInvoice('lost', 'sent')).toBe(false)
  })
})

describe('invoice totals', () => {
  const price = (lines: [string, string][]) =>
    priceInvoiceLines(lines.map(([qty, unit]) => ({ quantity: parseQuantity(qty), unitPrice: parseMoney(unit) })))

  it('sums exact line totals', () => {
    const priced = price([['10', '150'], ['1', '350'], ['1', '-100']])
    expect(priced.lines.map((line) => formatMoney(line.lineTotal))).toEqual(['1500.00', '350.00', '-100.00'])
    expect(formatMoney(priced.total)).toBe('1750.00')
    expect(formatMoney(price([['1', '0.10'], ['1', '0.20']]).total)).toBe('0.30')
    expect(formatMoney(price([['3', '33.33']]).total)).toBe('99.99')
    expect(formatMoney(price([['0.5', '0.01'], ['0.5', '0.01']]).total)).toBe('0.02') // rounded per printed line
    expect(price([]).total).toBe(0n)
  })

  it('total is always the sum of the line totals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ quantity: fc.bigInt(1n, 10_000_000n), unitPrice: fc.bigInt(-10_000_000n, 10_000_000n) }), { maxLength: 50 }),
        (lines) => {
          const priced = priceInvoiceLines(lines)
          expect(priced.total).toBe(priced.lines.reduce((sum, line) => sum + line.lineTotal, 0n))
        },
      ),
    )
  })

  it('refuses a total out of the money range', () => {
    const big = { quantity: parseQuantity('1'), unitPrice: MAX_MONEY_CENTS }
    expect(() => priceInvoiceLines([big, big])).toThrow(ValidationError)
  })
})

describe('payment application', () => {
  const sent = { status: 'sent', total: 10_000n, amountPaid: 2_500n }

  it('adds to amount_paid and keeps the invoice sent while money is owed', () => {
    expect(invoiceBalance(sent)).toBe(7_500n)
    expect(applyPayment(sent, 2_500n)).toEqual({ amountPaid: 5_000n, balance: 5_000n, status: 'sent' })
  })

  it('marks the invoice paid when the balance reaches zero', () => {
    expect(applyPayment(sent, 7_500n)).toEqual({ amountPaid: 10_000n, balance: 0n, status: 'paid' })
  })

  it('refuses more than the balance, with the amounts', () => {
    expect(ruleOf(() => applyPayment(sent, 7_501n))).toEqual({
      code: 'overpayment',
      details: { amount: 75.01, balance: 75, total: 100, amount_paid: 25 },
    })
  })

  it.each(['draft', 'paid', 'void'])('refuses a payment on a %s invoice', (status) => {
    expect(ruleOf(() => applyPayment({ ...sent, status }, 100n))).toEqual({ code: 'invoice_not_payable', details: { status } })
  })

  it('refuses a zero or negative amount as invalid input', () => {
    expect(() => applyPayment(sent, 0n)).toThrow(ValidationError)
    expect(() => applyPayment(sent, -1n)).toThrow(ValidationError)
  })

  it('any sequence of accepted payments never exceeds the total, and paid means fully paid', () => {
    fc.assert(
      fc.property(fc.bigInt(1n, 1_000_000n), fc.array(fc.bigInt(1n, 400_000n), { maxLength: 30 }), (total, payments) => {
        let invoice = { status: 'sent', total, amountPaid: 0n }
        for (const amount of payments) {
          if (invoice.status !== 'sent' || amount > invoiceBalance(invoice)) continue
          const applied = applyPayment(invoice, amount)
          invoice = { ...invoice, status: applied.status, amountPaid: applied.amountPaid }
        }
        expect(invoice.amountPaid <= total).toBe(true)
        expect(invoice.status === 'paid').toBe(invoice.amountPaid === total)
      }),
    )
  })
})
