/**
 * The invoice life cycle. An invoice is drafted, sent, then settled by payment or voided. `paid` and
 * `void` are final: an issued invoice is a legal document, so it is never reopened or redrafted — a
 * correction is a new invoice.
 */
import { DomainRuleError } from '../errors.ts'

export const INVOICE_STATUSES = ['draft', 'sent', 'paid', 'void'] as const
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number]

const NEXT_STATUSES: Readonly<Record<InvoiceStatus, readonly InvoiceStatus[]>> = {
  draft: ['sent', 'void'],
  sent: ['paid', 'void'],
  paid: [],
  void: [],
}

export function isInvoiceStatus(value: unknown): value is InvoiceStatus {
  return typeof value === 'string' && (INVOICE_STATUSES as readonly string[]).includes(value)
}

/** The statuses an invoice in `from` may move to (none for an unknown status). */
export function nextInvoiceStatuses(from: string): readonly InvoiceStatus[] {
  return isInvoiceStatus(from) ? NEXT_STATUSES[from] : []
}

/** Staying in the same status is not a transition: it is refused like any other illegal move. */
export function canTransitionInvoice(from: string, to: string): boolean {
  return nextInvoiceStatuses(from).some((status) => status === to)
}

/**
 * @throws DomainRuleError `invalid_transition` (422) naming both statuses and the legal ones.
 * @example assertInvoiceTransition('paid', 'draft', 'Invoice 0193f6c2') // throws
 */
export function assertInvoiceTransition(from: string, to: string, subject = 'Invoice'): void {
  if (canTransitionInvoice(from, to)) return
  const allowed = nextInvoiceStatuses(from)
  const options = allowed.length === 0 ? `${from} is final` : `from ${from} it can go to ${allowed.join(' or ')}`
  throw new DomainRuleError('invalid_transition', `${subject} cannot go from ${from} to ${to}: ${options}.`, { from, to, allowed: [...allowed] })
}
