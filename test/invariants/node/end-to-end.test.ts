/**
 * Invariants 1 and 2 end to end, in one process: the built Worker in Miniflare, a scripted agent making a seeded
 * mixed workload of tool calls over HTTP, the Action's engine syncing the same bucket over S3 into a real git
 * repository, and an audit of the result:
 * - every acknowledged write is exactly one commit whose message, author, trailers and files match the answer;
 * - no rejected call left a commit;
 * - the bucket's `data/` tree equals the branch's, byte for byte;
 * - `trial_balance` from the API equals the one recomputed from the `.agi` files in git, and the books check out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSync } from '../../../action/engine/index.ts'
import { parseRecord, recordToJson, type AgiRecord } from '../../../shared/agi/index.ts'
import type { TokenIdentity } from '../../../shared/auth/token-claims.ts'
import { checkBooks, ledgerTrialBalance, textField } from '../../../shared/domain/index.ts'
import { editMessage } from '../../../shared/git-store/messages.ts'
import { gitPathOfRecordKey, newId, parseRecordKey, recordKeyOfGitPath } from '../../../shared/keys.ts'
import { formatMoney, moneyToNumber } from '../../../shared/money.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import { trialBalanceAnswer } from '../../../worker/tools/intents/trial-balance.ts'
import { makeRepos, type Repos } from '../../action/support/repos.ts'
import { AgentLog, type CallRecord, type Credentials } from '../support/agent.ts'
import { auditCommits, catFiles, treeFiles, type AuditedCommit } from '../../support/git-audit.ts'
import { Dice, suiteSeed } from '../../support/seeded.ts'
import { isWriteTool } from '../../support/tool-names.ts'
import { startStack, type Stack } from '../support/stack.ts'

const SEED = suiteSeed('end-to-end workload', 20_261_122)
const MIN_CALLS = 320

const AGENTS = {
  ada: { sub: 'ada', name: 'Ada Lovelace', email: 'ada@acme.example', tenant: 'acme', scope: 'write' },
  bot: { sub: 'invoice-bot', name: 'Invoice Bot', email: 'bot@acme.example', tenant: 'acme', scope: 'write' },
  grace: { sub: 'grace', name: 'Grace Hopper', email: 'grace@globex.example', tenant: 'globex', scope: 'write' },
} satisfies Record<string, TokenIdentity>
const READERS: Record<string, TokenIdentity> = {
  acme: { sub: 'auditor', name: 'Acme Auditor', email: 'audit@acme.example', tenant: 'acme', scope: 'read' },
  globex: { sub: 'auditor', name: 'Globex Auditor', email: 'audit@globex.example', tenant: 'globex', scope: 'read' },
}

const CHART = [
  { code: '1000', name: 'Cash', type: 'asset' },
  { code: '1200', name: 'Accounts receivable', type: 'asset' },
  { code: '2000', name: 'Accounts payable', type: 'liability' },
  { code: '3000', name: 'Owner’s equity', type: 'equity' },
  { code: '4000', name: 'Sales', type: 'income' },
  { code: '4100', name: 'Consulting income', type: 'income' },
  { code: '5000', name: 'Rent', type: 'expense' },
  { code: '5100', name: 'Software', type: 'expense' },
]

const NAMES = ['Ada Corp', 'Zürich Uhren AG', 'Ōsaka Shōji', 'Café “Le Dôme”', 'Émile & Fils', 'Ünïcödé Ltd', '北京贸易', 'O’Brien Bros', 'Smith\nJones', 'Tab\tCo', 'Quote "Q" Inc', 'Brace } Ltd', '🚀 Rockets', 'Plain Ltd']

interface CustomerModel {
  version: string
  fields: Record<string, string>
  invoices: number
}
interface InvoiceModel {
  status: string
  total: bigint
  paid: bigint
  version: string
  customer: string
}
interface EntryModel {
  date: string
  reversed: boolean
  reversal: boolean
}
interface TenantModel {
  tenant: string
  writers: TokenIdentity[]
  reader: TokenIdentity
  customers: Map<string, CustomerModel>
  vendors: Map<string, { version: string; fields: Record<string, string> }>
  accounts: Map<string, { id: string; version: string; name: string }>
  invoices: Map<string, InvoiceModel>
  entries: Map<string, EntryModel>
  /** Versions an edit has since replaced: stale `expected_version`s. */
  staleVersions: string[]
}

let stack: Stack
let repos: Repos
let agent: AgentLog
const dice = new Dice(SEED)
const models: TenantModel[] = []

beforeAll(async () => {
  stack = await startStack()
  repos = await makeRepos()
  agent = new AgentLog(stack, (identity) => stack.token(identity))
  models.push(tenantModel('acme', [AGENTS.ada, AGENTS.bot]), tenantModel('globex', [AGENTS.grace]))
}, 120_000)

afterAll(async () => {
  await repos?.dispose()
  await stack?.dispose()
})

function tenantModel(tenant: string, writers: TokenIdentity[]): TenantModel {
  return {
    tenant,
    writers,
    reader: READERS[tenant] as TokenIdentity,
    customers: new Map(),
    vendors: new Map(),
    accounts: new Map(),
    invoices: new Map(),
    entries: new Map(),
    staleVersions: [],
  }
}

