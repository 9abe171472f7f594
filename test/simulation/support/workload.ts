import { nextInvoiceStatuses } from '../../../shared/domain/index.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import type { Dice } from '../../support/seeded.ts'
import { SIM_TOOLS, type SimToolName } from './tools.ts'
import type { KnownRecord, World } from './world.ts'

/** A tool call a client is about to make. */
export interface PlannedCall {
  tool: SimToolName
  args: Record<string, unknown>
  /** Sent as `Idempotency-Key` (write tools only). */
  idempotencyKey?: string
  readEntity?: string
}

/** How often each call is made, relative to the others. Collisions come from a few records and many writers. */
const MIX: Readonly<Record<SimToolName, number>> = {
  createCustomer: 4,
  editCustomer: 9,
  deleteCustomer: 6,
  readCustomer: 5,
  listCustomers: 7,
  createInvoiceWithLines: 8,
  editInvoice: 3,
  updateInvoiceStatus: 5,
  recordPayment: 4,
  listInvoices: 8,
  createAccount: 1,
  editAccount: 2,
  createJournalEntry: 6,
}

const NAMES = ['Ada Ltd', 'Bo plc', 'Cy & Co', 'Dee GmbH', 'Eve SA']
const WORDS = ['net 30', 'urgent', 'called', 'vip', 'late payer', 'new address']
const CODES = ['1000', '1100', '2000', '4000', '5000', '6000']
const ACCOUNT_TYPES = ERP_SCHEMA.entities.get('Account')?.fields.find((field) => field.name === 'type')?.oneOf ?? []

/** The calls that give every schedule a small world to fight over: customers, a sent invoice, two accounts. */
export function setupCalls(world: World): PlannedCall | null {
  const customers = world.known('Customer')
  if (customers.length < 3) return { tool: 'createCustomer', args: { name: NAMES[customers.length] as string } }
  const accounts = world.known('Account')
  if (accounts.length < 2) return { tool: 'createAccount', args: { code: accounts.length === 0 ? '1000' : '4000', name: accounts.length === 0 ? 'Cash' : 'Sales', type: accounts.length === 0 ? 'asset' : 'income' } }
  const invoices = world.known('Invoice')
  const first = customers[0] as KnownRecord
  if (invoices.length === 0) return { tool: 'createInvoiceWithLines', args: { customer_id: first.id, lines: [{ description: 'Setup', unit_price: 40 }] } }
  const invoice = invoices[0] as KnownRecord
  if (invoice.fields.status === 'draft') return { tool: 'updateInvoiceStatus', args: { invoice_id: invoice.id, status: 'sent' } }
  return null
}

/** A random, valid call aimed at the records the clients know, so that calls collide. */
export function nextCall(world: World, dice: Dice): PlannedCall {
  for (;;) {
    const planned = plan(dice.weighted(MIX), world, dice)
    if (planned !== null) return planned
  }
}

