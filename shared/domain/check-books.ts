/**
 * The books' integrity over a whole tree of records (every tenant at once): what `verify` runs after a
 * sync, and what tests run after the intent tools. Each rule here is one that the intent tools keep
 * by construction; a violation means a record was written around them (by hand, by a partial repair,
 * by a bug) and names the record to look at.
 */
import type { AgiRecord, Schema } from '../agi/types.ts'
import { recordKey } from '../keys.ts'
import { formatMoney, lineTotal, parseQuantity, sumMoney } from '../money.ts'
import { ERP_SCHEMA } from '../schema/index.ts'
import { journalLineSideProblem, journalTotals, MIN_JOURNAL_LINES, type JournalAmounts } from './journal.ts'
import { moneyField, numberField, shortId, textField } from './record-fields.ts'

export type ViolationRule =
  /** A field the check needs is missing or of the wrong kind. */
  | 'malformed'
  /** An id (or a journal line's account code) names no record of the same tenant. */
  | 'dangling_reference'
  /** Two accounts of one tenant share a code, so journal lines naming it are ambiguous. */
  | 'duplicate_account_code'
  | 'invalid_journal_line'
  | 'too_few_lines'
  | 'unbalanced_entry'
  /** A line's stored amount is not qty × unit_price rounded to the cent. */
  | 'line_total'
  /** An invoice's total is not the sum of its lines. */
  | 'invoice_total'
  /** An invoice's amount_paid is not the sum of its payments. */
  | 'amount_paid'
  | 'overpaid'
  /** reverses / reversed_by do not point at each other, or a reversal does not mirror what it reverses. */
  | 'reversal_link'

export interface Violation {
  rule: ViolationRule
  entity: string
  id: string
  tenant?: string
  /** The record's key (`data/<tenant>/<Entity>/<id>.agi`, also its path in the data repository), when its tenant is valid. */
  key?: string
  message: string
}

/** Records of one tenant, indexed the ways the rules look them up. */
class TenantBooks {
  readonly byEntity = new Map<string, Map<string, AgiRecord>>()
  readonly accountsByCode = new Map<string, AgiRecord[]>()
  readonly linesByInvoice = new Map<string, AgiRecord[]>()
  readonly paymentsByInvoice = new Map<string, AgiRecord[]>()
  readonly linesByEntry = new Map<string, AgiRecord[]>()

  add(record: AgiRecord): void {
    const ofEntity = this.byEntity.get(record.entity) ?? new Map<string, AgiRecord>()
    ofEntity.set(record.id, record)
    this.byEntity.set(record.entity, ofEntity)
    const group = (index: Map<string, AgiRecord[]>, value: string | undefined) => {
      if (value !== undefined) index.set(value, [...(index.get(value) ?? []), record])
    }
    if (record.entity === 'Account') group(this.accountsByCode, textField(record, 'code'))
    if (record.entity === 'InvoiceLineItem') group(this.linesByInvoice, textField(record, 'invoice_id'))
    if (record.entity === 'Payment') group(this.paymentsByInvoice, textField(record, 'invoice_id'))
    if (record.entity === 'JournalLine') group(this.linesByEntry, textField(record, 'journal_entry_id'))
  }

  find(entity: string, id: string): AgiRecord | undefined {
    return this.byEntity.get(entity)?.get(id)
  }

  all(entity: string): AgiRecord[] {
    return [...(this.byEntity.get(entity)?.values() ?? [])]
  }
}

/**
 * Every integrity violation in `records`: references resolve within their tenant (ids and account
 * codes), each journal entry balances with well-formed lines, each line total is qty × unit price,
 * each invoice total is the sum of its lines and amount_paid the sum of its payments, and reversal
 * links agree in both directions. An empty list means the books are consistent.
 *
 * @example
 * const violations = checkBooks(records)
 * for (const v of violations) console.log(`${v.key ?? `${v.entity} ${v.id}`}: ${v.message}`)
 */