const as = (identity: TokenIdentity): Credentials => ({ identity })
const cents = (amount: bigint): string | number => (dice.chance(0.5) ? formatMoney(amount) : moneyToNumber(amount))
const date = (month: number, day: number) => `2026-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
const randomDate = () => date(dice.int(1, 10), dice.int(1, 28))

/** The fields of a customer or vendor that an agent edits. */
const PERSON_FIELDS = ['email', 'phone', 'address', 'notes', 'name']

function personPatch(current: Record<string, string>): { patch: Record<string, string | null>; changes: Record<string, string>; unset: string[] } {
  const patch: Record<string, string | null> = {}
  const count = dice.int(1, 2)
  for (let i = 0; i < count; i++) {
    const field = dice.pick(PERSON_FIELDS)
    if (field !== 'name' && current[field] !== undefined && dice.chance(0.2)) patch[field] = null
    else if (current[field] !== undefined && dice.chance(0.1)) patch[field] = current[field] as string
    else patch[field] = field === 'name' ? `${dice.pick(NAMES)} ${dice.int(1, 999)}` : field === 'email' ? `billing${dice.int(1, 999)}@example.com` : `${field} ${dice.int(1, 99_999)} ✓`
  }
  const changes: Record<string, string> = {}
  const unset: string[] = []
  // Messages name fields in declaration order (Customer and Vendor declare them alike).
  const order = (ERP_SCHEMA.entities.get('Customer')?.fields ?? []).map((field) => field.name)
  const ordered = Object.entries(patch).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
  for (const [name, value] of ordered) {
    if (value === null) {
      if (current[name] !== undefined) unset.push(name)
    } else if (current[name] !== value) changes[name] = value
  }
  return { patch, changes, unset }
}

/** The agent's patch as edit arguments: the values in `patch`, the fields it clears (null) in `unset`. */
function editArguments(patch: Record<string, string | null>): { patch: Record<string, string>; unset?: string[] } {
  const values = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== null)) as Record<string, string>
  const unset = Object.keys(patch).filter((name) => patch[name] === null)
  return unset.length === 0 ? { patch: values } : { patch: values, unset }
}

function applyPerson(fields: Record<string, string>, patch: Record<string, string | null>): Record<string, string> {
  const next = { ...fields }
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete next[name]
    else next[name] = value
  }
  return next
}

function pickFrom<T>(map: Map<string, T>, filter: (value: T, id: string) => boolean = () => true): [string, T] | undefined {
  const candidates = [...map].filter(([id, value]) => filter(value, id))
  return candidates.length === 0 ? undefined : dice.pick(candidates)
}

// ------------------------------------------------------------------------------------------------ the workload

async function createCustomer(model: TenantModel, writer: TokenIdentity): Promise<string> {
  const args: Record<string, string> = { name: `${dice.pick(NAMES)} ${dice.int(1, 999)}` }
  if (dice.chance(0.5)) args.email = `ap${dice.int(1, 999)}@example.com`
  if (dice.chance(0.3)) args.tenant_id = model.tenant
  const call = await agent.tool(as(writer), 'create_customer', args, [200], { message: (body) => `create Customer ${body.customer.id}` })
  const { tenant_id: _tenant, ...fields } = args
  model.customers.set(call.body.customer.id, { version: call.body.customer.version, fields, invoices: 0 })
  return call.body.customer.id
}

async function editCustomer(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const picked = pickFrom(model.customers)
  if (picked === undefined) return void (await createCustomer(model, writer))
  const [id, customer] = picked
  const roll = dice.float()
  // Now and then the agent re-sends what is already there: nothing changes, so nothing is committed.
  const { patch, changes, unset } = roll > 0.9 ? { patch: { name: customer.fields.name as string }, changes: {}, unset: [] } : personPatch(customer.fields)
  if (roll < 0.15 && model.staleVersions.length > 0) {
    // Someone else's edit got in first: the stale version is refused whole.
    await agent.tool(as(writer), 'edit_customer', { id, ...editArguments(patch), expected_version: dice.pick(model.staleVersions) }, [409], { label: 'edit_customer (stale version)' })
    return
  }
  const args: Record<string, unknown> = { id, ...editArguments(patch) }
  if (roll < 0.45 || roll > 0.95) args.expected_version = customer.version
  const changed = Object.keys(changes).length + unset.length > 0
  const call = await agent.tool(as(writer), 'edit_customer', args, [200], { message: editMessage('Customer', id, changes, unset) })
  expect(call.committed, `call ${call.n}: a commit iff the patch changed something`).toBe(changed)
  if (changed) model.staleVersions.push(customer.version)
  model.customers.set(id, { ...customer, version: call.body.customer.version, fields: applyPerson(customer.fields, patch) })
}

async function deleteCustomer(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const picked = pickFrom(model.customers)
  if (picked === undefined) return
  const [id, customer] = picked
  if (customer.invoices > 0) {
    // Invoices name it: deleting it would leave them pointing at nothing.
    const call = await agent.tool(as(writer), 'delete_customer', { id }, [422], { label: 'delete_customer (referenced)' })
    expect(call.body.error.code).toBe('referenced')
    return
  }
  await agent.tool(as(writer), 'delete_customer', dice.chance(0.5) ? { id, expected_version: customer.version } : { id }, [200], { message: `delete Customer ${id}` })
  model.customers.delete(id)
  model.staleVersions.push(customer.version)
}

async function vendorWork(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const picked = pickFrom(model.vendors)
  const roll = dice.float()
  if (picked === undefined || roll < 0.4) {
    const args = { name: `${dice.pick(NAMES)} Supplies ${dice.int(1, 99)}` }
    const call = await agent.tool(as(writer), 'create_vendor', args, [200], { message: (body) => `create Vendor ${body.vendor.id}` })
    model.vendors.set(call.body.vendor.id, { version: call.body.vendor.version, fields: { ...args } })
  } else if (roll < 0.75) {
    const [id, vendor] = picked
    const { patch, changes, unset } = personPatch(vendor.fields)
    const call = await agent.tool(as(writer), 'edit_vendor', { id, ...editArguments(patch) }, [200], { message: editMessage('Vendor', id, changes, unset) })
    model.vendors.set(id, { version: call.body.vendor.version, fields: applyPerson(vendor.fields, patch) })
  } else {
    const [id] = picked
    await agent.tool(as(writer), 'delete_vendor', { id }, [200], { message: `delete Vendor ${id}` })
    model.vendors.delete(id)
    // Deleted twice: the second finds nothing.
    if (dice.chance(0.3)) await agent.tool(as(writer), 'delete_vendor', { id }, [404], { label: 'delete_vendor (gone)' })
  }
}

async function editAccount(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const [code, account] = dice.pick([...model.accounts])
  const name = `${CHART.find((row) => row.code === code)?.name ?? code} (${dice.pick(['main', 'operating', 'EUR', 'révisé'])})`
  const description = `Edited ${dice.int(1, 999)}`
  const patch: Record<string, string> = dice.chance(0.5) ? { name } : { description }
  const previous = account.name
  const changes: Record<string, string> = { ...patch }
  if ('name' in patch && patch.name === previous) delete changes.name
  const call = await agent.tool(as(writer), 'edit_account', { id: account.id, patch }, [200], { message: editMessage('Account', account.id, changes) })
  model.accounts.set(code, { id: account.id, version: call.body.account.version, name: call.body.account.name })
}

async function createInvoice(model: TenantModel, writer: TokenIdentity): Promise<void> {
  if (dice.chance(0.08)) {
    const call = await agent.tool(as(writer), 'create_invoice_with_lines', { customer_id: newId(), lines: [{ description: 'Ghost work', unit_price: 10 }] }, [422], {
      label: 'create_invoice_with_lines (unknown customer)',
    })
    expect(call.body.error.code).toBe('unknown_reference')
    return
  }
  const customerId = pickFrom(model.customers)?.[0] ?? (await createCustomer(model, writer))
  const lineCount = dice.int(1, 4)
  const lines = Array.from({ length: lineCount }, (_, index) => {
    const line: Record<string, unknown> = { description: `${dice.pick(['Consulting', 'Licence', 'Support', 'Travel', 'Hardware'])} #${index + 1}`, unit_price: cents(BigInt(dice.int(100, 250_000))) }
    if (dice.chance(0.7)) line.qty = dice.pick([1, 2, 3, 0.5, 1.25, '2.3333', 10])
    return line
  })
  if (dice.chance(0.15)) lines.push({ description: 'Loyalty discount', unit_price: cents(-BigInt(dice.int(1, 90))) })
  const args: Record<string, unknown> = { customer_id: customerId, lines, number: `INV-${dice.int(1000, 9999)}` }
  if (dice.chance(0.5)) args.due_date = randomDate()
  const count = lines.length
  const call = await agent.tool(as(writer), 'create_invoice_with_lines', args, [200], { message: `create Invoice with ${count} ${count === 1 ? 'line' : 'lines'}` })
  const invoice = call.body.invoice
  model.invoices.set(invoice.id, { status: 'draft', total: BigInt(Math.round(invoice.total * 100)), paid: 0n, version: invoice.version, customer: customerId })
  const customer = model.customers.get(customerId)
  if (customer !== undefined) customer.invoices += 1
}