function plan(tool: SimToolName, world: World, dice: Dice): PlannedCall | null {
  const customer = () => pickKnown(world, 'Customer', dice, 0.15)
  const invoice = () => pickKnown(world, 'Invoice', dice, 0)
  const versionOf = (record: KnownRecord, p: number) => (record.version !== undefined && dice.chance(p) ? { expected_version: record.version } : {})
  switch (tool) {
    case 'createCustomer':
      return { tool, args: { name: dice.pick(NAMES), ...(dice.chance(0.5) ? { email: `${dice.pick(['ap', 'billing', 'ceo'])}@example.com` } : {}) } }
    case 'editCustomer': {
      const target = customer()
      if (target === undefined) return null
      const change = dice.pick([
        { patch: { notes: dice.pick(WORDS) } },
        { patch: { email: `${dice.pick(['a', 'b', 'c'])}@example.com` } },
        { patch: {}, unset: ['phone'] },
        { patch: { name: dice.pick(NAMES) } },
      ])
      return { tool, args: { id: target.id, ...change, ...versionOf(target, 0.4) } }
    }
    case 'deleteCustomer': {
      const target = customer()
      return target === undefined ? null : { tool, args: { id: target.id, ...versionOf(target, 0.2) } }
    }
    case 'readCustomer': {
      const target = pickKnown(world, 'Customer', dice, 0.3)
      return target === undefined ? null : { tool, args: { id: target.id }, readEntity: 'Customer' }
    }
    case 'listCustomers':
      return { tool, args: dice.chance(0.3) ? { where: { email: `${dice.pick(['ap', 'billing', 'ceo', 'a', 'b', 'c'])}@example.com` } } : {} }
    case 'createInvoiceWithLines': {
      const target = pickKnown(world, 'Customer', dice, 0.35)
      if (target === undefined) return null
      const lines = Array.from({ length: dice.int(1, 2) }, () => ({ description: dice.pick(['Work', 'Setup', 'Travel']), ...(dice.chance(0.5) ? { qty: dice.int(1, 3) } : {}), unit_price: dice.int(10, 60) }))
      return { tool, args: { customer_id: target.id, lines } }
    }
    case 'editInvoice': {
      const target = invoice()
      if (target === undefined) return null
      const patch = dice.chance(0.5) ? { notes: dice.pick(WORDS) } : { due_date: `2026-07-${String(dice.int(10, 28))}` }
      return { tool, args: { id: target.id, patch, ...versionOf(target, 0.2) } }
    }
    case 'updateInvoiceStatus': {
      const target = invoice()
      if (target === undefined) return null
      const allowed = nextInvoiceStatuses(String(target.fields.status ?? 'draft'))
      const status = allowed.length > 0 && dice.chance(0.85) ? dice.pick(allowed) : dice.pick(['sent', 'paid', 'void'])
      return { tool, args: { invoice_id: target.id, status, ...versionOf(target, 0.2) } }
    }
    case 'recordPayment': {
      const target = invoice()
      return target === undefined ? null : { tool, args: { invoice_id: target.id, amount: dice.pick(['5.00', '10.00', '25.00']), date: '2026-06-30' } }
    }
    case 'listInvoices': {
      const target = dice.chance(0.3) ? pickKnown(world, 'Customer', dice, 0.2) : undefined
      if (target === undefined && dice.chance(0.3)) return { tool, args: { where: { status: dice.pick(['draft', 'sent', 'paid', 'void']) } } }
      return { tool, args: target === undefined ? {} : { where: { customer_id: target.id } } }
    }
    case 'createAccount':
      return { tool, args: { code: dice.pick(CODES), name: dice.pick(['Cash', 'Bank', 'Sales', 'Rent']), type: dice.pick(ACCOUNT_TYPES) } }
    case 'editAccount': {
      const target = pickKnown(world, 'Account', dice, 0)
      if (target === undefined) return null
      return { tool, args: { id: target.id, patch: dice.chance(0.8) ? { name: dice.pick(['Cash', 'Bank', 'Sales', 'Rent']) } : { code: dice.pick(CODES) } } }
    }
    case 'createJournalEntry': {
      const codes = [...new Set(world.known('Account').map((account) => String(account.fields.code)))]
      if (codes.length < 2) return null
      const debit = dice.pick(codes)
      const credit = dice.pick(codes.filter((code) => code !== debit))
      const amount = `${dice.int(1, 99)}.00`
      return { tool, args: { date: dice.pick(['2026-04-30', '2026-05-15', '2026-06-01', '2026-06-30']), memo: dice.pick(['Cash sale', 'Rent', 'Fees']), lines: [{ account_code: debit, debit: amount }, { account_code: credit, credit: amount }] } }
    }
  }
}

/** A known record; with probability `deleted`, one the clients believe deleted (a race or a refusal). */
function pickKnown(world: World, entity: string, dice: Dice, deleted: number): KnownRecord | undefined {
  const live = world.known(entity)
  const gone = world.known(entity, { withDeleted: true }).filter((record) => record.deleted)
  if (gone.length > 0 && (live.length === 0 || dice.chance(deleted))) return dice.pick(gone)
  return live.length === 0 ? undefined : dice.pick(live)
}

/** Whether the tool writes (and so may carry an `Idempotency-Key`). */
export function writes(tool: SimToolName): boolean {
  return SIM_TOOLS[tool].access === 'write'
}