export function checkBooks(records: Iterable<AgiRecord>, schema: Schema = ERP_SCHEMA): Violation[] {
  const tenants = new Map<string, TenantBooks>()
  for (const record of records) {
    if (!schema.entities.has(record.entity)) continue
    const tenant = textField(record, 'tenant_id') ?? ''
    const books = tenants.get(tenant) ?? new TenantBooks()
    books.add(record)
    tenants.set(tenant, books)
  }
  const violations: Violation[] = []
  for (const [tenant, books] of tenants) {
    const report = (record: AgiRecord, rule: ViolationRule, message: string) => violations.push(violation(schema, tenant, record, rule, message))
    if (tenant === '') {
      for (const entity of books.byEntity.keys()) for (const record of books.all(entity)) report(record, 'malformed', 'has no tenant_id')
      continue
    }
    checkReferences(schema, books, report)
    checkAccounts(books, report)
    checkJournal(books, report)
    checkInvoices(books, report)
  }
  return violations
}

type Report = (record: AgiRecord, rule: ViolationRule, message: string) => void

function violation(schema: Schema, tenant: string, record: AgiRecord, rule: ViolationRule, message: string): Violation {
  const found: Violation = { rule, entity: record.entity, id: record.id, message: `${record.entity} ${shortId(record.id)}: ${message}` }
  if (tenant === '') return found
  found.tenant = tenant
  try {
    found.key = recordKey(schema, tenant, record.entity, record.id)
  } catch {
    // A tenant or id no key can be built from: the entity and id still name the record.
  }
  return found
}

/** Every `REFERENCES` field that is set names a record of that entity in the same tenant. */
function checkReferences(schema: Schema, books: TenantBooks, report: Report): void {
  for (const [entity, ofEntity] of books.byEntity) {
    const spec = schema.entities.get(entity)
    for (const field of spec?.fields ?? []) {
      if (field.references === undefined) continue
      for (const record of ofEntity.values()) {
        const target = textField(record, field.name)
        if (target === undefined) continue
        if (books.find(field.references, target) === undefined) {
          report(record, 'dangling_reference', `${field.name} names ${field.references} ${target}, which does not exist in this tenant`)
        }
      }
    }
  }
}

function checkAccounts(books: TenantBooks, report: Report): void {
  for (const [code, accounts] of books.accountsByCode) {
    if (accounts.length < 2) continue
    for (const account of accounts) {
      report(account, 'duplicate_account_code', `code ${JSON.stringify(code)} is shared by ${accounts.length} accounts (${accounts.map((a) => shortId(a.id)).join(', ')})`)
    }
  }
}

function amountsOf(line: AgiRecord): JournalAmounts | undefined {
  const debit = moneyField(line, 'debit')
  const credit = moneyField(line, 'credit')
  return debit === undefined || credit === undefined ? undefined : { debit, credit }
}

function checkJournal(books: TenantBooks, report: Report): void {
  for (const line of books.all('JournalLine')) {
    const code = textField(line, 'account_code')
    if (code === undefined) report(line, 'malformed', 'has no account_code')
    else if (!books.accountsByCode.has(code)) report(line, 'dangling_reference', `account_code ${JSON.stringify(code)} names no account in this tenant`)
    const amounts = amountsOf(line)
    if (amounts === undefined) report(line, 'malformed', 'has no debit or credit amount')
    else {
      const problem = journalLineSideProblem(amounts)
      if (problem !== undefined) report(line, 'invalid_journal_line', problem)
    }
  }
  for (const entry of books.all('JournalEntry')) {
    const lines = books.linesByEntry.get(entry.id) ?? []
    if (lines.length < MIN_JOURNAL_LINES) report(entry, 'too_few_lines', `has ${lines.length} journal line(s); an entry needs at least ${MIN_JOURNAL_LINES}`)
    const totals = journalTotals(lines.map((line) => amountsOf(line) ?? { debit: 0n, credit: 0n }))
    if (totals.debit !== totals.credit) {
      report(entry, 'unbalanced_entry', `debits ${formatMoney(totals.debit)} do not equal credits ${formatMoney(totals.credit)}`)
    }
    checkReversalLinks(books, entry, report)
  }
}

