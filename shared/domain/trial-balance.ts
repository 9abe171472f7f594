/**
 * The trial balance: per account, the sum of debits and of credits posted to it. Because every
 * entry balances, the grand totals are equal; a difference means the books are broken.
 */
import type { AgiRecord } from '../agi/types.ts'
import { sumMoney } from '../money.ts'
import type { JournalAmounts } from './journal.ts'
import { requireMoneyField, requireTextField, textField } from './record-fields.ts'

export interface PostedLine extends JournalAmounts {
  accountCode: string
}

export interface TrialBalanceRow extends JournalAmounts {
  code: string
  /** debit − credit: positive is a debit balance, negative a credit balance. */
  balance: bigint
}

export interface TrialBalance {
  /** Accounts that have postings, by code. */
  rows: TrialBalanceRow[]
  totals: JournalAmounts
}

export function trialBalance(lines: Iterable<PostedLine>): TrialBalance {
  const byCode = new Map<string, JournalAmounts>()
  for (const line of lines) {
    const sums = byCode.get(line.accountCode) ?? { debit: 0n, credit: 0n }
    sums.debit += line.debit
    sums.credit += line.credit
    byCode.set(line.accountCode, sums)
  }
  // Plain code-unit order, not locale order: the same books always list the same way.
  const rows = [...byCode.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, sums]) => ({ code, debit: sums.debit, credit: sums.credit, balance: sums.debit - sums.credit }))
  return { rows, totals: { debit: sumMoney(rows.map((row) => row.debit)), credit: sumMoney(rows.map((row) => row.credit)) } }
}

/** A trial balance row with the account it names, when the ledger holds one under that code. */
export interface AccountBalance extends TrialBalanceRow {
  name: string | null
  type: string | null
}

export interface LedgerTrialBalance {
  asOf: string
  accounts: AccountBalance[]
  totals: JournalAmounts
}

/**
 * The trial balance of one tenant's ledger records as of a day: the lines of journal entries dated on or
 * before `asOf`, each account joined by its code. Records of other entities are ignored, so the records may
 * come from a store's lists or straight from the `.agi` files in git, and both must add up the same.
 */
export function ledgerTrialBalance(records: Iterable<AgiRecord>, asOf: string): LedgerTrialBalance {
  const counted = new Set<string>()
  const lines: AgiRecord[] = []
  const accounts: AgiRecord[] = []
  for (const record of records) {
    if (record.entity === 'JournalEntry' && requireTextField(record, 'date') <= asOf) counted.add(record.id)
    else if (record.entity === 'JournalLine') lines.push(record)
    else if (record.entity === 'Account') accounts.push(record)
  }
  const posted = lines
    .filter((line) => counted.has(requireTextField(line, 'journal_entry_id')))
    .map((line) => ({ accountCode: requireTextField(line, 'account_code'), debit: requireMoneyField(line, 'debit'), credit: requireMoneyField(line, 'credit') }))
  return accountTrialBalance(trialBalance(posted), accounts, asOf)
}

/** A trial balance from per-account sums (the ledger summary's), each account joined by its code. */
export function trialBalanceOfTotals(totals: ReadonlyMap<string, JournalAmounts>, accounts: Iterable<AgiRecord>, asOf: string): LedgerTrialBalance {
  return accountTrialBalance(trialBalance([...totals].map(([accountCode, sums]) => ({ accountCode, debit: sums.debit, credit: sums.credit }))), accounts, asOf)
}

function accountTrialBalance(balance: TrialBalance, accounts: Iterable<AgiRecord>, asOf: string): LedgerTrialBalance {
  const byCode = new Map<string | undefined, AgiRecord>()
  for (const account of accounts) byCode.set(textField(account, 'code'), account)
  return {
    asOf,
    accounts: balance.rows.map((row) => {
      const account = byCode.get(row.code)
      return { ...row, name: account === undefined ? null : (textField(account, 'name') ?? null), type: account === undefined ? null : (textField(account, 'type') ?? null) }
    }),
    totals: balance.totals,
  }
}
