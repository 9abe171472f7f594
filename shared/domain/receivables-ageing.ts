/**
 * Ageing of receivables: what customers still owe on issued invoices, by how long it is past due. Only a sent
 * invoice is owed money (a draft was never issued; paid and void are closed), and only its open part
 * (total − amount_paid) counts.
 */
import type { AgiRecord } from '../agi/types.ts'
import { requireMoneyField, textField } from './record-fields.ts'

/** Days past due, in the usual columns: not yet due (or due today), 1–30, 31–60, 61–90, over 90. */
export const AGEING_BUCKETS = ['current', 'days_1_30', 'days_31_60', 'days_61_90', 'days_over_90'] as const
export type AgeingBucket = (typeof AGEING_BUCKETS)[number]

export type AgeingAmounts = Record<AgeingBucket, bigint> & { total: bigint; openInvoices: number }

/** One customer's open invoices in one currency (amounts in different currencies are never added). */
export interface AgeingRow extends AgeingAmounts {
  customerId: string
  currency: string
}

export interface AgeingTotals extends AgeingAmounts {
  currency: string
  customers: number
}

export interface ReceivablesAgeing {
  asOf: string
  /** By customer id, then currency. */
  rows: AgeingRow[]
  /** Per currency, over every row. */
  totals: AgeingTotals[]
}

const DAY_MS = 86_400_000

/** Whole days from `from` to `to` (both `YYYY-MM-DD`); negative when `to` comes first. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)
}

export function ageingBucket(daysPastDue: number): AgeingBucket {
  if (daysPastDue <= 0) return 'current'
  if (daysPastDue <= 30) return 'days_1_30'
  if (daysPastDue <= 60) return 'days_31_60'
  if (daysPastDue <= 90) return 'days_61_90'
  return 'days_over_90'
}

export interface OpenReceivable {
  customerId: string
  currency: string
  open: bigint
  daysPastDue: number
}

/**
 * What an invoice still has open on `asOf`, or null when nothing: it is not sent, was issued after `asOf`, or is
 * fully paid. Without a due date the issue date is taken as due; with neither, it is current.
 */
export function openReceivable(invoice: AgiRecord, asOf: string): OpenReceivable | null {
  if (textField(invoice, 'status') !== 'sent') return null
  const issued = textField(invoice, 'issue_date')
  if (issued !== undefined && issued > asOf) return null
  const open = requireMoneyField(invoice, 'total') - requireMoneyField(invoice, 'amount_paid')
  if (open <= 0n) return null
  const due = textField(invoice, 'due_date') ?? issued
  return {
    customerId: textField(invoice, 'customer_id') ?? '',
    currency: textField(invoice, 'currency') ?? 'USD',
    open,
    daysPastDue: due === undefined ? 0 : daysBetween(due, asOf),
  }
}

function emptyAmounts(): AgeingAmounts {
  return { current: 0n, days_1_30: 0n, days_31_60: 0n, days_61_90: 0n, days_over_90: 0n, total: 0n, openInvoices: 0 }
}

function add(amounts: AgeingAmounts, receivable: OpenReceivable): void {
  amounts[ageingBucket(receivable.daysPastDue)] += receivable.open
  amounts.total += receivable.open
  amounts.openInvoices += 1
}

/** Plain code-unit order, not locale order: the same books always list the same way. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The ageing of `invoices` (records of other entities, and closed invoices, are left out) on `asOf`. */
export function ageReceivables(invoices: Iterable<AgiRecord>, asOf: string): ReceivablesAgeing {
  const rows = new Map<string, AgeingRow>()
  const totals = new Map<string, AgeingTotals & { seen: Set<string> }>()
  for (const invoice of invoices) {
    if (invoice.entity !== 'Invoice') continue
    const receivable = openReceivable(invoice, asOf)
    if (receivable === null) continue
    const { customerId, currency } = receivable
    const rowKey = `${customerId}\u0000${currency}`
    let row = rows.get(rowKey)
    if (row === undefined) rows.set(rowKey, (row = { customerId, currency, ...emptyAmounts() }))
    add(row, receivable)
    let total = totals.get(currency)
    if (total === undefined) totals.set(currency, (total = { currency, customers: 0, seen: new Set(), ...emptyAmounts() }))
    add(total, receivable)
    total.seen.add(customerId)
  }
  return {
    asOf,
    rows: [...rows.values()].sort((a, b) => byText(a.customerId, b.customerId) || byText(a.currency, b.currency)),
    totals: [...totals.values()]
      .sort((a, b) => byText(a.currency, b.currency))
      .map(({ seen, ...total }) => ({ ...total, customers: seen.size })),
  }
}