/** A reversal and its original point at each other, and the reversal posts the original's amounts on the opposite sides. */
function checkReversalLinks(books: TenantBooks, entry: AgiRecord, report: Report): void {
  const reverses = textField(entry, 'reverses')
  if (reverses !== undefined) {
    const original = books.find('JournalEntry', reverses)
    if (original !== undefined) {
      const back = textField(original, 'reversed_by')
      if (back !== entry.id) {
        report(entry, 'reversal_link', `reverses ${shortId(reverses)}, but that entry's reversed_by is ${back === undefined ? 'unset' : shortId(back)}`)
      }
      if (!mirrorsOf(books, entry, original)) report(entry, 'reversal_link', `does not post the amounts of ${shortId(reverses)} on the opposite sides`)
    }
  }
  const reversedBy = textField(entry, 'reversed_by')
  if (reversedBy !== undefined) {
    const reversal = books.find('JournalEntry', reversedBy)
    if (reversal !== undefined && textField(reversal, 'reverses') !== entry.id) {
      report(entry, 'reversal_link', `reversed_by names ${shortId(reversedBy)}, but that entry does not reverse this one`)
    }
  }
}

/** Whether the per-account debits of `reversal` are the credits of `original` and vice versa. */
function mirrorsOf(books: TenantBooks, reversal: AgiRecord, original: AgiRecord): boolean {
  const sums = (entry: AgiRecord) => {
    const byCode = new Map<string, JournalAmounts>()
    for (const line of books.linesByEntry.get(entry.id) ?? []) {
      const code = textField(line, 'account_code') ?? ''
      const amounts = amountsOf(line) ?? { debit: 0n, credit: 0n }
      const total = byCode.get(code) ?? { debit: 0n, credit: 0n }
      byCode.set(code, { debit: total.debit + amounts.debit, credit: total.credit + amounts.credit })
    }
    return byCode
  }
  const mirrored = sums(reversal)
  const originalSums = sums(original)
  if (mirrored.size !== originalSums.size) return false
  for (const [code, amounts] of originalSums) {
    const other = mirrored.get(code)
    if (other === undefined || other.debit !== amounts.credit || other.credit !== amounts.debit) return false
  }
  return true
}

function checkInvoices(books: TenantBooks, report: Report): void {
  for (const line of books.all('InvoiceLineItem')) {
    const qty = numberField(line, 'qty')
    const unitPrice = moneyField(line, 'unit_price')
    const stored = moneyField(line, 'line_total')
    if (qty === undefined || unitPrice === undefined || stored === undefined) {
      report(line, 'malformed', 'needs qty, unit_price and line_total')
      continue
    }
    let expected: bigint
    try {
      expected = lineTotal(parseQuantity(qty), unitPrice)
    } catch {
      report(line, 'line_total', `qty ${qty} is not a positive quantity with at most four decimals`)
      continue
    }
    if (expected !== stored) report(line, 'line_total', `line_total is ${formatMoney(stored)}, but ${qty} × ${formatMoney(unitPrice)} is ${formatMoney(expected)}`)
  }
  for (const invoice of books.all('Invoice')) {
    const total = moneyField(invoice, 'total')
    const amountPaid = moneyField(invoice, 'amount_paid')
    if (total === undefined || amountPaid === undefined) {
      report(invoice, 'malformed', 'needs total and amount_paid')
      continue
    }
    const lines = sumMoney((books.linesByInvoice.get(invoice.id) ?? []).map((line) => moneyField(line, 'line_total') ?? 0n))
    if (lines !== total) report(invoice, 'invoice_total', `total is ${formatMoney(total)}, but its lines add up to ${formatMoney(lines)}`)
    const paid = sumMoney((books.paymentsByInvoice.get(invoice.id) ?? []).map((payment) => moneyField(payment, 'amount') ?? 0n))
    if (paid !== amountPaid) report(invoice, 'amount_paid', `amount_paid is ${formatMoney(amountPaid)}, but its payments add up to ${formatMoney(paid)}`)
    if (amountPaid > 0n && amountPaid > total) report(invoice, 'overpaid', `amount_paid ${formatMoney(amountPaid)} exceeds the total ${formatMoney(total)}`)
  }
}
