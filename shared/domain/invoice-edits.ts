/**
 * What an edit may still change on an issued invoice. Once an invoice leaves `draft` it has been sent to the
 * customer: who is billed, in what currency, under which number and on which date are part of that document,
 * so they are frozen (a correction is a new invoice). Its due date and notes stay editable.
 */
import type { AgiRecord, FieldValue } from '../agi/types.ts'
import { DomainRuleError } from '../errors.ts'
import { shortId, textField } from './record-fields.ts'

export const INVOICE_FIELDS_FROZEN_ONCE_ISSUED = ['customer_id', 'currency', 'number', 'issue_date'] as const

/**
 * The frozen fields that `changed` (fields to set) and `unset` (fields to remove) would really change on
 * `current`, in the order listed above; none for a draft. Setting a field to the value it has is no change.
 */
export function frozenInvoiceChanges(current: AgiRecord, changed: Readonly<Record<string, FieldValue>>, unset: readonly string[] = []): string[] {
  if (textField(current, 'status') === 'draft') return []
  return INVOICE_FIELDS_FROZEN_ONCE_ISSUED.filter((name) => {
    const now = current.fields[name]
    if (Object.hasOwn(changed, name)) return !sameValue(now, changed[name])
    return unset.includes(name) && now !== undefined
  })
}

/**
 * @throws DomainRuleError `invoice_issued` (422) naming the frozen fields the edit would change and the status.
 * @example assertInvoiceEditable(sentInvoice, { customer_id: otherId }, []) // throws
 */
export function assertInvoiceEditable(current: AgiRecord, changed: Readonly<Record<string, FieldValue>>, unset: readonly string[] = []): void {
  const fields = frozenInvoiceChanges(current, changed, unset)
  if (fields.length === 0) return
  const status = textField(current, 'status') ?? 'unknown'
  const named = fields.length === 1 ? fields[0] : `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)}`
  throw new DomainRuleError(
    'invoice_issued',
    `Invoice ${shortId(current.id)} is ${status}: its ${named} cannot change once it has left draft (due_date and notes still can; a correction is a new invoice).`,
    { status, fields },
  )
}

/** The frozen fields hold strings (id, text, date), but compare any value the way the store does. */
function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b
  return JSON.stringify(a) === JSON.stringify(b)
}
