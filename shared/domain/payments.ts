/**
 * Applying a payment to an invoice. Only a sent invoice is owed money: a draft has not been issued,
 * and a paid or void one is closed. A payment never exceeds the balance, so amount_paid stays within
 * the total and an invoice is paid exactly when nothing is left to pay.
 */
import { DomainRuleError, ValidationError } from '../errors.ts'
import { formatMoney, moneyToNumber } from '../money.ts'

export interface InvoiceAmounts {
  status: string
  total: bigint
  amountPaid: bigint
}

export interface AppliedPayment {
  amountPaid: bigint
  balance: bigint
  status: 'sent' | 'paid'
}

/** What is still owed. */
export function invoiceBalance(invoice: Pick<InvoiceAmounts, 'total' | 'amountPaid'>): bigint {
  return invoice.total - invoice.amountPaid
}

/**
 * The invoice's amounts after a payment of `amount` cents.
 * @throws DomainRuleError `invoice_not_payable` unless the invoice is sent, `overpayment` above the balance.
 */
export function applyPayment(invoice: InvoiceAmounts, amount: bigint, subject = 'Invoice'): AppliedPayment {
  if (amount <= 0n) throw new ValidationError('a payment amount must be greater than zero', [{ path: ['amount'], message: 'must be greater than zero' }])
  if (invoice.status !== 'sent') {
    const why =
      invoice.status === 'draft' ? 'send it first (update_invoice_status to sent)' : invoice.status === 'paid' ? 'it is already paid' : 'it is void'
    throw new DomainRuleError('invoice_not_payable', `${subject} is ${invoice.status} and cannot take a payment: ${why}.`, { status: invoice.status })
  }
  const balance = invoiceBalance(invoice)
  if (amount > balance) {
    throw new DomainRuleError('overpayment', `A payment of ${formatMoney(amount)} exceeds the balance of ${subject}, ${formatMoney(balance)}.`, {
      amount: moneyToNumber(amount),
      balance: moneyToNumber(balance),
      total: moneyToNumber(invoice.total),
      amount_paid: moneyToNumber(invoice.amountPaid),
    })
  }
  const amountPaid = invoice.amountPaid + amount
  return { amountPaid, balance: invoice.total - amountPaid, status: amountPaid === invoice.total ? 'paid' : 'sent' }
}
