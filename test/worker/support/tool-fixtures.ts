import { ok, tokenFor } from './api.ts'
import { seed, seedBooks } from './seed.ts'

/** What a fixture may use: a tenant of its own and that tenant's books. */
export interface FixtureContext {
  tenant: string
  token: string
  /** `seedBooks` for the tenant, seeded on first use. */
  books: () => ReturnType<typeof seedBooks>
  /** 1, 2, 3, ... per tenant: two tenants that run the same fixtures get the same values. */
  next: () => number
}

/** Valid arguments for one successful call of a tool, its preconditions created in the context's tenant. */
export type ToolFixture = (context: FixtureContext) => Promise<Record<string, unknown>>

let tenants = 0

/** A tenant of its own, with a write token for it. */
export async function freshContext(): Promise<FixtureContext> {
  const tenant = `fixture-${++tenants}`
  const token = await tokenFor({ tenant })
  let books: ReturnType<typeof seedBooks> | undefined
  let count = 0
  return { tenant, token, books: () => (books ??= seedBooks(tenant)), next: () => ++count }
}

const DRAFT_LINES = [{ description: 'Consulting', unit_price: 100 }]

async function draftInvoice(context: FixtureContext): Promise<string> {
  const { customer } = await context.books()
  return (await ok('create_invoice_with_lines', { customer_id: customer.id, lines: DRAFT_LINES }, { token: context.token })).invoice.id
}

async function postedEntry(context: FixtureContext): Promise<string> {
  await context.books()
  const entry = await ok('create_journal_entry', BALANCED_ENTRY, { token: context.token })
  return entry.journal_entry.id
}

const BALANCED_ENTRY = {
  date: '2026-06-30',
  memo: 'Cash sale',
  lines: [
    { account_code: '1000', debit: 25 },
    { account_code: '1200', credit: 25 },
  ],
}

/**
 * One fixture per tool of the catalogue (a test checks none is missing). List tools get an empty `where`, so that
 * the filters inside it are arguments too; a fixture whose call changes its target (edit, delete, status, payment,
 * reversal) makes a fresh one each time, so the same fixture may run again in the same tenant.
 */
export const TOOL_FIXTURES: Record<string, ToolFixture> = {
  list_customers: async (c) => (await c.books(), { where: {} }),
  read_customer: async (c) => ({ id: (await c.books()).customer.id }),
  create_customer: async () => ({ name: 'Ada Lovelace' }),
  edit_customer: async (c) => ({ id: (await seed('Customer', { name: 'Ada', phone: '555' }, c.tenant)).id, patch: { notes: 'Net 30' } }),
  delete_customer: async (c) => ({ id: (await seed('Customer', { name: 'Gone' }, c.tenant)).id }),
  list_vendors: async (c) => (await seed('Vendor', { name: 'Paper Co' }, c.tenant), { where: {} }),
  read_vendor: async (c) => ({ id: (await seed('Vendor', { name: 'Paper Co' }, c.tenant)).id }),
  create_vendor: async () => ({ name: 'Paper Co' }),
  edit_vendor: async (c) => ({ id: (await seed('Vendor', { name: 'Paper Co', email: 'ap@paper.example' }, c.tenant)).id, patch: { phone: '555' } }),
  delete_vendor: async (c) => ({ id: (await seed('Vendor', { name: 'Gone' }, c.tenant)).id }),
  list_accounts: async (c) => (await c.books(), { where: {} }),
  read_account: async (c) => ({ id: (await seed('Account', { code: `30${c.next()}`, name: 'Equity', type: 'equity' }, c.tenant)).id }),
  // Codes are unique per tenant.
  create_account: async (c) => ({ code: `40${c.next()}`, name: 'Sales', type: 'income' }),
  edit_account: async (c) => ({ id: (await seed('Account', { code: `50${c.next()}`, name: 'Rent', type: 'expense', description: 'Office' }, c.tenant)).id, patch: { name: 'Rent and rates' } }),
  list_invoices: async (c) => (await c.books(), { where: {} }),
  read_invoice: async (c) => ({ id: (await c.books()).invoice.id }),
  edit_invoice: async (c) => ({ id: await draftInvoice(c), patch: { due_date: '2026-07-31' } }),
  list_invoice_line_items: async (c) => (await c.books(), { where: {} }),
  read_invoice_line_item: async (c) => ({ id: (await c.books()).line.id }),
  list_payments: async (c) => (await c.books(), { where: {} }),
  read_payment: async (c) => ({ id: (await c.books()).payment.id }),
  list_journal_entries: async (c) => (await c.books(), { where: { date: { from: '2026-01-01' } } }),
  read_journal_entry: async (c) => ({ id: (await c.books()).entry.id }),
  list_journal_lines: async (c) => (await c.books(), { where: {} }),
  read_journal_line: async (c) => ({ id: (await c.books()).debit.id }),
  create_invoice_with_lines: async (c) => ({ customer_id: (await c.books()).customer.id, lines: [{ description: 'Setup', unit_price: '350' }] }),
  update_invoice_status: async (c) => ({ invoice_id: await draftInvoice(c), status: 'sent' }),
  record_payment: async (c) => {
    const id = await draftInvoice(c)
    await ok('update_invoice_status', { invoice_id: id, status: 'sent' }, { token: c.token })
    return { invoice_id: id, amount: 40 }
  },
  create_journal_entry: async (c) => (await c.books(), BALANCED_ENTRY),
  reverse_journal_entry: async (c) => ({ journal_entry_id: await postedEntry(c) }),
  trial_balance: async (c) => (await c.books(), {}),
  aged_receivables: async (c) => (await c.books(), { as_of: '2026-12-31', limit: 10 }),
  account_ledger: async (c) => (await c.books(), { account_code: '1000', from: '2026-06-01', to: '2026-06-30', limit: 10 }),
}