const LEGAL: Record<string, string[]> = { draft: ['sent', 'void'], sent: ['paid', 'void'], paid: [], void: [] }

async function changeStatus(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const picked = pickFrom(model.invoices)
  if (picked === undefined) return createInvoice(model, writer)
  const [id, invoice] = picked
  const legal = LEGAL[invoice.status] ?? []
  const roll = dice.float()
  if (roll < 0.2 || legal.length === 0) {
    const illegal = ['draft', 'sent', 'paid', 'void'].filter((status) => !legal.includes(status))
    const call = await agent.tool(as(writer), 'update_invoice_status', { invoice_id: id, status: dice.pick(illegal) }, [422], { label: 'update_invoice_status (illegal)' })
    expect(call.body.error.code).toBe('invalid_transition')
    return
  }
  if (roll < 0.3 && model.staleVersions.length > 0) {
    await agent.tool(as(writer), 'update_invoice_status', { invoice_id: id, status: legal[0], expected_version: dice.pick(model.staleVersions) }, [409], {
      label: 'update_invoice_status (stale version)',
    })
    return
  }
  // Mostly send; void or settle outside the system now and then.
  const status = legal.includes('sent') && dice.chance(0.85) ? 'sent' : dice.pick(legal)
  const call = await agent.tool(as(writer), 'update_invoice_status', { invoice_id: id, status, ...(dice.chance(0.3) ? { expected_version: invoice.version } : {}) }, [200], {
    message: editMessage('Invoice', id, { status }),
  })
  model.staleVersions.push(invoice.version)
  model.invoices.set(id, { ...invoice, status, version: call.body.invoice.version })
}

