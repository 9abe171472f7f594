/**
 * The sync benchmark's input: a data repository's worth of `.agi` records (the seed, imported into git
 * in one fast-import run, each record at its sharded path) and a queue of commit entries as the Worker
 * writes them — real records of the ERP schema, real blob SHAs, creates, edits and deletes of records that
 * exist at that point, over a few tenants. Generated from a seeded PRNG, so every run measures the same
 * shape of work. `moreSeedRecords` grows the seed for the scale run without touching the entries.
 */
import type { AgiRecord, FieldValue } from '../../../shared/agi/index.ts'
import { serializeRecord } from '../../../shared/agi/index.ts'
import { gitBlobSha } from '../../../shared/blob-sha.ts'
import type { CommitEntry, CommitFile } from '../../../shared/commit-entry.ts'
import { entrySummaryMetadata } from '../../../shared/entry-metadata.ts'
import { gitPathOfRecordKey, pendingEntryKey, recordKey } from '../../../shared/keys.ts'
import { formatMoney } from '../../../shared/money.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import { prng } from '../../support/seeded.ts'

export const TENANTS = ['acme', 'globex', 'initech', 'umbrella']

const AUTHORS = [
  { name: 'Invoice Bot', email: 'invoice-bot@acme.example' },
  { name: 'Ada Lovelace', email: 'ada@globex.example' },
  { name: 'Grace Hopper', email: 'grace@initech.example' },
  { name: 'Payments Agent', email: 'payments@umbrella.example' },
]

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Niklaus', 'Radia', 'Tony']
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Wirth', 'Perlman', 'Hoare']
const WORK = ['Consulting', 'Design review', 'Support plan', 'Hosting', 'Training day', 'Licence renewal', 'Audit', 'Migration']

export interface Dataset {
  /** Git path (`gitPathOfRecordKey`) → content of every record in the seed commit. */
  seed: Map<string, string>
  /** When the seed's first record was created (epoch ms); `moreSeedRecords` goes before it. */
  seedStartMs: number
  /** In commit order (oldest first). */
  entries: CommitEntry[]
  /** The pending objects to plant: key, body and the summary metadata the Worker writes. */
  pending: { key: string; body: string; metadata: Record<string, string> }[]
  /**
   * Files per entry, puts and deletes; and what git must rewrite: each commit writes a new version of every
   * directory on the paths it changes, up to the root. `treeVersions` counts those directories over all
   * commits, `treeEntries` sums their entries; `largestDirectory` is the widest directory of the tree after
   * the last entry (what git itself should show after the sync).
   */
  stats: {
    files: number
    puts: number
    deletes: number
    minFiles: number
    maxFiles: number
    bytes: number
    treeVersions: number
    treeEntries: number
    largestDirectory: { path: string; entries: number }
  }
}

interface Live {
  /** The record's bucket key: entries name records by it. */
  key: string
  record: AgiRecord
}

/** A set with O(1) add, remove and random pick. */
class Pool {
  readonly items: Live[] = []
  readonly #index = new Map<string, number>()
  add(item: Live): void {
    this.#index.set(item.key, this.items.length)
    this.items.push(item)
  }
  remove(key: string): void {
    const at = this.#index.get(key)
    if (at === undefined) return
    const last = this.items.pop() as Live
    this.#index.delete(key)
    if (at < this.items.length) {
      this.items[at] = last
      this.#index.set(last.key, at)
    }
  }
  pick(random: () => number): Live | undefined {
    return this.items[Math.floor(random() * this.items.length)]
  }
}

/**
 * The directories of a tree of files as git stores them: each holds its files and its non-empty
 * subdirectories (git keeps no empty tree), so adding the first file below a directory adds it to its
 * parent, and removing the last one removes it.
 */
class TreeShape {
  readonly #files = new Set<string>()
  /** Directory ('' for the root) → entries. */
  readonly #entries = new Map<string, number>()

