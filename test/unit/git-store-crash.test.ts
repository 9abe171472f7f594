import { describe, expect, it } from 'vitest'
import { parseRecord } from '../../shared/agi/index.ts'
import { GitStore, recoverAbandonedTransactions, TX_ABANDONED_MS } from '../../shared/git-store/index.ts'
import type { Transaction } from '../../shared/git-store/index.ts'
import { FaultyObjectStore, SimulatedCrash } from '../../shared/object-store/faulty-store.ts'
import { MemoryObjectStore } from '../../shared/object-store/memory-store.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'
import { keysUnder, pendingEntries } from '../contract/git-store-contract.ts'
import { expectIndexInStep } from '../support/index-in-step.ts'
import { TEST_SCHEMA } from '../support/test-schema.ts'

const author = { name: 'Crash Bot', email: 'crash@acme.example' }


/** Everything under `data/`, `commits/` and `intents/`, as key → text. */
async function snapshot(objects: ObjectStore): Promise<Map<string, string>> {
  const state = new Map<string, string>()
  for (const key of await keysUnder(objects, '')) state.set(key, (await objects.get(key))?.text ?? '')
  return state
}

interface Scenario {
  name: string
  /** Writes the records the transaction will touch; returns the ids the transaction needs. */
  seed: (store: GitStore) => Promise<Record<string, string>>
  run: (tx: Transaction, ids: Record<string, string>) => Promise<void>
  /** Storage writes after the commit point (claimed objects removed, the intent): a crash there may still answer. */
  afterCommit?: number
}

const scenarios: Scenario[] = [
  {
    name: 'create an invoice with 3 lines (4 creates)',
    seed: async (store) => ({ customer: (await store.create('Customer', { name: 'Acme' })).stored.record.id }),
    run: async (tx, ids) => {
      const invoice = tx.create('Invoice', { customer_id: ids.customer!, total: 3000n })
      for (const amount of [1000n, 1500n, 500n]) tx.create('Line', { invoice_id: invoice.id, amount })
    },
  },
  {
    name: 'edit 2, create 1, delete 1 (4 records, every kind of write)',
    seed: async (store) => ({
      a: (await store.create('Customer', { name: 'A' })).stored.record.id,
      b: (await store.create('Customer', { name: 'B' })).stored.record.id,
      c: (await store.create('Customer', { name: 'C' })).stored.record.id,
    }),
    run: async (tx, ids) => {
      await tx.edit('Customer', ids.a!, { notes: 'edited' })
      await tx.edit('Customer', ids.b!, { email: 'b@example.com' })
      await tx.delete('Customer', ids.c!)
      tx.create('Customer', { name: 'D' })
    },
  },
  {
    name: 'move indexed values: one kept in step, one moved, one removed with its record (4 records)',
    seed: async (store) => ({
      a: (await store.create('Customer', { name: 'A', email: 'a@example.com' })).stored.record.id,
      b: (await store.create('Customer', { name: 'B', email: 'b@example.com' })).stored.record.id,
      c: (await store.create('Customer', { name: 'C', email: 'c@example.com' })).stored.record.id,
    }),
    run: async (tx, ids) => {
      await tx.edit('Customer', ids.a!, { notes: 'same email, new text' })
      await tx.edit('Customer', ids.b!, { email: 'b@elsewhere.example' })
      await tx.delete('Customer', ids.c!)
      tx.create('Customer', { name: 'D', email: 'd@example.com' })
    },
    // C's record and entry and B's old entry were claimed; then the intent.
    afterCommit: 4,
  },
]

describe('crash at every storage operation of a transaction', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      // First an uncrashed run, to count the mutations the transaction makes.
      const probeInner = new MemoryObjectStore()
      const probe = new FaultyObjectStore(probeInner)
      const probeStore = new GitStore({ objects: probe, schema: TEST_SCHEMA, tenant: 'acme', author })
      const probeIds = await scenario.seed(probeStore)
      const before = probe.mutations
      await probeStore.transaction('the transaction', (tx) => scenario.run(tx, probeIds), { enforceCrud: false })
      const mutations = probe.mutations - before
      expect(mutations).toBeGreaterThanOrEqual(6)

      const outcomes = { whole: 0, none: 0 }
      for (let crashAfter = 0; crashAfter <= mutations; crashAfter++) {
        const inner = new MemoryObjectStore()
        const faulty = new FaultyObjectStore(inner)
        const clock = { ms: Date.parse('2026-06-25T10:00:00Z') }
        const store = new GitStore({ objects: faulty, schema: TEST_SCHEMA, tenant: 'acme', author, now: () => new Date(clock.ms) })
        const ids = await scenario.seed(store)
        const seeded = await snapshot(inner)
        faulty.crashAfter(crashAfter)
        const acknowledged = await store
          .transaction('the transaction', (tx) => scenario.run(tx, ids), { enforceCrud: false })
          .then(() => true, (error: unknown) => {
            if (!(error instanceof SimulatedCrash) && !(error instanceof Error && error.cause instanceof SimulatedCrash)) throw error
            return false
          })
        // Only a crash in the clean-up, after the commit point, may still answer success.
        if (crashAfter < mutations - (scenario.afterCommit ?? 2)) expect(acknowledged, `crash point ${crashAfter}`).toBe(false)

        // The recovery pass runs once the writer is surely gone.
        clock.ms += TX_ABANDONED_MS + 1
        const report = await recoverAbandonedTransactions(inner, { nowMs: clock.ms })
        expect(report.corrupt).toEqual([])
        const after = await snapshot(inner)
        expect([...after.keys()].filter((key) => key.startsWith('intents/')), `crash point ${crashAfter}`).toEqual([])

        await expectIndexInStep(inner, `crash point ${crashAfter}`)
        const entries = await pendingEntries(inner)
        const seededEntries = [...seeded.keys()].filter((key) => key.startsWith('commits/')).length
        if (entries.length === seededEntries) {
          // Wholly absent: every record exactly as before the transaction.
          const data = (state: Map<string, string>) => [...state].filter(([key]) => key.startsWith('data/'))
          expect(acknowledged, `crash point ${crashAfter}: an acknowledged transaction vanished`).toBe(false)
          expect(data(after), `crash point ${crashAfter}`).toEqual(data(seeded))
          outcomes.none += 1
        } else {
          // Wholly present: the entry's files are exactly the bucket's records.
          expect(entries.length).toBe(seededEntries + 1)
          const entry = entries.find((candidate) => candidate.message === 'the transaction')!
          expect(entry.files).toHaveLength(4)
          for (const file of entry.files) {
            if (file.op === 'delete') expect(after.has(file.path), file.path).toBe(false)
            else {
              expect(after.get(file.path), file.path).toBe(file.content)
              expect(() => parseRecord(file.content, TEST_SCHEMA)).not.toThrow()
            }
          }
          outcomes.whole += 1
        }
      }
      // Both outcomes happen: crashes before the commit point undo, crashes after it finish.
      expect(outcomes.none).toBeGreaterThan(0)
      expect(outcomes.whole).toBeGreaterThan(0)
      console.log(`${scenario.name}: ${mutations + 1} crash points tried, ${outcomes.whole} whole, ${outcomes.none} absent`)
    })
  }
})
