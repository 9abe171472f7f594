/**
 * The intent tools: each does the arithmetic and the multi-record work of one business action in one
 * transaction (one commit), so totals, balances and links are right by construction.
 */
import type { ToolDefinition } from '../tool.ts'
import { accountLedger } from './account-ledger.ts'
import { agedReceivables } from './aged-receivables.ts'
import { createInvoiceWithLines } from './create-invoice-with-lines.ts'
import { createJournalEntry } from './create-journal-entry.ts'
import { recordPayment } from './record-payment.ts'
import { reverseJournalEntry } from './reverse-journal-entry.ts'
import { trialBalance } from './trial-balance.ts'
import { updateInvoiceStatus } from './update-invoice-status.ts'

export const INTENT_TOOLS: ToolDefinition[] = [
  createInvoiceWithLines,
  updateInvoiceStatus,
  recordPayment,
  createJournalEntry,
  reverseJournalEntry,
  trialBalance,
  accountLedger,
  agedReceivables,
]

export { accountLedger, agedReceivables, createInvoiceWithLines, createJournalEntry, recordPayment, reverseJournalEntry, trialBalance, updateInvoiceStatus }
