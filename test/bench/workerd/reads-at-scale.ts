/**
 * Reads at scale: what the reporting and filtered-list tools cost over big books — 100,000 journal lines and 20,000
 * invoices over 200 customers (a `--quick` run scales them down). The chart and the customers are written through the
 * store's transactions, the journal and the invoices planted with the store's own serializer, keys and metadata
 * (plant-records.ts), all as an hour ago so readers trust them without confirming; then every index is marked
 * complete and the ledger summary built, as `verify --repair` does after a rebuild, and a few entries posted through
 * the tools that the summary does not hold yet. Each call goes through `createApp` over a `CountingObjectStore` (storage calls and sequential round
 * trips before the answer) while the heap sampler (heap-sampler.ts) watches the isolate's heap. The isolate is warm:
 * one filtered list ran first, so the index markers are known (a cold isolate pays one GET per index once).
 */
import { indexedFields, type FieldValue } from '../../../shared/agi/types.ts'
import { GitStore, writeIndexMarker } from '../../../shared/git-store/index.ts'
import { foldLedger, ledgerAccess } from '../../../shared/ledger/ledger-summary.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import { env } from 'cloudflare:workers'
import { R2ObjectStore } from '../../../worker/r2-object-store.ts'
import { benchScale, countingApp, emit, production, SETTLED_AGE_MS, settledStore, toolRequest, type Counted } from './bench-support.ts'
import { plantedRecord, plantRecords } from './plant-records.ts'
import type { HeapFigures } from './heap-sampler.ts'

export interface ReadsScale {
  readsLines: number
  readsInvoices: number
  readsCustomers: number
}

const DEFAULT_SCALE: ReadsScale = { readsLines: 100_000, readsInvoices: 20_000, readsCustomers: 200 }
const TENANT = 'scale'
const ACCOUNTS = 50
const LINES_PER_ENTRY = 10
const ENTRIES_PER_CHUNK = 500
const INVOICES_PER_CHUNK = 5000
/** Entries (two lines each) posted just before the reads: lines the ledger summary does not hold yet. */
const RECENT_ENTRIES = 20
/** Customers with no invoice at all, for `delete_customer` when nothing refers to the customer. */
const UNREFERENCED_CUSTOMERS = 3
const AS_OF = '2026-12-31'
const DAY_MS = 86_400_000

