import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertBalancedEntry, journalLineSideProblem, mirrorJournalLines, trialBalance, type PostedLine } from '../../shared/domain/index.ts'
import { DomainRuleError } from '../../shared/errors.ts'
import { thrownBy } from '../support/thrown.ts'

const codes = ['1000', '1200', '2000', '3000', '4000', '5000']

/** A random balanced entry: random debits, and the same total spread over random credit lines. */
const balancedEntry = fc
  .record({
    debits: fc.array(fc.record({ accountCode: fc.constantFrom(...codes), amount: fc.bigInt(1n, 10_000_000n) }), { minLength: 1, maxLength: 8 }),
    creditCodes: fc.array(fc.constantFrom(...codes), { minLength: 1, maxLength: 8 }),
  })
  .map(({ debits, creditCodes }): PostedLine[] => {
    const total = debits.reduce((sum, line) => sum + line.amount, 0n)
    const n = BigInt(creditCodes.length)
    const credits = creditCodes.map((accountCode, i) => ({ accountCode, debit: 0n, credit: total / n + (BigInt(i) < total % n ? 1n : 0n) }))
    return [...debits.map((line) => ({ accountCode: line.accountCode, debit: line.amount, credit: 0n })), ...credits.filter((line) => line.credit > 0n)]
  })

const thrown = (run: () => unknown): DomainRuleError => thrownBy(DomainRuleError, run)

describe('journal lines and balance', () => {
  it('a line has exactly one positive side', () => {
    expect(journalLineSideProblem({ debit: 100n, credit: 0n })).toBeUndefined()
    expect(journalLineSideProblem({ debit: 0n, credit: 100n })).toBeUndefined()
    expect(journalLineSideProblem({ debit: 100n, credit: 100n })).toMatch(/not both/)
    expect(journalLineSideProblem({ debit: 0n, credit: 0n })).toMatch(/positive/)
    expect(journalLineSideProblem({ debit: -100n, credit: 0n })).toMatch(/negative/)
  })

  it('refuses an unbalanced entry with both sums', () => {
    const error = thrown(() => assertBalancedEntry([{ debit: 10_000n, credit: 0n }, { debit: 0n, credit: 9_999n }]))
    expect(error.code).toBe('unbalanced')
    expect(error.details).toEqual({ debit: 100, credit: 99.99, difference: 0.01 })
    expect(error.message).toBe('Debits (100.00) do not equal credits (99.99); nothing was posted.')
  })

  it('refuses a bad line and a one-line entry', () => {
    expect(thrown(() => assertBalancedEntry([{ debit: 1n, credit: 1n }, { debit: 0n, credit: 0n }])).details).toEqual({ position: 1 })
    expect(thrown(() => assertBalancedEntry([{ debit: 0n, credit: 0n }])).code).toBe('invalid_journal_line')
    expect(thrown(() => assertBalancedEntry([{ debit: 5n, credit: 0n }])).code).toBe('too_few_lines')
  })

  it('random balanced entries balance, and their mirror balances too', () => {
    fc.assert(
      fc.property(balancedEntry, (lines) => {
        fc.pre(lines.length >= 2)
        const totals = assertBalancedEntry(lines)
        expect(totals.debit).toBe(totals.credit)
        expect(assertBalancedEntry(mirrorJournalLines(lines))).toEqual(totals)
      }),
    )
  })

  it('changing any one amount of a balanced entry unbalances it', () => {
    fc.assert(
      fc.property(balancedEntry, fc.nat(), fc.bigInt(1n, 1000n), (lines, pick, delta) => {
        fc.pre(lines.length >= 2)
        const index = pick % lines.length
        const changed = lines.map((line, i) => (i !== index ? line : line.debit > 0n ? { ...line, debit: line.debit + delta } : { ...line, credit: line.credit + delta }))
        expect(thrown(() => assertBalancedEntry(changed)).code).toBe('unbalanced')
      }),
    )
  })

  it('mirroring swaps the sides and keeps everything else', () => {
    expect(mirrorJournalLines([{ accountCode: '1000', debit: 5n, credit: 0n }])).toEqual([{ accountCode: '1000', debit: 0n, credit: 5n }])
  })
})

describe('trial balance', () => {
  it('sums per account in code order, with debit − credit as the balance', () => {
    const balance = trialBalance([
      { accountCode: '4000', debit: 0n, credit: 175_000n },
      { accountCode: '1200', debit: 175_000n, credit: 0n },
      { accountCode: '1000', debit: 2_500n, credit: 0n },
      { accountCode: '1200', debit: 0n, credit: 2_500n },
    ])
    expect(balance.rows).toEqual([
      { code: '1000', debit: 2_500n, credit: 0n, balance: 2_500n },
      { code: '1200', debit: 175_000n, credit: 2_500n, balance: 172_500n },
      { code: '4000', debit: 0n, credit: 175_000n, balance: -175_000n },
    ])
    expect(balance.totals).toEqual({ debit: 177_500n, credit: 177_500n })
  })

  it('over any set of balanced entries the totals are equal and the balances sum to zero', () => {
    fc.assert(
      fc.property(fc.array(balancedEntry, { maxLength: 20 }), (entries) => {
        const balance = trialBalance(entries.flat())
        expect(balance.totals.debit).toBe(balance.totals.credit)
        expect(balance.rows.reduce((sum, row) => sum + row.balance, 0n)).toBe(0n)
      }),
    )
  })

  it('an entry and its reversal net every account to zero', () => {
    fc.assert(
      fc.property(balancedEntry, (lines) => {
        const balance = trialBalance([...lines, ...mirrorJournalLines(lines)])
        for (const row of balance.rows) expect(row.balance).toBe(0n)
      }),
    )
  })
})
