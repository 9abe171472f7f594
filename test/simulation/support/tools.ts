import type { CrudOperation } from '../../../shared/agi/types.ts'
import { findTool } from '../../../worker/tools/catalogue.ts'
import { entityNames, genericToolName } from '../../../worker/tools/generic/entity-names.ts'
import { errorEnvelope } from '../../../worker/http/error-envelope.ts'
import { createInvoiceWithLines, createJournalEntry, recordPayment, updateInvoiceStatus } from '../../../worker/tools/intents/index.ts'
import type { ToolDefinition } from '../../../worker/tools/tool.ts'
import type { Outcome } from './history.ts'

/** A generic tool as the catalogue names it, from the operation and the entity. */
function generic(operation: CrudOperation, entity: string): ToolDefinition {
  return findTool(genericToolName(operation, entityNames(entity)))
}

/** The tools the simulated clients call, looked up in the catalogue (never spelled out by hand). */
export const SIM_TOOLS = {
  createCustomer: generic('create', 'Customer'),
  editCustomer: generic('edit', 'Customer'),
  deleteCustomer: generic('delete', 'Customer'),
  readCustomer: generic('read', 'Customer'),
  listCustomers: generic('list', 'Customer'),
  listInvoices: generic('list', 'Invoice'),
  editInvoice: generic('edit', 'Invoice'),
  createAccount: generic('create', 'Account'),
  editAccount: generic('edit', 'Account'),
  createInvoiceWithLines: findTool(createInvoiceWithLines.name),
  updateInvoiceStatus: findTool(updateInvoiceStatus.name),
  recordPayment: findTool(recordPayment.name),
  createJournalEntry: findTool(createJournalEntry.name),
} as const

export type SimToolName = keyof typeof SIM_TOOLS

export interface Answer {
  outcome: Outcome
  status: number
  code?: string
  body?: Record<string, any>
}

/** A thrown error as the Worker would answer it: the product's one mapping from errors to statuses. */
export function answerOfError(error: unknown): Answer {
  const envelope = errorEnvelope(error, 'simulation', 'tool call')
  const status = envelope.status as number
  return { outcome: status >= 500 ? 'unknown' : 'refused', status, code: envelope.body.error.code, body: envelope.body as unknown as Record<string, any> }
}
