/**
 * Double-entry rules. Each journal line moves money on exactly one side of one account, and an entry
 * posts only when its debits equal its credits to the cent: then every entry, and so the whole
 * ledger, sums to zero.
 */
import { DomainRuleError } from '../errors.ts'
import { formatMoney, moneyToNumber, sumMoney } from '../money.ts'

export interface JournalAmounts {
  debit: bigint
  credit: bigint
}

/** Fewer lines cannot move money between two accounts. */
export const MIN_JOURNAL_LINES = 2

/** Why a line is not exactly one positive side, or undefined when it is. */
export function journalLineSideProblem(line: JournalAmounts): string | undefined {
  if (line.debit < 0n || line.credit < 0n) return 'debit and credit cannot be negative; put the amount on the other side'
  if (line.debit > 0n && line.credit > 0n) return 'a line is either a debit or a credit, not both; split it into two lines'
  if (line.debit === 0n && line.credit === 0n) return 'a line needs a positive debit or a positive credit'
  return undefined
}

export function journalTotals(lines: Iterable<JournalAmounts>): JournalAmounts {
  const all = [...lines]
  return { debit: sumMoney(all.map((line) => line.debit)), credit: sumMoney(all.map((line) => line.credit)) }
}

/**
 * The entry's totals, if it may be posted.
 * @throws DomainRuleError `invalid_journal_line` (a line with no, two or a negative side), `too_few_lines`,
 *   or `unbalanced` with both sums and the difference in `details`.
 */
export function assertBalancedEntry(lines: readonly JournalAmounts[]): JournalAmounts {
  for (const [index, line] of lines.entries()) {
    const problem = journalLineSideProblem(line)
    if (problem !== undefined) throw new DomainRuleError('invalid_journal_line', `Journal line ${index + 1}: ${problem}.`, { position: index + 1 })
  }
  if (lines.length < MIN_JOURNAL_LINES) {
    throw new DomainRuleError('too_few_lines', `A journal entry needs at least ${MIN_JOURNAL_LINES} lines, got ${lines.length}.`, { lines: lines.length })
  }
  const totals = journalTotals(lines)
  if (totals.debit !== totals.credit) {
    throw new DomainRuleError(
      'unbalanced',
      `Debits (${formatMoney(totals.debit)}) do not equal credits (${formatMoney(totals.credit)}); nothing was posted.`,
      { debit: moneyToNumber(totals.debit), credit: moneyToNumber(totals.credit), difference: moneyToNumber(totals.debit - totals.credit) },
    )
  }
  return totals
}

/** The lines of a reversing entry: every debit becomes a credit of the same amount and vice versa. */
export function mirrorJournalLines<Line extends JournalAmounts>(lines: readonly Line[]): Line[] {
  return lines.map((line) => ({ ...line, debit: line.credit, credit: line.debit }))
}