  add(path: string): void {
    if (this.#files.has(path)) return
    this.#files.add(path)
    for (let child = path; ; ) {
      const parent = parentOf(child)
      const entries = (this.#entries.get(parent) ?? 0) + 1
      this.#entries.set(parent, entries)
      if (entries > 1 || parent === '') return
      child = parent
    }
  }

  remove(path: string): void {
    if (!this.#files.delete(path)) return
    for (let child = path; ; ) {
      const parent = parentOf(child)
      const entries = (this.#entries.get(parent) ?? 0) - 1
      if (entries > 0 || parent === '') {
        this.#entries.set(parent, entries)
        return
      }
      this.#entries.delete(parent)
      child = parent
    }
  }

  entries(directory: string): number {
    return this.#entries.get(directory) ?? 0
  }

  widest(): { path: string; entries: number } {
    let widest = { path: '', entries: 0 }
    for (const [path, entries] of this.#entries) if (entries > widest.entries) widest = { path, entries }
    return widest
  }
}

/** The directory holding `path` ('' for the root). */
function parentOf(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash < 0 ? '' : path.slice(0, slash)
}

/** Every directory above `path`, the root ('') included. */
function directoriesAbove(path: string): string[] {
  const directories: string[] = []
  for (let directory = parentOf(path); ; directory = parentOf(directory)) {
    directories.push(directory)
    if (directory === '') return directories
  }
}

const text = (record: AgiRecord) => serializeRecord(record, ERP_SCHEMA)

/**
 * Records of the ERP schema drawn from one PRNG. Ids count up from `firstCounter` in their last-but-six
 * hex digits, so records of two factories started far enough apart never share an id.
 */
function recordFactory(random: () => number, firstCounter: number) {
  const int = (n: number) => Math.floor(random() * n)
  const pickOf = <T>(items: readonly T[]) => items[int(items.length)] as T
  let idCounter = firstCounter
  /** A UUID v7 for time `ms`: 48 bits of time, version 7, 12 + 62 bits from the PRNG and a counter (unique). */
  const id = (ms: number) => {
    const hex = (n: number, digits: number) => Math.floor(n).toString(16).padStart(digits, '0').slice(-digits)
    const time = hex(ms, 12)
    idCounter += 1
    return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(int(0x1000), 3)}-${pickOf(['8', '9', 'a', 'b'])}${hex(int(0x1000), 3)}-${hex(idCounter, 6)}${hex(int(0x1000000), 6)}`
  }
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  const stamp = (ms: number) => new Date(ms).toISOString()
  const make = (tenant: string, entity: string, ms: number, fields: Record<string, FieldValue>): Live => {
    const recordId = id(ms)
    const at = stamp(ms)
    const record: AgiRecord = { entity, id: recordId, fields: { tenant_id: tenant, ...fields, created_at: at, updated_at: at }, unknown: {} }
    return { key: recordKey(ERP_SCHEMA, tenant, entity, recordId), record }
  }
  const customerFields = () => {
    const first = pickOf(FIRST)
    const last = pickOf(LAST)
    const fields: Record<string, FieldValue> = { name: `${first} ${last} ${pickOf(['Ltd', 'GmbH', 'SA', 'Inc', 'BV'])}`, email: `${first}.${last}@example.com`.toLowerCase() }
    if (random() < 0.6) fields.address = `${1 + int(200)} ${pickOf(LAST)} Street, ${pickOf(['London', 'Paris', 'Berlin', 'Lisbon', 'Oslo'])}`
    if (random() < 0.3) fields.phone = `+44 20 7946 ${String(int(10_000)).padStart(4, '0')}`
    if (random() < 0.2) fields.notes = `Prefers ${pickOf(['email', 'phone', 'post'])}; “${pickOf(WORK)}” since ${2010 + int(15)}`
    return fields
  }
  /** An invoice with 1–3 lines (amounts in cents), as create_invoice_with_lines writes it. */
  const invoiceWithLines = (tenant: string, customerId: string, ms: number, lineCount: number) => {
    const prices = Array.from({ length: lineCount }, () => BigInt(1_000 + int(500_000)))
    const quantities = Array.from({ length: lineCount }, () => 1 + int(20))
    const totals = prices.map((price, index) => price * BigInt(quantities[index] as number))
    const total = totals.reduce((sum, value) => sum + value, 0n)
    const invoice = make(tenant, 'Invoice', ms, {
      customer_id: customerId,
      number: `INV-${new Date(ms).getUTCFullYear()}-${String(idCounter).padStart(6, '0')}`,
      status: pickOf(['draft', 'sent', 'sent']),
      issue_date: day(ms),
      due_date: day(ms + 30 * 86_400_000),
      currency: 'USD',
      total,
      amount_paid: 0n,
    })
    const lines = totals.map((lineTotal, index) =>
      make(tenant, 'InvoiceLineItem', ms, {
        invoice_id: invoice.record.id,
        position: index + 1,
        description: `${pickOf(WORK)} — ${pickOf(['June', 'July', 'Q3', 'phase 2'])}`,
        qty: quantities[index] as number,
        unit_price: prices[index] as bigint,
        line_total: lineTotal,
      }),
    )
    return { invoice, lines }
  }
  return { random, int, pickOf, id, day, stamp, make, customerFields, invoiceWithLines }
}

type RecordFactory = ReturnType<typeof recordFactory>

/** Seed records in creation order: about 1 customer : 3 invoices : 5 lines : 1 payment, tenants in turn, a customer a minute. */
function* seedRecords(factory: RecordFactory, count: number, startMs: number): Generator<Live> {
  const { random, int, make, customerFields, invoiceWithLines, day } = factory
  let seeded = 0
  while (seeded < count) {
    const tenant = TENANTS[seeded % TENANTS.length] as string
    const ms = startMs + seeded * 60_000
    const customer = make(tenant, 'Customer', ms, customerFields())
    yield customer
    seeded += 1
    for (let i = 0; i < 3 && seeded < count; i++) {
      const { invoice, lines } = invoiceWithLines(tenant, customer.record.id, ms, Math.min(1 + int(3), count - seeded - 1) || 0)
      yield invoice
      seeded += 1
      for (const line of lines) {
        yield line
        seeded += 1
      }
      if (seeded < count && random() < 0.4) {
        yield make(tenant, 'Payment', ms, { invoice_id: invoice.record.id, amount: 10_000n, date: day(ms), method: 'wire' })
        seeded += 1
      }
    }
  }
}

/** The id counter of `moreSeedRecords` starts here, far above any the dataset itself reaches. */
const MORE_SEED_FIRST_COUNTER = 0x800000

/**
 * `count` more seed records of the same mix, from their own PRNG and with their own ids, earlier than the
 * dataset's seed: with it they make a bigger repository under exactly the same entries (no entry touches
 * them). Generated one at a time, so half a million of them are never held at once.
 */
export function* moreSeedRecords(options: { count: number; beforeMs: number; seed?: number }): Generator<{ path: string; content: string }> {
  if (options.count > MORE_SEED_FIRST_COUNTER) throw new RangeError(`moreSeedRecords: at most ${MORE_SEED_FIRST_COUNTER} records`)
  const factory = recordFactory(prng(options.seed ?? 88), MORE_SEED_FIRST_COUNTER)
  for (const live of seedRecords(factory, options.count, options.beforeMs - (options.count + 1) * 60_000)) {
    yield { path: gitPathOfRecordKey(live.key), content: text(live.record) }
  }
}

/** How long before the first entry the seed starts. */
const SEED_LEAD_MS = 200 * 86_400_000

/**
 * `seedFiles` records spread over the tenants (customers, invoices, their lines and payments), then
 * `entryCount` entries of 1–4 files each, one per second (with millisecond jitter) starting `startMs`.
 */
export async function generateDataset(options: { seedFiles: number; entryCount: number; startMs: number; seed?: number }): Promise<Dataset> {
  const factory = recordFactory(prng(options.seed ?? 8), 0)
  const { random, int, pickOf, id, day, stamp, make, customerFields, invoiceWithLines } = factory

  const customers = new Map<string, Pool>()
  const invoices = new Map<string, Pool>()
  for (const tenant of TENANTS) {
    customers.set(tenant, new Pool())
    invoices.set(tenant, new Pool())
  }

  // ---- the seed, each record where git keeps it
  const seed = new Map<string, string>()
  const shape = new TreeShape()
  const seedStartMs = options.startMs - SEED_LEAD_MS
  for (const live of seedRecords(factory, options.seedFiles, seedStartMs)) {
    const path = gitPathOfRecordKey(live.key)
    seed.set(path, text(live.record))
    shape.add(path)
    const tenant = live.record.fields.tenant_id as string
    if (live.record.entity === 'Customer') customers.get(tenant)?.add(live)
    else if (live.record.entity === 'Invoice') invoices.get(tenant)?.add(live)
  }

  // ---- the entries
  const entries: CommitEntry[] = []
  const stats = { files: 0, puts: 0, deletes: 0, minFiles: Infinity, maxFiles: 0, bytes: 0, treeVersions: 0, treeEntries: 0, largestDirectory: { path: '', entries: 0 } }
  for (let n = 0; n < options.entryCount; n++) {
    const tenant = TENANTS[int(TENANTS.length)] as string
    const ms = options.startMs + n * 1000 + int(1000)
    const at = stamp(ms)
    const tenantCustomers = customers.get(tenant) as Pool
    const tenantInvoices = invoices.get(tenant) as Pool
    const puts: Live[] = []
    const deletes: string[] = []
    let message: string
    const roll = random()
    const edit = (live: Live, fields: Record<string, FieldValue>) => {
      live.record = { ...live.record, fields: { ...live.record.fields, ...fields, updated_at: at } }
      puts.push(live)
    }
    if (roll < 0.15) {
      const customer = make(tenant, 'Customer', ms, customerFields())
      tenantCustomers.add(customer)
      puts.push(customer)
      message = `create Customer ${customer.record.id}`
    } else if (roll < 0.45) {
      const customer = tenantCustomers.pick(random) as Live
      const lineCount = 1 + int(3)
      const { invoice, lines } = invoiceWithLines(tenant, customer.record.id, ms, lineCount)
      tenantInvoices.add(invoice)
      puts.push(invoice, ...lines)
      message = `create Invoice with ${lineCount} ${lineCount === 1 ? 'line' : 'lines'}`
    } else if (roll < 0.6) {
      const invoice = tenantInvoices.pick(random) as Live
      const total = invoice.record.fields.total as bigint
      const paid = invoice.record.fields.amount_paid as bigint
      const amount = total - paid > 0n ? (total - paid) / 2n + 1n : 100n
      edit(invoice, { amount_paid: paid + amount, status: paid + amount >= total ? 'paid' : 'sent' })
      const payment = make(tenant, 'Payment', ms, { invoice_id: invoice.record.id, amount, date: day(ms), method: pickOf(['wire', 'card', 'cash']), reference: `PAY-${int(1e9)}` })
      puts.push(payment)
      message = `record Payment ${formatMoney(amount)} on Invoice ${invoice.record.id.slice(0, 8)}`
    } else if (roll < 0.75) {
      const customer = tenantCustomers.pick(random) as Live
      const email = `billing.${int(10_000)}@example.com`
      edit(customer, { email })
      message = `edit Customer ${customer.record.id.slice(0, 8)}: email → ${email}`
    } else if (roll < 0.85) {
      const invoice = tenantInvoices.pick(random) as Live
      const notes = `Reminder sent ${day(ms)} (${pickOf(['first', 'second', 'final'])})`
      edit(invoice, { notes })
      message = `edit Invoice ${invoice.record.id.slice(0, 8)}: notes → ${notes}`
    } else if (roll < 0.93 && tenantCustomers.items.length > 10) {
      const customer = tenantCustomers.pick(random) as Live
      tenantCustomers.remove(customer.key)
      deletes.push(customer.key)
      message = `delete Customer ${customer.record.id.slice(0, 8)}`
    } else if (tenantCustomers.items.length > 10) {
      // A merge: the survivor takes the duplicate's notes, and 1–2 duplicates are deleted.
      const survivor = tenantCustomers.pick(random) as Live
      const duplicates = new Set<Live>()
      for (let i = 0, want = 1 + int(2); i < 10 && duplicates.size < want; i++) {
        const candidate = tenantCustomers.pick(random) as Live
        if (candidate !== survivor) duplicates.add(candidate)
      }
      edit(survivor, { notes: `Merged ${[...duplicates].map((d) => d.record.id.slice(0, 8)).join(', ')}` })
      for (const duplicate of duplicates) {
        tenantCustomers.remove(duplicate.key)
        deletes.push(duplicate.key)
      }
      message = `merge ${duplicates.size + 1} customers into ${survivor.record.id.slice(0, 8)}`
    } else {
      const customer = make(tenant, 'Customer', ms, customerFields())
      tenantCustomers.add(customer)
      puts.push(customer)
      message = `create Customer ${customer.record.id}`
    }
    // Entries name records by their bucket keys (the entry contract); git keeps them at sharded paths.
    const files: CommitFile[] = []
    for (const live of puts) {
      const content = text(live.record)
      files.push({ path: live.key, op: 'put', sha: await gitBlobSha(content), content })
      stats.bytes += content.length
    }
    for (const key of deletes) files.push({ path: key, op: 'delete' })
    const rewritten = new Set<string>()
    for (const file of files) {
      const path = gitPathOfRecordKey(file.path)
      if (file.op === 'put') shape.add(path)
      else shape.remove(path)
      for (const directory of directoriesAbove(path)) rewritten.add(directory)
    }
    stats.treeVersions += rewritten.size
    for (const directory of rewritten) stats.treeEntries += shape.entries(directory)
    stats.files += files.length
    stats.puts += puts.length
    stats.deletes += deletes.length
    stats.minFiles = Math.min(stats.minFiles, files.length)
    stats.maxFiles = Math.max(stats.maxFiles, files.length)
    entries.push({ v: 1, oid: id(ms), tenant, message, author: AUTHORS[int(AUTHORS.length)] as CommitEntry['author'], ts: at, paths: files.map((file) => file.path), files })
  }
  stats.largestDirectory = shape.widest()
  const pending = entries.map((entry) => ({ key: pendingEntryKey(entry.tenant, entry.ts, entry.oid), body: JSON.stringify(entry), metadata: entrySummaryMetadata(entry) }))
  return { seed, seedStartMs, entries, pending, stats }
}
