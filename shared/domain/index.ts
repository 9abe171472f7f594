/** Accounting rules shared by the Worker's intent tools and the Action's `verify`. Pure and runtime-neutral. */
export { assertInvoiceTransition, canTransitionInvoice, INVOICE_STATUSES, isInvoiceStatus, nextInvoiceStatuses, type InvoiceStatus } from './invoice-status.ts'
export { invoiceTotal, priceInvoiceLines, type LineToPrice, type PricedLine } from './invoice-totals.ts'
export { applyPayment, invoiceBalance, type AppliedPayment, type InvoiceAmounts } from './payments.ts'
export { assertBalancedEntry, journalLineSideProblem, journalTotals, mirrorJournalLines, MIN_JOURNAL_LINES, type JournalAmounts } from './journal.ts'
export { resolvePostingAccounts } from './accounts.ts'
export { trialBalance, type PostedLine, type TrialBalance, type TrialBalanceRow } from './trial-balance.ts'
export { checkBooks, type Violation, type ViolationRule } from './check-books.ts'
export { boolField, moneyField, numberField, requireMoneyField, requireTextField, shortId, textField } from './record-fields.ts'
