import * as z from 'zod'
import { trialBalanceOfTotals, type LedgerTrialBalance } from '../../../shared/domain/index.ts'
import { ledgerAccess, ledgerBalancesThrough } from '../../../shared/ledger/ledger-summary.ts'
import { moneyToNumber } from '../../../shared/money.ts'
import { defineTool } from '../tool.ts'
import { dateInput, tenantIdInput } from '../tool-inputs.ts'
import { listAllRecords } from './list-all-records.ts'

export const trialBalance = defineTool({
  name: 'trial_balance',
  title: 'Trial balance',
  description:
    'Sums every posted journal line per account: for each account with postings, its code, name, type, total debits, total credits and balance (debit − credit: positive is a debit balance, negative a credit balance). ' +
    'Only entries dated on or before as_of count (default: today, UTC). totals.debit always equals totals.credit in consistent books. Reads only.',
  input: z.strictObject({
    tenant_id: tenantIdInput,
    as_of: dateInput('Include entries dated on or before this day, YYYY-MM-DD; defaults to today (UTC).').optional(),
  }),
  output: z.object({
    as_of: z.string().meta({ description: 'The last day counted, YYYY-MM-DD.' }),
    accounts: z.array(
      z.object({
        code: z.string(),
        // Null when no account of the chart has the code the lines post to.
        name: z.string().nullable(),
        type: z.string().nullable(),
        debit: z.number(),
        credit: z.number(),
        balance: z.number().meta({ description: 'debit − credit: positive is a debit balance.' }),
      }),
    ),
    totals: z.object({ debit: z.number(), credit: z.number() }),
  }),
  access: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(input, { store }) {
    const asOf = input.as_of ?? new Date().toISOString().slice(0, 10)
    // The ledger summary's month and the lines posted since it was folded, and the chart for the names: a few
    // calls however long the ledger's history (shared/ledger).
    const [balances, chart] = await Promise.all([ledgerBalancesThrough(ledgerAccess(store), asOf), listAllRecords(store, 'Account')])
    return trialBalanceAnswer(trialBalanceOfTotals(balances.totals, chart.map((stored) => stored.record), asOf))
  },
})

/** The tool's answer: amounts as JSON numbers. */
export function trialBalanceAnswer(balance: LedgerTrialBalance) {
  return {
    as_of: balance.asOf,
    accounts: balance.accounts.map((account) => ({
      code: account.code,
      name: account.name,
      type: account.type,
      debit: moneyToNumber(account.debit),
      credit: moneyToNumber(account.credit),
      balance: moneyToNumber(account.balance),
    })),
    totals: { debit: moneyToNumber(balance.totals.debit), credit: moneyToNumber(balance.totals.credit) },
  }
}