async function recordPayment(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const open = pickFrom(model.invoices, (invoice) => invoice.status === 'sent' && invoice.paid < invoice.total)
  if (open === undefined || dice.chance(0.1)) {
    const closed = pickFrom(model.invoices, (invoice) => invoice.status !== 'sent')
    if (closed === undefined) return changeStatus(model, writer)
    const call = await agent.tool(as(writer), 'record_payment', { invoice_id: closed[0], amount: 1 }, [422], { label: 'record_payment (not payable)' })
    expect(call.body.error.code).toBe('invoice_not_payable')
    return
  }
  const [id, invoice] = open
  const balance = invoice.total - invoice.paid
  if (dice.chance(0.15)) {
    const call = await agent.tool(as(writer), 'record_payment', { invoice_id: id, amount: cents(balance + 1n) }, [422], { label: 'record_payment (overpayment)' })
    expect(call.body.error.code).toBe('overpayment')
    return
  }
  const amount = dice.chance(0.4) ? balance : BigInt(dice.int(1, Number(balance)))
  const args: Record<string, unknown> = { invoice_id: id, amount: cents(amount), date: randomDate() }
  if (dice.chance(0.5)) args.method = dice.pick(['wire', 'card', 'cash', 'chèque'])
  const call = await agent.tool(as(writer), 'record_payment', args, [200], { message: `record Payment ${formatMoney(amount)} on Invoice ${id.slice(0, 8)}` })
  model.staleVersions.push(invoice.version)
  model.invoices.set(id, { ...invoice, paid: invoice.paid + amount, status: call.body.invoice.status, version: call.body.invoice.version })
  expect(call.body.invoice.status).toBe(invoice.paid + amount === invoice.total ? 'paid' : 'sent')
}

async function postJournal(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const codes = [...model.accounts.keys()]
  const lines: Record<string, unknown>[] = []
  const debits = dice.int(1, 3)
  let sum = 0n
  for (let i = 0; i < debits; i++) {
    const amount = BigInt(dice.int(1, 500_000))
    sum += amount
    lines.push({ account_code: dice.pick(codes), debit: cents(amount), ...(dice.chance(0.3) ? { description: `debit ${i + 1}` } : {}) })
  }
  const roll = dice.float()
  const label = roll < 0.1 ? 'unbalanced' : roll < 0.15 ? 'unknown account' : undefined
  const creditCodes = [dice.pick(codes), dice.pick(codes)]
  if (dice.chance(0.5) && sum > 1n) {
    const first = sum / 2n
    lines.push({ account_code: creditCodes[0], credit: cents(first) }, { account_code: creditCodes[1], credit: cents(sum - first - (label === 'unbalanced' ? 1n : 0n)) })
  } else {
    lines.push({ account_code: creditCodes[0], credit: cents(sum + (label === 'unbalanced' ? 1n : 0n)) })
  }
  if (label === 'unknown account') (lines.at(-1) as Record<string, unknown>).account_code = '9999'
  const args = { date: randomDate(), memo: `${dice.pick(['June rent', 'Licence renewal', 'Owner capital', 'Cash sale', 'Accrual'])} ${dice.int(1, 99)}`, lines }
  if (label !== undefined) {
    const call = await agent.tool(as(writer), 'create_journal_entry', args, [422], { label: `create_journal_entry (${label})` })
    expect(call.body.error.code).toBe(label === 'unbalanced' ? 'unbalanced' : 'unknown_reference')
    return
  }
  const call = await agent.tool(as(writer), 'create_journal_entry', args, [200], { message: `create JournalEntry with ${lines.length} lines` })
  model.entries.set(call.body.journal_entry.id, { date: args.date, reversed: false, reversal: false })
}

async function reverseJournal(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const picked = pickFrom(model.entries)
  if (picked === undefined) return postJournal(model, writer)
  const [id, entry] = picked
  const reversalDate = date(11, dice.int(1, 20))
  if (entry.reversed || entry.reversal) {
    const call = await agent.tool(as(writer), 'reverse_journal_entry', { journal_entry_id: id, date: reversalDate }, [422], { label: 'reverse_journal_entry (refused)' })
    expect(call.body.error.code).toBe(entry.reversed ? 'already_reversed' : 'is_reversal')
    return
  }
  const call = await agent.tool(as(writer), 'reverse_journal_entry', { journal_entry_id: id, date: reversalDate }, [200], { message: `reverse JournalEntry ${id.slice(0, 8)}` })
  entry.reversed = true
  model.entries.set(call.body.journal_entry.id, { date: reversalDate, reversed: false, reversal: true })
}

