import { z } from 'zod'
import { requireMoneyField, requireTextField, textField, trialBalance as computeTrialBalance } from '../../../shared/domain/index.ts'
import { moneyToNumber } from '../../../shared/money.ts'
import { defineTool } from '../tool.ts'
import { dateInput, tenantIdInput } from '../tool-inputs.ts'
import { listAll } from './list-all.ts'

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
  access: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(input, { store }) {
    const asOf = input.as_of ?? new Date().toISOString().slice(0, 10)
    // Whole-ledger pages from list metadata: three paged lists, never a GET per line.
    const [entries, lines, accounts] = await Promise.all([listAll(store, 'JournalEntry'), listAll(store, 'JournalLine'), listAll(store, 'Account')])
    const counted = new Set(entries.filter((stored) => requireTextField(stored.record, 'date') <= asOf).map((stored) => stored.record.id))
    const balance = computeTrialBalance(
      lines
        .map((stored) => stored.record)
        .filter((line) => counted.has(requireTextField(line, 'journal_entry_id')))
        .map((line) => ({ accountCode: requireTextField(line, 'account_code'), debit: requireMoneyField(line, 'debit'), credit: requireMoneyField(line, 'credit') })),
    )
    const byCode = new Map(accounts.map((stored) => [textField(stored.record, 'code'), stored.record]))
    return {
      as_of: asOf,
      accounts: balance.rows.map((row) => {
        const account = byCode.get(row.code)
        return {
          code: row.code,
          name: account === undefined ? null : (textField(account, 'name') ?? null),
          type: account === undefined ? null : (textField(account, 'type') ?? null),
          debit: moneyToNumber(row.debit),
          credit: moneyToNumber(row.credit),
          balance: moneyToNumber(row.balance),
        }
      }),
      totals: { debit: moneyToNumber(balance.totals.debit), credit: moneyToNumber(balance.totals.credit) },
    }
  },
})
