/**
 * The trial balance: per account, the sum of debits and of credits posted to it. Because every
 * entry balances, the grand totals are equal; a difference means the books are broken.
 */
import { sumMoney } from '../money.ts'
import type { JournalAmounts } from './journal.ts'

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