async function editInvoice(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const picked = pickFrom(model.invoices)
  if (picked === undefined) return createInvoice(model, writer)
  const [id, invoice] = picked
  if (dice.chance(0.2)) {
    // Computed fields belong to the intent tools.
    await agent.tool(as(writer), 'edit_invoice', { id, patch: { total: 1 } }, [400], { label: 'edit_invoice (computed field)' })
    return
  }
  const patch: Record<string, string> = dice.chance(0.5) ? { notes: `Net ${dice.pick([15, 30, 45])} — merci` } : { due_date: randomDate() }
  const call = await agent.tool(as(writer), 'edit_invoice', { id, patch }, [200])
  if (call.committed) call.message = editMessage('Invoice', id, patch)
  if (call.committed) model.staleVersions.push(invoice.version)
  model.invoices.set(id, { ...invoice, version: call.body.invoice.version })
}

async function invalidCall(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const someId = pickFrom(model.customers)?.[0] ?? newId()
  const cases: [string, unknown][] = [
    ['create_customer', {}],
    ['create_customer', { name: 42 }],
    ['create_customer', { name: 'X', colour: 'blue' }],
    ['edit_customer', { id: 'not-a-uuid', patch: { name: 'X' } }],
    ['edit_customer', { id: someId, patch: { created_at: '2020-01-01T00:00:00Z' } }],
    ['create_journal_entry', { date: '2026-02-30', memo: 'Bad day', lines: [] }],
    ['create_journal_entry', { date: '2026-02-03', memo: 'Fractions', lines: [{ account_code: '1000', debit: '1.005' }, { account_code: '4000', credit: '1.005' }] }],
    ['record_payment', { invoice_id: someId, amount: -5 }],
    ['create_invoice_with_lines', { customer_id: someId, lines: [{ description: 'Nothing', unit_price: 1, qty: 0 }] }],
  ]
  const [tool, args] = dice.pick(cases)
  const call = await agent.tool(as(writer), tool, args, [400], { label: `${tool} (invalid)` })
  expect(call.body.error.code).toBe('invalid_input')
}

async function refusedCall(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const other = models.find((candidate) => candidate !== model) as TenantModel
  const roll = dice.int(0, 5)
  if (roll === 0) await agent.tool({ none: true }, 'create_customer', { name: 'Anonymous' }, [401], { label: 'create_customer (no token)' })
  else if (roll === 1) {
    const forged = await stack.token(writer, { secret: 'not-the-secret' })
    await agent.tool({ raw: forged }, 'create_customer', { name: 'Forged' }, [401], { label: 'create_customer (forged token)' })
  } else if (roll === 2) {
    const expired = await stack.token(writer, { expiresInSeconds: 60, now: new Date(Date.now() - 3_600_000) })
    await agent.tool({ raw: expired }, 'create_customer', { name: 'Expired' }, [401], { label: 'create_customer (expired token)' })
  } else if (roll === 3) await agent.tool(as(model.reader), 'create_customer', { name: 'Reader' }, [403], { label: 'create_customer (read scope)' })
  else if (roll === 4) await agent.tool(as(writer), 'create_customer', { name: 'Trespasser', tenant_id: other.tenant }, [403], { label: 'create_customer (other tenant)' })
  else {
    const narrow = { ...writer, sub: `${writer.sub}-narrow`, tools: ['record_payment'] }
    await agent.tool(as(narrow), 'create_customer', { name: 'Narrow' }, [403], { label: 'create_customer (outside allow-list)' })
  }
}

async function readSomething(model: TenantModel, writer: TokenIdentity): Promise<void> {
  const roll = dice.int(0, 5)
  const customer = pickFrom(model.customers)
  const reader = dice.chance(0.5) ? model.reader : writer
  if (roll === 0 && customer !== undefined) {
    const call = await agent.tool(as(reader), 'read_customer', { id: customer[0] }, [200])
    expect(call.body.customer.version).toBe(customer[1].version)
  } else if (roll === 1) {
    await agent.tool(as(reader), 'list_invoices', dice.chance(0.5) ? { where: { status: 'sent' } } : { limit: 5 }, [200])
  } else if (roll === 2) {
    await agent.tool(as(reader), 'trial_balance', { as_of: '2026-12-31' }, [200])
  } else if (roll === 3) {
    await agent.get(as(reader), `/activity?limit=${dice.int(1, 20)}`, [200])
  } else if (roll === 4 && customer !== undefined) {
    await agent.get(as(reader), `/data/${model.tenant}/Customer/${customer[0]}.agi`, [200])
  } else {
    const call = await agent.tool(as(reader), 'read_invoice', { id: newId() }, [404], { label: 'read_invoice (unknown)' })
    expect(call.body.error.code).toBe('not_found')
  }
}

