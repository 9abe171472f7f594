/**
 * Invariants 1, 2 and 4 under crashes of the Worker: every write tool of the catalogue, run through the same
 * pipeline as an HTTP call (`invokeTool`: authorization, tenant scoping, validation, handler, idempotency),
 * is killed after its 1st, 2nd, …, nth storage operation in turn — with and without an `Idempotency-Key`.
 * Each crash point gets a tenant of its own in one bucket (Miniflare's R2, over the S3 API). Then, as in
 * production, the recovery pass runs once the writers are surely gone and the Action syncs once into a real git
 * repository; for every crash point:
 * - before recovery, readers see either none or all of the transaction (the committed view);
 * - an acknowledged call is in git, exactly once, with the files its answer names;
 * - an unacknowledged one is wholly present (it reached its commit point) or wholly absent (every record as before);
 * - the bucket's data/ equals the branch's, and no entry is committed twice.
 */
import { describe, expect, vi } from 'vitest'
import { runSync } from '../../../action/engine/index.ts'
import type { S3ObjectStore } from '../../../action/s3-object-store.ts'
import { parseCommitEntry, type CommitEntry } from '../../../shared/commit-entry.ts'
import { readCommitted, recoverAbandonedTransactions, TX_ABANDONED_MS } from '../../../shared/git-store/index.ts'
import { newId, recordKeyOfGitPath } from '../../../shared/keys.ts'
import { FaultyObjectStore, SimulatedCrash } from '../../../shared/object-store/faulty-store.ts'
import type { ObjectStore } from '../../../shared/object-store/object-store.ts'
import { findTool } from '../../../worker/tools/catalogue.ts'
import { invokeTool } from '../../../worker/tools/invoke-tool.ts'
import type { Caller } from '../../../worker/auth/caller.ts'
import { reconcilerTest as it } from '../../action/support/reconciler-test.ts'
import { WRITE_TOOL_NAMES } from '../../support/tool-names.ts'
import { auditCommits, treeFiles } from '../../support/git-audit.ts'

type Call = (tool: string, args: unknown) => Promise<Record<string, any>>

interface Scenario {
  tool: string
  /** Writes what the call needs (through the tools, uncrashed) and returns the call's arguments. */
  setup: (call: Call) => Promise<unknown>
}

const customer = async (call: Call) => (await call('create_customer', { name: 'Crash Test Ltd' })).customer.id as string
const invoice = async (call: Call) =>
  (await call('create_invoice_with_lines', { customer_id: await customer(call), lines: [{ description: 'Work', qty: 2, unit_price: 150 }, { description: 'Setup', unit_price: '99.99' }] })).invoice
    .id as string
const sentInvoice = async (call: Call) => {
  const id = await invoice(call)
  await call('update_invoice_status', { invoice_id: id, status: 'sent' })
  return id
}
const chart = async (call: Call) => {
  await call('create_account', { code: '1000', name: 'Cash', type: 'asset' })
  await call('create_account', { code: '4000', name: 'Sales', type: 'income' })
}
const journalLines = [
  { account_code: '1000', debit: '120.50' },
  { account_code: '4000', credit: 120.5 },
]