const dayBefore = (days: number) => new Date(Date.parse(`${AS_OF}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10)
const accountCode = (index: number) => String(1000 + index * 10)

interface Measured {
  status: number
  /** GET + PUT + DELETE + LIST before the answer. */
  calls: number
  get: number
  put: number
  list: number
  roundTrips: number
  heap: HeapFigures | null
  body: any
}

/** One tool call, counted and with the heap watched; `expect` is the status it must answer. */
async function measure(call: (request: Request) => Promise<Counted>, label: string, tool: string, args: unknown, expect = 200): Promise<Measured> {
  const request = await toolRequest(TENANT, tool, args)
  const { value: counted, heap } = await withHeap(label, () => call(request))
  if (counted.status !== expect) throw new Error(`${tool} answered ${counted.status} (expected ${expect}): ${JSON.stringify(counted.body).slice(0, 500)}`)
  const { get, put, list } = counted.atAnswer
  return { status: counted.status, calls: get + put + list + counted.atAnswer.delete, get, put, list, roundTrips: counted.atAnswer.finishedRoundTrips, heap, body: counted.body }
}

/** Without the body, for the report. */
function figures(measured: Measured, extra: Record<string, unknown> = {}) {
  const { body: _, ...rest } = measured
  return { ...rest, ...extra }
}

/**
 * Runs `fn` while the Node side samples the heap, if it listens (`npm run bench` starts vitest with `--inspect`); the
 * figures come back through a global the sampler sets. Without a sampler, the heap is null after a short wait.
 */
let noSampler = false

async function withHeap<T>(label: string, fn: () => Promise<T>): Promise<{ value: T; heap: HeapFigures | null }> {
  const shared = globalThis as { __benchHeap?: HeapFigures }
  const current = (): HeapFigures | undefined => shared.__benchHeap
  shared.__benchHeap = undefined
  console.log(`BENCH_HEAP begin ${label}`)
  const measuring = !noSampler && (await until(() => current()?.label === label, 10_000))
  // Nobody listens (vitest run without the bench's --inspect): no heap figures, and no more waiting for them.
  noSampler = !measuring
  const value = await fn()
  if (!measuring) return { value, heap: null }
  console.log(`BENCH_HEAP end ${label}`)
  const done = await until(() => current()?.label === label && current()?.state === 'done', 60_000)
  return { value, heap: done ? (current() ?? null) : null }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return true
}

/** Every page of a paged tool, counted; the figures of the first page and of all of them. */
async function allPages(call: (request: Request) => Promise<Counted>, label: string, tool: string, args: Record<string, unknown>, rows: (body: any) => number) {
  const pages: Measured[] = []
  let cursor: string | null = null
  do {
    const page: Measured = await measure(call, `${label}-${pages.length + 1}`, tool, cursor === null ? args : { ...args, cursor })
    pages.push(page)
    cursor = page.body.next_cursor as string | null
  } while (cursor !== null && pages.length < 10_000)
  const sum = (pick: (page: Measured) => number) => pages.reduce((total, page) => total + pick(page), 0)
  return {
    pages: pages.length,
    rows: sum((page) => rows(page.body)),
    calls: sum((page) => page.calls),
    get: sum((page) => page.get),
    list: sum((page) => page.list),
    roundTrips: sum((page) => page.roundTrips),
    maxCallsPerPage: Math.max(...pages.map((page) => page.calls)),
    maxRoundTripsPerPage: Math.max(...pages.map((page) => page.roundTrips)),
    maxHeapPeakBytes: pages.some((page) => page.heap === null) ? null : Math.max(...pages.map((page) => (page.heap as HeapFigures).peakBytes - (page.heap as HeapFigures).baselineBytes)),
    first: figures(pages[0] as Measured, { rows: rows((pages[0] as Measured).body) }),
  }
}

interface Seeded {
  customers: string[]
  unreferenced: string[]
  /** Invoices per customer, and how many are open (sent with something left to pay). */
  invoicesPerCustomer: Map<string, number>
  openInvoices: number
  ledgerAccount: string
  seedMs: number
  /** Objects planted: records and their index entries. */
  planted: number
}

/** The books (settled: written an hour ago), then every index marked complete. */
async function seedBooks(scale: ReadsScale): Promise<Seeded> {
  const started = performance.now()
  const store = settledStore(TENANT)
  const lineSpec = ERP_SCHEMA.entities.get('JournalLine')
  // A JournalLine `date` (the entry's, copied to each line) is written when the schema declares one.
  const linesCarryDate = lineSpec?.fields.some((field) => field.name === 'date') === true
  const types = ['asset', 'liability', 'equity', 'income', 'expense']
  await store.transaction(
    'seed the chart of accounts',
    async (tx) => {
      for (let i = 0; i < ACCOUNTS; i++) tx.create('Account', { code: accountCode(i), name: `Account ${i}`, type: types[i % types.length] as string })
    },
    { enforceCrud: false },
  )
  const customers: string[] = []
  const unreferenced: string[] = []
  const customerBatches = Math.ceil((scale.readsCustomers + UNREFERENCED_CUSTOMERS) / 50)
  for (let batch = 0; batch < customerBatches; batch++) {
    const result = await store.transaction(
      'seed customers',
      async (tx) => {
        const ids: string[] = []
        for (let i = batch * 50; i < Math.min((batch + 1) * 50, scale.readsCustomers + UNREFERENCED_CUSTOMERS); i++) ids.push(tx.create('Customer', { name: `Customer ${i}`, email: `customer${i}@scale.example` }).id)
        return ids
      },
      { enforceCrud: false },
    )
    for (const id of result.value) (customers.length < scale.readsCustomers ? customers : unreferenced).push(id)
  }

  // Journal entries of ten lines (five debits, five credits, balanced), dated over the last two years, and invoices,
  // planted chunk by chunk (plant-records.ts) so the seed never holds all of them at once.
  const objects = new R2ObjectStore(env.BUCKET)
  const at = new Date(Date.now() - SETTLED_AGE_MS)
  const entries = Math.ceil(scale.readsLines / LINES_PER_ENTRY)
  let planted = 0
  for (let first = 0; first < entries; first += ENTRIES_PER_CHUNK) {
    const records = []
    for (let e = first; e < Math.min(first + ENTRIES_PER_CHUNK, entries); e++) {
      const date = dayBefore(e % 730)
      const entry = plantedRecord(TENANT, 'JournalEntry', { date, memo: `Entry ${e}` }, at)
      records.push(entry)
      for (let position = 1; position <= LINES_PER_ENTRY; position++) {
        const debit = position <= LINES_PER_ENTRY / 2
        // Each debit line's amount is matched by the credit line five positions on.
        const amount = BigInt(1000 + ((e * 7 + (debit ? position : position - LINES_PER_ENTRY / 2)) % 50) * 100)
        const fields: Record<string, FieldValue> = {
          journal_entry_id: entry.id,
          position,
          account_code: accountCode((e * LINES_PER_ENTRY + position) % ACCOUNTS),
          debit: debit ? amount : 0n,
          credit: debit ? 0n : amount,
        }
        if (linesCarryDate) fields.date = date
        records.push(plantedRecord(TENANT, 'JournalLine', fields, at))
      }
    }
    planted += await plantRecords(objects, TENANT, records, at)
  }

  // Invoices, to each customer in turn: 70 % paid, 5 % void, 5 % draft, 20 % sent (a quarter of those part paid).
  const invoicesPerCustomer = new Map<string, number>()
  let openInvoices = 0
  const invoice = (i: number): Record<string, FieldValue> => {
    const customerId = customers[i % customers.length] as string
    invoicesPerCustomer.set(customerId, (invoicesPerCustomer.get(customerId) ?? 0) + 1)
    // Each customer's invoices take the statuses in turn, from a different start per customer: all customers owe some.
    const kind = (i + Math.floor(i / customers.length)) % 20
    const status = kind < 14 ? 'paid' : kind === 14 ? 'void' : kind === 15 ? 'draft' : 'sent'
    const total = BigInt(10_000 + (i % 97) * 250)
    const paid = status === 'paid' ? total : status === 'sent' && kind === 19 ? total / 2n : 0n
    if (status === 'sent') openInvoices += 1
    const issued = (i * 7) % 200
    return { customer_id: customerId, number: `INV-${i}`, status, currency: 'USD', total, amount_paid: paid, issue_date: dayBefore(issued), due_date: dayBefore(issued - 30) }
  }
  for (let first = 0; first < scale.readsInvoices; first += INVOICES_PER_CHUNK) {
    const records = []
    for (let i = first; i < Math.min(first + INVOICES_PER_CHUNK, scale.readsInvoices); i++) records.push(plantedRecord(TENANT, 'Invoice', invoice(i), at))
    planted += await plantRecords(objects, TENANT, records, at)
  }

  for (const spec of ERP_SCHEMA.entities.values()) for (const field of indexedFields(spec)) await writeIndexMarker(objects, ERP_SCHEMA, spec.name, field.name, new Date())
  // The ledger summary of every planted line, as `verify --repair` builds it on a bucket that has none (the fold
  // holds back lines younger than ten minutes, so its store runs on the real clock).
  const now = new GitStore({ objects, schema: ERP_SCHEMA, tenant: TENANT, author: { name: 'Seeder', email: 'seed@acme.example' } })
  for (let folded = 1; folded > 0; ) folded = (await foldLedger(ledgerAccess(now), { maxLines: Number.MAX_SAFE_INTEGER })).folded
  // Then the last minutes' postings, which no fold may hold yet: every read adds them up one by one.
  for (let e = 0; e < RECENT_ENTRIES; e++) {
    const lines = [
      { account_code: accountCode(e % ACCOUNTS), debit: 125 },
      { account_code: accountCode((e + 1) % ACCOUNTS), credit: 125 },
    ]
    const posted = await production(await toolRequest(TENANT, 'create_journal_entry', { date: AS_OF, memo: `Recent ${e}`, lines }))
    if (posted.status !== 200) throw new Error(`create_journal_entry answered ${posted.status}: ${JSON.stringify(posted.body).slice(0, 300)}`)
  }
  return { customers, unreferenced, invoicesPerCustomer, openInvoices, ledgerAccount: accountCode(7), seedMs: performance.now() - started, planted }
}

/** The section: seeds, measures every read, emits `readsAtScale`. Fails loudly when a tool it measures is missing. */
export async function readsAtScale(): Promise<void> {
  const scale = benchScale(DEFAULT_SCALE)
  const seeded = await seedBooks(scale)
  const call = countingApp()
  const busiest = seeded.customers[0] as string
  // Warm the isolate: the index markers are then known, as in any isolate after its first filtered lists.
  await call(await toolRequest(TENANT, 'list_invoices', { where: { status: 'sent' }, limit: 1 }))
  await call(await toolRequest(TENANT, 'list_invoices', { where: { customer_id: busiest }, limit: 1 }))

  const matches = seeded.invoicesPerCustomer.get(busiest) ?? 0
  const trialBalance = await measure(call, 'trial_balance', 'trial_balance', { as_of: AS_OF })
  const ledgerArgs = { account_code: seeded.ledgerAccount, from: dayBefore(364), to: AS_OF, limit: 100 }
  const ledgerRequest = await toolRequest(TENANT, 'account_ledger', ledgerArgs)
  const ledgerCounted = await call(ledgerRequest)
  const ledgerMissing = ledgerCounted.status === 404 && String(ledgerCounted.body?.error?.message).startsWith('no tool')
  const ledger = ledgerMissing ? null : await measure(call, 'account_ledger', 'account_ledger', ledgerArgs)
  const aged = await allPages(call, 'aged_receivables', 'aged_receivables', { as_of: AS_OF, limit: 100 }, (body) => body.customers.length)
  const agedFirst = await measure(call, 'aged_receivables-first', 'aged_receivables', { as_of: AS_OF, limit: 100 })
  const openSeen = (agedFirst.body.totals as { open_invoices: number }[]).reduce((sum, total) => sum + total.open_invoices, 0)
  const byCustomerFirst = await measure(call, 'list_invoices-customer', 'list_invoices', { where: { customer_id: busiest } })
  const byCustomerAll = await allPages(call, 'list_invoices-customer-all', 'list_invoices', { where: { customer_id: busiest } }, (body) => body.invoices.length)
  const byStatus = await measure(call, 'list_invoices-status', 'list_invoices', { where: { status: 'sent' } })
  const deleteReferenced = await measure(call, 'delete_customer-referenced', 'delete_customer', { id: busiest }, 422)
  const deleteFree = await measure(call, 'delete_customer-unreferenced', 'delete_customer', { id: seeded.unreferenced[0] })

  emit('readsAtScale', {
    books: {
      journalLines: Math.ceil(scale.readsLines / LINES_PER_ENTRY) * LINES_PER_ENTRY,
      journalEntries: Math.ceil(scale.readsLines / LINES_PER_ENTRY),
      recentLines: RECENT_ENTRIES * 2,
      accounts: ACCOUNTS,
      invoices: scale.readsInvoices,
      customers: scale.readsCustomers,
      openInvoices: seeded.openInvoices,
      seedMs: seeded.seedMs,
      plantedObjects: seeded.planted,
    },
    trialBalance: figures(trialBalance, { accounts: trialBalance.body.accounts?.length ?? null }),
    accountLedger: ledger === null ? { missing: true, status: ledgerCounted.status, answer: ledgerCounted.body } : figures(ledger, { args: ledgerArgs, rows: countRows(ledger.body) }),
    agedReceivables: { ...aged, openInvoices: openSeen, firstPage: figures(agedFirst, { rows: agedFirst.body.customers.length }) },
    listInvoicesByCustomer: { matches, limit: 50, first: figures(byCustomerFirst, { rows: byCustomerFirst.body.invoices.length }), all: byCustomerAll },
    listInvoicesByStatus: figures(byStatus, { rows: byStatus.body.invoices.length, limit: 50 }),
    deleteCustomer: { referenced: figures(deleteReferenced, { code: deleteReferenced.body.error?.code }), unreferenced: figures(deleteFree) },
  })
  const totals = trialBalance.body.totals as { debit: number; credit: number }
  if (totals.debit !== totals.credit || totals.debit === 0) throw new Error(`trial_balance totals do not balance: ${JSON.stringify(totals)}`)
  if (ledgerMissing) throw new Error(`account_ledger is not in the tool catalogue (answered ${ledgerCounted.status}): the reads-at-scale section measures it; every other figure was emitted`)
  if (openSeen !== seeded.openInvoices) throw new Error(`aged_receivables counted ${openSeen} open invoices; the seed made ${seeded.openInvoices}`)
  if (byCustomerAll.rows !== matches) throw new Error(`list_invoices where customer_id listed ${byCustomerAll.rows} invoices; the customer has ${matches}`)
}

/** The ledger's rows, whatever the tool calls its list (the first array in its answer). */
function countRows(body: Record<string, unknown>): number | null {
  const rows = Object.values(body).find((value) => Array.isArray(value))
  return Array.isArray(rows) ? rows.length : null
}