/** Agents racing: parallel edits of one customer, or parallel payments on one invoice. Losers get 409. */
async function burst(model: TenantModel): Promise<void> {
  const writers = model.writers
  const invoice = pickFrom(model.invoices, (candidate) => candidate.status === 'sent' && candidate.total - candidate.paid >= 400n)
  if (invoice !== undefined && dice.chance(0.5)) {
    const [id, before] = invoice
    const amounts = Array.from({ length: 4 }, () => BigInt(dice.int(1, Number((before.total - before.paid) / 4n))))
    const calls = await Promise.all(
      amounts.map((amount, i) =>
        agent.tool(as(writers[i % writers.length] as TokenIdentity), 'record_payment', { invoice_id: id, amount: formatMoney(amount), date: randomDate() }, [200, 409], {
          label: 'record_payment (racing)',
          message: `record Payment ${formatMoney(amount)} on Invoice ${id.slice(0, 8)}`,
        }),
      ),
    )
    const paid = calls.reduce((sum, call, i) => (call.status === 200 ? sum + (amounts[i] as bigint) : sum), 0n)
    for (const call of calls) if (call.status === 409) expect(call.body.error.code).toBe('conflict')
    const read = await agent.tool(as(model.reader), 'read_invoice', { id }, [200])
    expect(BigInt(Math.round(read.body.invoice.amount_paid * 100)), `acknowledged payments on ${id}`).toBe(before.paid + paid)
    model.staleVersions.push(before.version)
    model.invoices.set(id, { ...before, paid: before.paid + paid, status: read.body.invoice.status, version: read.body.invoice.version })
    return
  }
  const customer = pickFrom(model.customers)
  if (customer === undefined) return
  const [id, before] = customer
  const fields = ['email', 'phone', 'address', 'notes']
  const calls = await Promise.all(
    fields.map((field, i) =>
      agent.tool(as(writers[i % writers.length] as TokenIdentity), 'edit_customer', { id, patch: { [field]: `${field} racing ${dice.int(1, 9999)}` } }, [200, 409], { label: 'edit_customer (racing)' }),
    ),
  )
  for (const [i, call] of calls.entries()) {
    if (call.status === 409) expect(call.body.error.code).toBe('conflict')
    else if (call.committed) {
      const field = fields[i] as string
      const value = (call.args as { patch: Record<string, string> }).patch[field] as string
      if (before.fields[field] !== value) call.message = editMessage('Customer', id, { [field]: value })
    }
  }
  const read = await agent.tool(as(model.reader), 'read_customer', { id }, [200])
  const fresh: Record<string, string> = {}
  for (const field of PERSON_FIELDS) if (typeof read.body.customer[field] === 'string') fresh[field] = read.body.customer[field]
  // Each acknowledged edit landed: its field holds its value.
  for (const [i, call] of calls.entries()) {
    if (call.status === 200) expect(fresh[fields[i] as string]).toBe((call.args as { patch: Record<string, string> }).patch[fields[i] as string])
  }
  model.staleVersions.push(before.version)
  model.customers.set(id, { ...before, version: read.body.customer.version, fields: fresh })
}

const WEIGHTS = {
  createCustomer: 9,
  editCustomer: 9,
  deleteCustomer: 4,
  vendorWork: 5,
  editAccount: 2,
  createInvoice: 9,
  changeStatus: 7,
  recordPayment: 8,
  postJournal: 8,
  reverseJournal: 4,
  editInvoice: 3,
  invalidCall: 4,
  refusedCall: 4,
  readSomething: 7,
  burst: 2,
}

async function step(): Promise<void> {
  const model = dice.chance(0.7) ? (models[0] as TenantModel) : (models[1] as TenantModel)
  const writer = dice.pick(model.writers)
  switch (dice.weighted(WEIGHTS)) {
    case 'createCustomer':
      return void (await createCustomer(model, writer))
    case 'editCustomer':
      return editCustomer(model, writer)
    case 'deleteCustomer':
      return deleteCustomer(model, writer)
    case 'vendorWork':
      return vendorWork(model, writer)
    case 'editAccount':
      return editAccount(model, writer)
    case 'createInvoice':
      return createInvoice(model, writer)
    case 'changeStatus':
      return changeStatus(model, writer)
    case 'recordPayment':
      return recordPayment(model, writer)
    case 'postJournal':
      return postJournal(model, writer)
    case 'reverseJournal':
      return reverseJournal(model, writer)
    case 'editInvoice':
      return editInvoice(model, writer)
    case 'invalidCall':
      return invalidCall(model, writer)
    case 'refusedCall':
      return refusedCall(model, writer)
    case 'readSomething':
      return readSomething(model, writer)
    case 'burst':
      return burst(model)
  }
}

async function openBooks(model: TenantModel): Promise<void> {
  const writer = model.writers[0] as TokenIdentity
  for (const row of CHART) {
    const call = await agent.tool(as(writer), 'create_account', row, [200], { message: (body) => `create Account ${body.account.id}` })
    model.accounts.set(row.code, { id: call.body.account.id, version: call.body.account.version, name: row.name })
  }
}

// ------------------------------------------------------------------------------------------------ the audit

const RECORD_KEYS: Record<string, string> = { customer: 'Customer', vendor: 'Vendor', account: 'Account', invoice: 'Invoice', payment: 'Payment', journal_entry: 'JournalEntry', reversed_journal_entry: 'JournalEntry' }

interface ExpectedFile {
  path: string
  op: 'put' | 'delete'
  /** The record as the answer showed it (id and fields, without version). */
  record?: Record<string, unknown>
  entity?: string
}

