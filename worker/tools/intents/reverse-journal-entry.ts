import * as z from 'zod'
import { assertBalancedEntry, mirrorJournalLines, numberField, requireMoneyField, requireTextField, shortId, textField } from '../../../shared/domain/index.ts'
import { DomainRuleError } from '../../../shared/errors.ts'
import { commitResponse, commitResponseSchema, writtenRecordResponse } from '../record-response.ts'
import { defineTool } from '../tool.ts'
import { dateInput, idInput, tenantIdInput, textInput } from '../tool-inputs.ts'
import { erpRecordOutput, erpRecordsOutput } from './record-outputs.ts'
import { stageJournalLines, type LineToPost } from './journal-lines.ts'
import { listAllRecords } from './list-all-records.ts'

export const reverseJournalEntry = defineTool({
  name: 'reverse_journal_entry',
  title: 'Reverse a journal entry',
  description:
    'Cancels a posted journal entry the accounting way: posts a new entry with the same lines, debits and credits swapped, in one commit. ' +
    'The new entry points at the original through reverses and the original at it through reversed_by. ' +
    'An entry can be reversed once (already_reversed otherwise), and a reversal itself cannot be reversed (is_reversal): post a new entry instead. ' +
    'The reversal is dated today (UTC) unless you give a date, which may not be before the original’s date.',
  input: z.strictObject({
    tenant_id: tenantIdInput,
    journal_entry_id: idInput('Id of the journal entry to reverse.'),
    date: dateInput('Accounting date of the reversal, YYYY-MM-DD; defaults to today (UTC).').optional(),
    memo: textInput('Memo of the reversal; defaults to "Reversal: <original memo>".', 2000).optional(),
  }),
  output: z.object({
    journal_entry: erpRecordOutput('JournalEntry'),
    lines: erpRecordsOutput('JournalLine'),
    reversed_journal_entry: erpRecordOutput('JournalEntry'),
    commit: commitResponseSchema,
  }),
  access: 'write',
  // Cancels the original's effect on the books. A repeat changes nothing more: it is refused as already_reversed.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(input, { store }) {
    const id = input.journal_entry_id
    const subject = `JournalEntry ${shortId(id)}`
    const result = await store.transaction(
      `reverse JournalEntry ${shortId(id)}`,
      async (tx) => {
        const original = await tx.require('JournalEntry', id)
        assertReversible(original.fields.reversed_by, textField(original, 'reverses'), subject)
        const originalDate = requireTextField(original, 'date')
        const date = input.date ?? tx.timestamp.toISOString().slice(0, 10)
        if (date < originalDate) {
          throw new DomainRuleError('invalid_date', `A reversal cannot be dated ${date}, before ${subject} (${originalDate}).`, { date, original_date: originalDate })
        }
        // Lines are written with their entry and never change, so once the entry is visible all of them are.
        const originalLines = (await listAllRecords(store, 'JournalLine', { journal_entry_id: id }))
          .map((stored) => stored.record)
          .sort((a, b) => (numberField(a, 'position') ?? 0) - (numberField(b, 'position') ?? 0))
        const lines = mirrorJournalLines(
          originalLines.map(
            (line): LineToPost => ({
              accountCode: requireTextField(line, 'account_code'),
              debit: requireMoneyField(line, 'debit'),
              credit: requireMoneyField(line, 'credit'),
              description: textField(line, 'description'),
            }),
          ),
        )
        assertBalancedEntry(lines)
        const reversal = tx.create('JournalEntry', {
          date,
          memo: input.memo ?? `Reversal: ${requireTextField(original, 'memo')}`,
          reverses: id,
        })
        const reversalLines = stageJournalLines(tx, { id: reversal.id, date }, lines)
        // reversed_by is the one field a posted entry ever gets; checked again on the version being replaced,
        // so of two racing reversals exactly one lands.
        const reversed = await tx.edit('JournalEntry', id, (current) => {
          assertReversible(current.fields.reversed_by, textField(current, 'reverses'), subject)
          return { reversed_by: reversal.id }
        })
        return { reversal, reversalLines, reversed }
      },
      { enforceCrud: false },
    )
    const { reversal, reversalLines, reversed } = result.value
    return {
      journal_entry: writtenRecordResponse(store.schema, result, reversal),
      lines: reversalLines.map((line) => writtenRecordResponse(store.schema, result, line)),
      reversed_journal_entry: writtenRecordResponse(store.schema, result, reversed),
      commit: commitResponse(result.commit),
    }
  },
})

function assertReversible(reversedBy: unknown, reverses: string | undefined, subject: string): void {
  if (typeof reversedBy === 'string') {
    throw new DomainRuleError('already_reversed', `${subject} was already reversed by JournalEntry ${shortId(reversedBy)}.`, { reversed_by: reversedBy })
  }
  if (reverses !== undefined) {
    throw new DomainRuleError('is_reversal', `${subject} is itself the reversal of JournalEntry ${shortId(reverses)}; post a new entry instead.`, { reverses })
  }
}
