import * as z from 'zod'
import { assertBalancedEntry, journalLineSideProblem, resolvePostingAccounts } from '../../../shared/domain/index.ts'
import { moneyFromJson } from '../../../shared/money.ts'
import { commitResponse, commitResponseSchema, writtenRecordResponse } from '../record-response.ts'
import { defineTool } from '../tool.ts'
import { dateInput, nonNegativeAmountInput, tenantIdInput, textInput } from '../tool-inputs.ts'
import { erpRecordOutput, erpRecordsOutput } from './record-outputs.ts'
import { linesMessage, stageJournalLines, type LineToPost } from './journal-lines.ts'
import { listAllRecords } from './list-all-records.ts'

export const MAX_JOURNAL_LINES = 500

const amountOrZero = (value: number | string | undefined): bigint => (value === undefined ? 0n : moneyFromJson(value))

const lineInput = z
  .strictObject({
    account_code: textInput('Code of an active account in the chart of accounts, e.g. "1000".', 64),
    debit: nonNegativeAmountInput('Amount debited; omit (or 0) on a credit line.').optional(),
    credit: nonNegativeAmountInput('Amount credited; omit (or 0) on a debit line.').optional(),
    description: textInput('What this line records.', 2000).optional(),
  })
  .superRefine((line, ctx) => {
    // Only once both amounts parse; their own issues are reported on their fields.
    let amounts
    try {
      amounts = { debit: amountOrZero(line.debit), credit: amountOrZero(line.credit) }
    } catch {
      return
    }
    const problem = journalLineSideProblem(amounts)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
  })

export const createJournalEntry = defineTool({
  name: 'create_journal_entry',
  title: 'Post a journal entry',
  description:
    'Posts a double-entry journal entry with its lines in one commit. Each line names an account by code and carries exactly one positive amount, debit or credit. ' +
    'Total debits must equal total credits to the cent, otherwise it fails with unbalanced (the error gives both sums) and nothing is posted. ' +
    'Every account code must name an active account of the chart of accounts (unknown_reference / inactive_account otherwise). ' +
    'Posted entries are immutable: to correct one, reverse it with reverse_journal_entry and post the right entry.',
  input: z.strictObject({
    tenant_id: tenantIdInput,
    date: dateInput('Accounting date of the entry, YYYY-MM-DD.'),
    memo: textInput('What the entry records, e.g. "June rent".', 2000),
    lines: z.array(lineInput).min(2).max(MAX_JOURNAL_LINES).meta({ description: `The lines, 2 to ${MAX_JOURNAL_LINES}.` }),
  }),
  output: z.object({ journal_entry: erpRecordOutput('JournalEntry'), lines: erpRecordsOutput('JournalLine'), commit: commitResponseSchema }),
  access: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(input, { store }) {
    const lines: LineToPost[] = input.lines.map((line) => ({
      accountCode: line.account_code,
      debit: amountOrZero(line.debit),
      credit: amountOrZero(line.credit),
      description: line.description,
    }))
    assertBalancedEntry(lines)
    // One paged list of the chart, not a read per line. Accounts are never deleted, so the lookup cannot go stale
    // in a way that breaks a reference; a deactivation racing this post is at worst one posting late.
    const chart = await listAllRecords(store, 'Account')
    resolvePostingAccounts(
      chart.map((stored) => stored.record),
      lines.map((line) => line.accountCode),
    )
    const result = await store.transaction(
      `create JournalEntry with ${linesMessage(lines.length)}`,
      async (tx) => {
        const entry = tx.create('JournalEntry', { date: input.date, memo: input.memo })
        return { entry, lines: stageJournalLines(tx, { id: entry.id, date: input.date }, lines) }
      },
      { enforceCrud: false },
    )
    return {
      journal_entry: writtenRecordResponse(store.schema, result, result.value.entry),
      lines: result.value.lines.map((line) => writtenRecordResponse(store.schema, result, line)),
      commit: commitResponse(result.commit),
    }
  },
})