/** The files a write's commit must change, read off its answer. */
function expectedFiles(call: CallRecord): ExpectedFile[] {
  const tenant = (call.identity as TokenIdentity).tenant
  const files: ExpectedFile[] = []
  const add = (entity: string, record: Record<string, unknown>) => {
    const { version: _version, ...fields } = record
    files.push({ path: `data/${tenant}/${entity}/${String(record.id)}.agi`, op: 'put', record: fields, entity })
  }
  for (const [key, value] of Object.entries(call.body as Record<string, unknown>)) {
    if (key === 'deleted') {
      const { entity, id } = value as { entity: string; id: string }
      files.push({ path: `data/${tenant}/${entity}/${id}.agi`, op: 'delete' })
    } else if (key === 'lines') {
      const entity = call.tool === 'create_invoice_with_lines' ? 'InvoiceLineItem' : 'JournalLine'
      for (const line of value as Record<string, unknown>[]) add(entity, line)
    } else if (RECORD_KEYS[key] !== undefined) add(RECORD_KEYS[key], value as Record<string, unknown>)
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1))
}

async function bucketFiles(prefix: string): Promise<Map<string, { text: string; version: string }>> {
  const listed: { key: string; version: string }[] = []
  for await (const object of stack.s3.listAll(prefix)) listed.push({ key: object.key, version: object.version })
  const stored = await stack.s3.getMany(listed.map((object) => object.key))
  return new Map(listed.map((object, index) => [object.key, { text: (stored[index] as { text: string }).text, version: object.version }]))
}

function parseAll(files: Map<string, string>): AgiRecord[] {
  return [...files].map(([path, text]) => {
    const { entity, id } = parseRecordKey(ERP_SCHEMA, path)
    return parseRecord(text, ERP_SCHEMA, { file: path, expect: { entity, id } }).record
  })
}

/** The trial balance recomputed from `.agi` records with the tool's own function, shaped like its answer. */
function recomputeTrialBalance(records: AgiRecord[], tenant: string, asOf: string) {
  return trialBalanceAnswer(ledgerTrialBalance(records.filter((record) => textField(record, 'tenant_id') === tenant), asOf))
}

async function sync() {
  return runSync({ objects: stack.s3, git: repos.work, branch: 'main', repository: 'https://github.com/acme/books', pushRetry: { attempts: 4, baseMs: 1, maxMs: 4 } })
}

/** Intent clean-up runs after the answer (`waitUntil`); wait for it before comparing trees. */
async function settled(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const page = await stack.s3.list({ prefix: 'intents/', limit: 1 })
    if (page.objects.length === 0) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('intents still open after 5 s')
}

