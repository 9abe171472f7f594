/** Posting journal lines: the records create_journal_entry and reverse_journal_entry both write. */
import type { AgiRecord, FieldValue } from '../../../shared/agi/index.ts'
import type { JournalAmounts } from '../../../shared/domain/index.ts'
import type { Transaction } from '../../../shared/git-store/index.ts'

export interface LineToPost extends JournalAmounts {
  accountCode: string
  description?: string
}

/** Stages the entry's lines, numbered 1..n in the order given, each carrying the entry's date. */
export function stageJournalLines(tx: Transaction, entry: { id: string; date: string }, lines: readonly LineToPost[]): AgiRecord[] {
  return lines.map((line, index) => {
    const fields: Record<string, FieldValue> = {
      journal_entry_id: entry.id,
      position: index + 1,
      date: entry.date,
      account_code: line.accountCode,
      debit: line.debit,
      credit: line.credit,
    }
    if (line.description !== undefined) fields.description = line.description
    return tx.create('JournalLine', fields)
  })
}

export function linesMessage(count: number): string {
  return `${count} ${count === 1 ? 'line' : 'lines'}`
}