/** One scenario per write tool; the test fails if the catalogue grows a write tool that is not here. */
const SCENARIOS: Scenario[] = [
  { tool: 'create_customer', setup: async () => ({ name: 'Crash Co', email: 'crash@example.com' }) },
  { tool: 'edit_customer', setup: async (call) => ({ id: await customer(call), patch: { notes: 'edited' }, unset: ['phone'] }) },
  { tool: 'delete_customer', setup: async (call) => ({ id: await customer(call) }) },
  { tool: 'create_vendor', setup: async () => ({ name: 'Paper Ltd' }) },
  { tool: 'edit_vendor', setup: async (call) => ({ id: (await call('create_vendor', { name: 'Ink plc' })).vendor.id, patch: { email: 'ink@example.com' } }) },
  { tool: 'delete_vendor', setup: async (call) => ({ id: (await call('create_vendor', { name: 'Gone Ltd' })).vendor.id }) },
  { tool: 'create_account', setup: async () => ({ code: '5000', name: 'Rent', type: 'expense' }) },
  { tool: 'edit_account', setup: async (call) => ({ id: (await call('create_account', { code: '1000', name: 'Cash', type: 'asset' })).account.id, patch: { name: 'Petty cash' } }) },
  { tool: 'edit_invoice', setup: async (call) => ({ id: await invoice(call), patch: { notes: 'Net 30', due_date: '2026-07-31' } }) },
  {
    tool: 'create_invoice_with_lines',
    setup: async (call) => ({ customer_id: await customer(call), lines: [{ description: 'A', unit_price: 10 }, { description: 'B', qty: 3, unit_price: '2.50' }, { description: 'C', unit_price: -1 }] }),
  },
  { tool: 'update_invoice_status', setup: async (call) => ({ invoice_id: await sentInvoice(call), status: 'void' }) },
  { tool: 'record_payment', setup: async (call) => ({ invoice_id: await sentInvoice(call), amount: '100.00', date: '2026-06-30', method: 'wire' }) },
  { tool: 'create_journal_entry', setup: async (call) => (await chart(call), { date: '2026-06-30', memo: 'Cash sale', lines: journalLines }) },
  {
    tool: 'reverse_journal_entry',
    setup: async (call) => {
      await chart(call)
      const posted = await call('create_journal_entry', { date: '2026-06-30', memo: 'Posted in error', lines: journalLines })
      return { journal_entry_id: posted.journal_entry.id, date: '2026-07-01' }
    },
  },
]

interface CrashPoint {
  label: string
  tool: string
  tenant: string
  crashAfter: number
  /** The call answered (the agent would have its answer). */
  acknowledged: boolean
  answer?: Record<string, any>
  /** Entry oids of the tenant before the call (the setup's). */
  entriesBefore: Set<string>
  /** data/ of the tenant before the call. */
  before: Map<string, string>
  /** The committed view right after the crash, before any recovery. */
  viewAfterCrash: Map<string, string>
  /** Pending entries of this call found right after the crash (0 or 1). */
  entryAfterCrash: CommitEntry | undefined
}

function caller(tenant: string): Caller {
  return { sub: 'crash-bot', name: 'Crash Bot', email: 'crash-bot@example.com', tenant, scope: 'write' }
}

/** Calls a tool the way the HTTP route does; deferred work (intent clean-up) runs after the answer, as with `waitUntil`. */
async function invoke(objects: ObjectStore, tenant: string, tool: string, args: unknown, idempotencyKey?: string) {
  const deferred: Promise<unknown>[] = []
  try {
    const answer = await invokeTool({ tool: findTool(tool), args, caller: caller(tenant), objects, defer: (work) => deferred.push(work), idempotencyKey })
    return { answer, deferred }
  } catch (error) {
    return { error, deferred }
  }
}

function uncrashed(store: ObjectStore, tenant: string): Call {
  return async (tool, args) => {
    const { answer, error, deferred } = await invoke(store, tenant, tool, args)
    await Promise.all(deferred)
    if (answer === undefined) throw error
    return answer.body
  }
}

async function dataOf(store: S3ObjectStore, tenant: string): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  const keys: string[] = []
  for await (const listed of store.listAll(tenant === '' ? 'data/' : `data/${tenant}/`)) keys.push(listed.key)
  const stored = await store.getMany(keys)
  keys.forEach((key, index) => files.set(key, (stored[index] as { text: string }).text))
  return files
}

async function entriesOf(store: S3ObjectStore, tenant: string): Promise<CommitEntry[]> {
  const entries: CommitEntry[] = []
  for await (const listed of store.listAll(`commits/${tenant}/`)) {
    const parsed = await parseCommitEntry((await store.get(listed.key))?.text ?? '')
    if (!parsed.ok) throw new Error(`unreadable entry ${listed.key}: ${parsed.reason}`)
    entries.push(parsed.entry)
  }
  return entries
}