describe('end to end: HTTP tool calls in, commits out', () => {
  it(`a seeded workload of ≥ ${MIN_CALLS} calls: every acknowledged write is exactly its commit, nothing else is`, async () => {
    for (const model of models) await openBooks(model)
    let midSync: Awaited<ReturnType<typeof sync>> | undefined
    while (agent.calls.length < MIN_CALLS) {
      await step()
      // Halfway, the Action runs once: later writes then sync on top of an already-synced history.
      if (midSync === undefined && agent.calls.length >= MIN_CALLS / 2) {
        await settled()
        midSync = await sync()
      }
    }
    await settled()
    const pendingBefore = await agent.get(as(models[0]!.reader), '/activity?limit=100', [200])
    expect(pendingBefore.body.entries.some((entry: { status: string }) => entry.status === 'pending')).toBe(true)
    const finalSync = await sync()
    expect(finalSync.quarantined).toEqual([])
    expect(midSync?.quarantined).toEqual([])

    const calls = agent.calls
    const writes = calls.filter((call) => call.tool !== undefined && isWriteTool(call.tool))
    const acknowledged = writes.filter((call) => call.committed)
    const rejected = calls.filter((call) => call.status >= 400)
    const statusCounts: Record<number, number> = {}
    for (const call of calls) statusCounts[call.status] = (statusCounts[call.status] ?? 0) + 1

    // ---- every acknowledged write ↔ exactly one commit; nothing else was committed
    const commits = (await auditCommits(repos.origin)).slice(1)
    const byOid = new Map<string, AuditedCommit>()
    for (const commit of commits) {
      expect(commit.entries, `commit ${commit.sha} carries one entry`).toHaveLength(1)
      const oid = commit.entries[0] as string
      expect(byOid.has(oid), `entry ${oid} committed twice`).toBe(false)
      byOid.set(oid, commit)
      expect(commit.parents).toHaveLength(1)
    }
    expect(commits.length, 'one commit per acknowledged write, none for anything else').toBe(acknowledged.length)
    expect(new Set(acknowledged.map((call) => call.body.commit.oid as string))).toEqual(new Set(byOid.keys()))

    const contentSpecs: string[] = []
    const contentChecks: { call: CallRecord; file: ExpectedFile }[] = []
    for (const call of acknowledged) {
      const identity = call.identity as TokenIdentity
      const commit = byOid.get(call.body.commit.oid) as AuditedCommit
      const where = `call ${call.n} (${call.label}) → ${commit.sha.slice(0, 12)}`
      expect(commit.authorName, where).toBe(identity.name)
      expect(commit.authorEmail, where).toBe(identity.email)
      expect(commit.committerName, where).toBe('accelerando-syncer')
      expect(commit.tenants, where).toEqual([identity.tenant])
      expect(commit.authorTime, where).toBeGreaterThanOrEqual(Math.floor(call.startedMs / 1000) - 1)
      expect(commit.authorTime, where).toBeLessThanOrEqual(Math.ceil(call.endedMs / 1000))
      expect(call.message, `${where}: the workload knows its message`).toBeDefined()
      expect(commit.body, where).toBe(call.message)
      const files = expectedFiles(call)
      expect(
        commit.files.map((file) => `${file.status === 'D' ? 'delete' : 'put'} ${recordKeyOfGitPath(file.path)}`).sort(),
        where,
      ).toEqual(files.map((file) => `${file.op} ${file.path}`))
      if (call.tool?.startsWith('create_')) {
        const primary = files.find((file) => file.entity !== undefined && call.body[file.entity === 'JournalEntry' ? 'journal_entry' : file.entity.toLowerCase()] !== undefined)
        expect(commit.files.find((file) => primary !== undefined && file.path === gitPathOfRecordKey(primary.path))?.status, `${where}: a create adds its file`).toBe('A')
      }
      for (const file of files) {
        if (file.op !== 'put') continue
        contentSpecs.push(`${commit.sha}:${gitPathOfRecordKey(file.path)}`)
        contentChecks.push({ call, file })
      }
    }
    // Each committed file is the record the answer showed.
    const contents = await catFiles(repos.origin, contentSpecs)
    contentChecks.forEach(({ call, file }, index) => {
      const text = contents[index] as string
      const record = parseRecord(text, ERP_SCHEMA, { file: file.path }).record
      const spec = ERP_SCHEMA.entities.get(file.entity as string)!
      expect(recordToJson(spec, record), `call ${call.n} (${call.label}): ${file.path}`).toEqual(file.record)
    })

    // ---- the bucket's data/ equals the branch's data/, byte for byte; versions are the last ones answered
    const bucket = await bucketFiles('data/')
    const tree = await treeFiles(repos.origin, 'refs/heads/main')
    expect([...tree.keys()].sort()).toEqual([...bucket.keys()].sort())
    for (const [path, { text }] of bucket) expect(tree.get(path), path).toBe(text)
    const lastVersion = new Map<string, string>()
    for (const call of calls) {
      if (call.status !== 200 || call.tool === undefined) continue
      for (const file of expectedFiles(call)) {
        const version = (file.record === undefined ? undefined : findVersion(call.body, file.record.id as string)) ?? undefined
        if (file.op === 'delete') lastVersion.delete(file.path)
        else if (version !== undefined) lastVersion.set(file.path, version)
      }
    }
    for (const [path, version] of lastVersion) expect(bucket.get(path)?.version, `version of ${path}`).toBe(version)
    expect(await stack.s3.list({ prefix: 'commits/' })).toEqual({ objects: [] })
    expect(await stack.s3.list({ prefix: 'intents/' })).toEqual({ objects: [] })

    // ---- the books: the API's trial balance is the one the .agi files in git add up to
    const records = parseAll(tree)
    expect(checkBooks(records)).toEqual([])
    for (const model of models) {
      for (const asOf of ['2026-06-15', '2026-12-31']) {
        const answered = await agent.tool(as(model.reader), 'trial_balance', { as_of: asOf }, [200])
        expect(answered.body, `${model.tenant} as of ${asOf}`).toEqual(recomputeTrialBalance(records, model.tenant, asOf))
        expect(answered.body.totals.debit).toBe(answered.body.totals.credit)
      }
      expect(recomputeTrialBalance(records, model.tenant, '2026-12-31').accounts.length).toBeGreaterThan(0)
    }

    // ---- the activity feed shows every acknowledged write as synced, with its commit
    for (const model of models) {
      const feed = new Map<string, { status: string; commit_sha?: string }>()
      let cursor: string | null = null
      do {
        const page: CallRecord = await agent.get(as(model.reader), `/activity?limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, [200])
        for (const entry of page.body.entries) feed.set(entry.oid, entry)
        cursor = page.body.next_cursor
      } while (cursor !== null)
      const mine = acknowledged.filter((call) => (call.identity as TokenIdentity).tenant === model.tenant)
      expect(feed.size).toBe(mine.length)
      for (const call of mine) {
        const oid = call.body.commit.oid as string
        expect(feed.get(oid), `activity of ${oid}`).toMatchObject({ status: 'synced', commit_sha: byOid.get(oid)?.sha })
      }
    }

    const report = {
      seed: SEED,
      calls: calls.length,
      writes: writes.length,
      acknowledgedWithCommit: acknowledged.length,
      acknowledgedNoChange: writes.filter((call) => call.status === 200 && !call.committed).length,
      rejected: rejected.length,
      statuses: statusCounts,
      commits: commits.length,
      filesCompared: bucket.size,
      syncs: [midSync?.commits.length, finalSync.commits.length],
    }
    console.log(`[invariants] end-to-end report: ${JSON.stringify(report)}`)
    expect(calls.length).toBeGreaterThanOrEqual(MIN_CALLS)
    for (const status of [400, 401, 403, 404, 409, 422]) expect(statusCounts[status] ?? 0, `some calls answered ${status}`).toBeGreaterThan(0)
  }, 300_000)
})

/** The `version` of the record with `id` anywhere in an answer. */
function findVersion(body: unknown, id: string): string | undefined {
  if (Array.isArray(body)) {
    for (const item of body) {
      const found = findVersion(item, id)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (typeof body !== 'object' || body === null) return undefined
  const record = body as Record<string, unknown>
  if (record.id === id && typeof record.version === 'string') return record.version
  for (const value of Object.values(record)) {
    const found = findVersion(value, id)
    if (found !== undefined) return found
  }
  return undefined
}