/** What a reader sees of every record the tenant has or had: the committed view, open transactions hidden. */
async function committedView(store: ObjectStore, tenant: string, paths: Iterable<string>): Promise<Map<string, string>> {
  const view = new Map<string, string>()
  for (const path of new Set(paths)) {
    const object = await readCommitted(store, path, tenant, () => Date.now(), { forWrite: false })
    if (object !== null) view.set(path, object.text)
  }
  return view
}

/** `files` applied on top of `base`. */
function applied(base: Map<string, string>, entry: CommitEntry): Map<string, string> {
  const next = new Map(base)
  for (const file of entry.files) {
    if (file.op === 'put') next.set(file.path, file.content)
    else next.delete(file.path)
  }
  return next
}

const sorted = (map: Map<string, string>) => [...map].sort(([a], [b]) => (a < b ? -1 : 1))

describe('crash at every storage operation of every write tool, then recovery and one sync', () => {
  it('covers every write tool of the catalogue', () => {
    expect(SCENARIOS.map((scenario) => scenario.tool).sort()).toEqual([...WRITE_TOOL_NAMES].sort())
  })

  it('each call is wholly committed or wholly absent, acknowledged ones are in git exactly once', async ({ r2, repos, engine }) => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {})
    const points: CrashPoint[] = []
    const perTool: Record<string, number> = {}
    let tenants = 0
    for (const scenario of SCENARIOS) {
      for (const variant of ['plain', 'idempotent'] as const) {
        const key = () => (variant === 'idempotent' ? `crash-key-${newId()}` : undefined)
        // Probe: how many storage writes the call makes when nothing goes wrong.
        const probeTenant = `probe-${++tenants}`
        const probeArgs = await scenario.setup(uncrashed(r2.store, probeTenant))
        const probe = new FaultyObjectStore(r2.store)
        const probed = await invoke(probe, probeTenant, scenario.tool, probeArgs, key())
        await Promise.all(probed.deferred)
        expect(probed.error, `${scenario.tool} probe`).toBeUndefined()
        const mutations = probe.mutations
        expect(mutations, `${scenario.tool} writes`).toBeGreaterThanOrEqual(3)

        // Crash points are independent (a tenant each), so four run at a time.
        const crashes = Array.from({ length: mutations }, (_, crashAfter) => ({ crashAfter, tenant: `crash-${++tenants}` }))
        await inParallel(crashes, 4, async ({ crashAfter, tenant }) => {
          const args = await scenario.setup(uncrashed(r2.store, tenant))
          const before = await dataOf(r2.store, tenant)
          const entriesBefore = new Set((await entriesOf(r2.store, tenant)).map((entry) => entry.oid))
          const faulty = new FaultyObjectStore(r2.store)
          faulty.crashAfter(crashAfter)
          const outcome = await invoke(faulty, tenant, scenario.tool, args, key())
          await Promise.all(outcome.deferred)
          const label = `${scenario.tool} (${variant}) crashed after ${crashAfter} of ${mutations} writes`
          expect(faulty.crashed, label).toBe(true)
          if (outcome.error !== undefined) {
            const error = outcome.error as Error
            const isCrash = error instanceof SimulatedCrash || error.cause instanceof SimulatedCrash
            if (!isCrash) throw error
          }
          const entries = (await entriesOf(r2.store, tenant)).filter((entry) => !entriesBefore.has(entry.oid))
          expect(entries.length, label).toBeLessThanOrEqual(1)
          const after = await dataOf(r2.store, tenant)
          points.push({
            label,
            tool: scenario.tool,
            tenant,
            crashAfter,
            acknowledged: outcome.answer !== undefined,
            answer: outcome.answer?.body,
            entriesBefore,
            before,
            viewAfterCrash: await committedView(r2.store, tenant, [...before.keys(), ...after.keys()]),
            entryAfterCrash: entries[0],
          })
          perTool[scenario.tool] = (perTool[scenario.tool] ?? 0) + 1
        })
      }
    }
    quiet.mockRestore()

    // Readers never see part of a transaction, not even before recovery.
    for (const point of points) {
      const expected = point.entryAfterCrash === undefined ? point.before : applied(point.before, point.entryAfterCrash)
      expect(sorted(point.viewAfterCrash), `${point.label}: committed view before recovery`).toEqual(sorted(expected))
      if (point.acknowledged) expect(point.entryAfterCrash?.oid, `${point.label}: an answer means a commit`).toBe(point.answer?.commit?.oid)
    }

    // Production order: the recovery pass once the writers are surely gone, then one sync. The recovery pass may
    // itself be killed: three runs die part-way (after 1, 7 and 40 more writes), then one finishes.
    const later = Date.now() + TX_ABANDONED_MS + 1000
    for (const writes of [1, 7, 40]) {
      const dying = new FaultyObjectStore(r2.store)
      dying.crashAfter(writes)
      await expect(recoverAbandonedTransactions(dying, { nowMs: later })).rejects.toThrow(SimulatedCrash)
    }
    const recovery = await recoverAbandonedTransactions(r2.store, { nowMs: later })
    expect(recovery.corrupt).toEqual([])
    expect(recovery.inFlight).toEqual([])
    const result = await runSync(engine())
    expect(result.quarantined).toEqual([])
    expect(await r2.store.list({ prefix: 'intents/' })).toEqual({ objects: [] })
    expect(await r2.store.list({ prefix: 'commits/' })).toEqual({ objects: [] })

    const commits = (await auditCommits(repos.origin)).slice(1)
    const oids = commits.flatMap((commit) => commit.entries)
    expect(new Set(oids).size, 'no entry committed twice').toBe(oids.length)
    const tree = await treeFiles(repos.origin, 'refs/heads/main')
    expect(sorted(tree), 'bucket data/ equals git data/').toEqual(sorted(await dataOf(r2.store, '')))

    let whole = 0
    let absent = 0
    let acknowledged = 0
    for (const point of points) {
      const mine = commits.filter((commit) => commit.tenants.includes(point.tenant) && !commit.entries.some((oid) => point.entriesBefore.has(oid)))
      expect(mine.length, `${point.label}: at most one commit`).toBeLessThanOrEqual(1)
      const now = await dataOf(r2.store, point.tenant)
      const commit = mine[0]
      if (commit === undefined) {
        // Wholly absent: every record exactly as before, no commit.
        expect(point.acknowledged, `${point.label}: acknowledged but not in git`).toBe(false)
        expect(point.entryAfterCrash, `${point.label}: committed but not in git`).toBeUndefined()
        expect(sorted(now), `${point.label}: records as before`).toEqual(sorted(point.before))
        absent += 1
        continue
      }
      // Wholly present: the commit is the call's entry, and the records are its files.
      expect(point.entryAfterCrash, `${point.label}: a commit without an entry`).toBeDefined()
      const entry = point.entryAfterCrash as CommitEntry
      expect(commit.entries).toEqual([entry.oid])
      expect(commit.authorEmail).toBe('crash-bot@example.com')
      expect(commit.body).toBe(entry.message)
      expect(commit.files.map((file) => recordKeyOfGitPath(file.path)).sort()).toEqual(entry.files.map((file) => file.path).sort())
      expect(sorted(now), `${point.label}: records are the entry's files`).toEqual(sorted(applied(point.before, entry)))
      if (point.acknowledged) {
        acknowledged += 1
        expect(commit.entries[0], `${point.label}: the answer's commit`).toBe(point.answer?.commit?.oid)
      }
      whole += 1
    }

    const report = { crashPoints: points.length, wholeAfterRecovery: whole, absentAfterRecovery: absent, acknowledged, perTool, commits: commits.length }
    console.log(`[invariants] worker crash points: ${JSON.stringify(report)}`)
    expect(whole).toBeGreaterThan(0)
    expect(absent).toBeGreaterThan(0)
  }, 600_000)
})

/** Runs `fn` over `items`, at most `concurrency` at a time; the first failure is thrown once all have settled. */
async function inParallel<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const failures: unknown[] = []
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T
      await fn(item).catch((error: unknown) => void failures.push(error))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  if (failures.length > 0) throw failures[0]
}
