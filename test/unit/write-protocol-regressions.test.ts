/**
 * The write protocol under faults a crash suite does not make: a call that lands and then fails, a clean-up that
 * never runs, the sync moving an entry mid-transaction, and two different operations on one record. Each case is
 * staged at an exact interleaving with a gated store.
 */
import { describe, expect, it } from 'vitest'
import { ConflictError, DomainRuleError, NotFoundError } from '../../shared/errors.ts'
import { indexedFields } from '../../shared/agi/index.ts'
import { GitStore, recoverAbandonedTransactions, TX_ABANDONED_MS, writeIndexMarker, type StoredRecord } from '../../shared/git-store/index.ts'
import { syncedKeyForPending } from '../../shared/keys.ts'
import { MemoryObjectStore } from '../../shared/object-store/memory-store.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'
import { keysUnder, pendingEntries } from '../contract/git-store-contract.ts'
import { expectIndexInStep } from '../support/index-in-step.ts'
import { GatedObjectStore } from '../support/gated-store.ts'
import { TEST_SCHEMA } from '../support/test-schema.ts'

const author = { name: 'Protocol Bot', email: 'bot@acme.example' }
const T0 = Date.parse('2026-12-01T09:00:00.000Z')

/** With `indexed`, every index of the schema is marked complete, so lists and reference checks read the indexes. */
function setupStore(options: { indexed?: boolean } = {}) {
  const memory = new MemoryObjectStore()
  if (options.indexed === true) {
    for (const spec of TEST_SCHEMA.entities.values()) for (const field of indexedFields(spec)) void writeIndexMarker(memory, TEST_SCHEMA, spec.name, field.name, new Date(T0))
  }
  const objects = new GatedObjectStore(memory)
  const clock = { now: T0 }
  const store = (over: ObjectStore = objects) =>
    new GitStore({ objects: over, schema: TEST_SCHEMA, tenant: 'acme', author, now: () => new Date(clock.now), sleep: async () => undefined })
  return { memory, objects, clock, store }
}

const setup = () => setupStore()

const isEntryPut = (call: { op: string; key: string }) => call.op === 'put' && call.key.startsWith('commits/')
const isClaim = (call: { op: string; key: string; options?: { metadata?: Record<string, string> } }) =>
  call.op === 'put' && call.key.startsWith('data/') && call.options?.metadata?.deleting !== undefined

/** The Action's marking step: the synced copy first, then the pending entry goes. */
async function syncAway(objects: ObjectStore): Promise<void> {
  for (const key of await keysUnder(objects, 'commits/')) {
    await objects.put(syncedKeyForPending(key), (await objects.get(key))!.text)
    await objects.delete(key)
  }
}

/**
 * A transaction that creates a customer ("Never committed") and edits `existing` ("Edited"), held as its put of
 * `existing` is about to land; `outcome` settles to 'committed' or to the error it failed with.
 */
function createAndEditHeldAtTheEdit(store: GitStore, objects: GatedObjectStore, existing: StoredRecord, fields: Record<string, string> = {}) {
  const racedPut = objects.gate((call) => call.op === 'put' && call.key === existing.key)
  const transaction = store.transaction('create and edit', async (tx) => {
    tx.create('Customer', { name: 'Never committed', ...fields })
    await tx.edit('Customer', existing.record.id, { name: 'Edited' }, { expectedVersion: existing.version })
  })
  const outcome = transaction.then(
    () => 'committed',
    (error: unknown) => error,
  )
  return { outcome, racedPut }
}

async function messages(objects: ObjectStore): Promise<string[]> {
  const entries = await pendingEntries(objects)
  return entries.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.oid < b.oid ? -1 : 1)).map((entry) => entry.message.split(' ').slice(0, 2).join(' '))
}

describe('a committed transaction is never rolled back', () => {
  it('after its intent clean-up failed and the sync moved its entry, recovery rolls it forward', async () => {
    const { memory, objects, clock, store } = setup()
    objects.failBefore((call) => call.op === 'delete' && call.key.startsWith('intents/'))
    const { stored } = await store().create('Customer', { name: 'Ada' })
    expect(await keysUnder(memory, 'intents/')).toHaveLength(1)
    await syncAway(memory)
    clock.now += TX_ABANDONED_MS + 1
    const report = await recoverAbandonedTransactions(memory, { nowMs: clock.now })
    expect(report.rolledForward).toHaveLength(1)
    expect(report.rolledBack).toEqual([])
    expect((await store().read('Customer', stored.record.id))?.record.fields.name).toBe('Ada')
  })

  it('a reader or a list meeting the leftover intent sees the record, and leaves it standing', async () => {
    const { memory, objects, clock, store } = setup()
    objects.failBefore((call) => call.op === 'delete' && call.key.startsWith('intents/'))
    const { stored } = await store().create('Customer', { name: 'Ada' })
    await syncAway(memory)
    clock.now += TX_ABANDONED_MS + 1
    expect((await store(memory).read('Customer', stored.record.id))?.record.fields.name).toBe('Ada')
    expect((await store(memory).list('Customer')).records.map((found) => found.record.fields.name)).toEqual(['Ada'])
    expect(await keysUnder(memory, 'data/')).toHaveLength(1)
  })
})

describe("a delete's claim invalidates every version a concurrent writer holds", () => {
  it('an edit conditioned on the version read before the claim is refused', async () => {
    const { memory, objects, store } = setup()
    const { stored } = await store().create('Customer', { name: 'Ada' })
    const id = stored.record.id
    // The edit has read the record and is about to put it.
    const editPut = objects.gate((call) => call.op === 'put' && call.key.startsWith('data/') && !isClaim(call))
    const edit = store().edit('Customer', id, { name: 'Grace' }, { expectedVersion: stored.version })
    await editPut.reached
    const deleteCommit = objects.gate(isEntryPut)
    const deletion = store().delete('Customer', id)
    await deleteCommit.reached
    editPut.release()
    await expect(edit).rejects.toBeInstanceOf(ConflictError)
    deleteCommit.release()
    await deletion
    expect(await messages(memory)).toEqual(['create Customer', 'delete Customer'])
    expect(await keysUnder(memory, 'data/')).toEqual([])
  })

  it('of two concurrent deletes of one record, one commits', async () => {
    const { memory, objects, store } = setup()
    const { stored } = await store().create('Customer', { name: 'Ada' })
    const outcome = (work: Promise<unknown>) =>
      work.then(
        () => 'committed' as const,
        (error: unknown) => error,
      )
    // Both have read the record and are about to claim it; the first then waits at its commit point.
    const firstClaim = objects.gate(isClaim)
    const first = outcome(store().delete('Customer', stored.record.id))
    await firstClaim.reached
    const secondClaim = objects.gate(isClaim)
    const second = outcome(store().delete('Customer', stored.record.id))
    await secondClaim.reached
    const firstCommit = objects.gate(isEntryPut)
    firstClaim.release()
    await firstCommit.reached
    secondClaim.release()
    const secondOutcome = await second
    firstCommit.release()
    expect(await first).toBe('committed')
    expect(secondOutcome instanceof ConflictError || secondOutcome instanceof NotFoundError).toBe(true)
    expect(await messages(memory)).toEqual(['create Customer', 'delete Customer'])
  })
})

describe.each([
  ['records scanned (an index not yet complete)', false],
  ['referring index read', true],
])('a reference and a delete of its target never both commit: %s', (_how, indexed) => {
  const setup = () => setupStore({ indexed })
  async function customerAndDelete(gateWhen: (call: { op: string; key: string; options?: { metadata?: Record<string, string> } }) => boolean) {
    const context = setup()
    const { stored } = await context.store().create('Customer', { name: 'Ada' })
    const gate = context.objects.gate(gateWhen)
    const deletion = context.store().delete('Customer', stored.record.id).then(
      () => 'deleted' as const,
      (error: unknown) => error,
    )
    await gate.reached
    return { ...context, id: stored.record.id, gate, deletion }
  }

  const createInvoice = (store: GitStore, customerId: string) =>
    store.transaction('create Invoice', async (tx) => tx.create('Invoice', { customer_id: customerId, total: 100n })).then(
      () => 'created' as const,
      (error: unknown) => error,
    )

  it('an invoice created while the delete is claimed is refused', async () => {
    const { memory, store, id, gate, deletion } = await customerAndDelete(isEntryPut)
    const invoice = await createInvoice(store(), id)
    gate.release()
    expect(await deletion).toBe('deleted')
    expect(invoice).not.toBe('created')
    expect(await keysUnder(memory, 'data/acme/Invoice/')).toEqual([])
  })

  it('an invoice created just before the claim lands makes the delete refuse (referenced)', async () => {
    const { memory, store, id, gate, deletion } = await customerAndDelete(isClaim)
    expect(await createInvoice(store(), id)).toBe('created')
    gate.release()
    const refused = await deletion
    expect(refused).toBeInstanceOf(DomainRuleError)
    expect((refused as DomainRuleError).code).toBe('referenced')
    expect(await keysUnder(memory, 'data/acme/Customer/')).toHaveLength(1)
  })

  it('an invoice whose records are not yet in place when the delete looks makes it busy (409), not dangling', async () => {
    const { memory, objects, store } = setup()
    const { stored } = await store().create('Customer', { name: 'Ada' })
    const invoicePut = objects.gate((call) => call.op === 'put' && call.key.startsWith('data/acme/Invoice/'))
    const invoice = createInvoice(store(), stored.record.id)
    await invoicePut.reached
    const deletion = await store().delete('Customer', stored.record.id).then(
      () => 'deleted',
      (error: unknown) => error,
    )
    expect(deletion).toBeInstanceOf(ConflictError)
    invoicePut.release()
    expect(await invoice).toBe('created')
    expect(await keysUnder(memory, 'data/acme/Customer/')).toHaveLength(1)
  })
})

describe('index entries under faults', () => {
  it('an index entry put that landed but failed is undone with its transaction, and never listed', async () => {
    const { memory, objects, clock, store } = setupStore({ indexed: true })
    const { stored } = await store().create('Customer', { name: 'Ada', email: 'ada@example.com' })
    objects.landThenFail((call) => call.op === 'put' && call.key.startsWith('index/acme/Customer/email/'))
    await expect(store().edit('Customer', stored.record.id, { email: 'grace@example.com', name: 'Grace' })).rejects.toThrow(/landed, then its answer was lost/)
    expect(await keysUnder(memory, 'intents/')).toHaveLength(1)
    const byEmail = async (email: string) => (await store(memory).list('Customer', { where: { email } })).records.map((found) => found.record.fields.name)
    expect(await byEmail('grace@example.com')).toEqual([])
    expect(await byEmail('ada@example.com')).toEqual(['Ada'])
    clock.now += TX_ABANDONED_MS + 1
    expect((await recoverAbandonedTransactions(memory, { nowMs: clock.now })).rolledBack).toHaveLength(1)
    expect(await keysUnder(memory, 'index/')).toEqual([`index/acme/Customer/email/x${Buffer.from('ada@example.com').toString('hex')}/${stored.record.id}`])
    expect(await byEmail('ada@example.com')).toEqual(['Ada'])
  })

  it('a claimed entry that landed but failed leaves the record listed under its old value until recovery undoes it', async () => {
    const { memory, objects, clock, store } = setupStore({ indexed: true })
    const { stored } = await store().create('Customer', { name: 'Ada', email: 'ada@example.com' })
    objects.landThenFail((call) => isEntryPut(call))
    await expect(store().edit('Customer', stored.record.id, { email: 'grace@example.com' })).rejects.toThrow()
    const byEmail = async (email: string) => (await store(memory).list('Customer', { where: { email } })).records.map((found) => found.record.fields.email)
    // Committed (its entry landed): the new value is listed, the old one is not, before and after recovery.
    expect(await byEmail('grace@example.com')).toEqual(['grace@example.com'])
    expect(await byEmail('ada@example.com')).toEqual([])
    clock.now += TX_ABANDONED_MS + 1
    expect((await recoverAbandonedTransactions(memory, { nowMs: clock.now })).rolledForward).toHaveLength(1)
    expect(await keysUnder(memory, 'index/')).toEqual([`index/acme/Customer/email/x${Buffer.from('grace@example.com').toString('hex')}/${stored.record.id}`])
  })

  it('a write run again to repair its entries never writes over an open transaction\'s entry', async () => {
    const { memory, objects, store } = setupStore({ indexed: true })
    const { stored } = await store().create('Customer', { name: 'Ada', email: 'ada@example.com' })
    // W's entry lands; its record put is held, so its transaction stays open.
    const held = objects.gate((call) => call.op === 'put' && call.key === stored.key)
    const open = store().edit('Customer', stored.record.id, { name: 'W' })
    await held.reached
    // A finds the entry out of step with the record it read, runs again reading the entries, and finds W's: busy.
    await expect(store().edit('Customer', stored.record.id, { notes: 'A' })).rejects.toBeInstanceOf(ConflictError)
    held.release()
    await open
    await expectIndexInStep(memory, 'after both')
    expect((await store(memory).list('Customer', { where: { email: 'ada@example.com' } })).records.map((found) => found.record.fields.name)).toEqual(['W'])
  })

  it('a filtered list never shows an open write, nor one undone between its listing and its confirmation', async () => {
    const { memory, objects, store } = setupStore({ indexed: true })
    const { stored: existing } = await store().create('Customer', { name: 'Existing', email: 'x@example.com' })
    const { outcome, racedPut } = createAndEditHeldAtTheEdit(store(), objects, existing, { email: 'x@example.com' })
    await racedPut.reached
    // While open: the listing shows the committed state only.
    expect((await store(memory).list('Customer', { where: { email: 'x@example.com' } })).records.map((found) => found.record.fields.name)).toEqual(['Existing'])
    const confirming = objects.gate((call) => call.op === 'list' && call.key.startsWith('commits/'))
    const listing = store().list('Customer', { where: { email: 'x@example.com' } })
    await confirming.reached
    await memory.put(existing.key, (await memory.get(existing.key))!.text.replace('Existing', 'Changed'), { metadata: {} })
    racedPut.release()
    expect(await outcome).toBeInstanceOf(ConflictError)
    confirming.release()
    const names = (await listing).records.map((found) => found.record.fields.name)
    expect(names).not.toContain('Never committed')
    expect(names).not.toContain('Edited')
  })
})

describe('a write whose outcome is unknown keeps its intent', () => {
  it('a line put that landed but failed is undone, and never listed, read or left behind', async () => {
    const { memory, objects, clock, store } = setup()
    const { stored } = await store().create('Customer', { name: 'Ada' })
    objects.landThenFail((call) => call.op === 'put' && call.key.startsWith('data/acme/Line/'))
    const attempt = store().transaction(
      'create Invoice with 2 lines',
      async (tx) => {
        const invoice = tx.create('Invoice', { customer_id: stored.record.id, total: 300n })
        tx.create('Line', { invoice_id: invoice.id, amount: 100n })
        tx.create('Line', { invoice_id: invoice.id, amount: 200n })
      },
      { enforceCrud: false },
    )
    await expect(attempt).rejects.toThrow(/landed, then its answer was lost/)
    expect(await keysUnder(memory, 'intents/')).toHaveLength(1)
    expect((await store(memory).list('Line')).records).toEqual([])
    expect((await store(memory).list('Invoice')).records).toEqual([])
    clock.now += TX_ABANDONED_MS + 1
    const report = await recoverAbandonedTransactions(memory, { nowMs: clock.now })
    expect(report.rolledBack).toHaveLength(1)
    expect(await keysUnder(memory, 'data/acme/Line/')).toEqual([])
    expect(await keysUnder(memory, 'data/acme/Invoice/')).toEqual([])
    expect(await pendingEntries(memory)).toHaveLength(1)
  })
})

describe('a list is as strict as a read', () => {
  it('sees every open transaction of its tenant, past the first page of intents', async () => {
    const { memory, objects, store } = setup()
    // Many open transactions, of this tenant and of others (outside its prefix), sort before the one that matters.
    for (let index = 0; index < 1005; index++) {
      const oid = `0190${String(index).padStart(4, '0')}-0000-7000-8000-000000000000`
      await memory.put(`intents/acme/${oid}.json`, '{}')
      await memory.put(`intents/${oid}.json`, '{}')
    }
    const commit = objects.gate(isEntryPut)
    const creating = store().create('Customer', { name: 'Not yet' })
    await commit.reached
    expect((await store(memory).list('Customer')).records).toEqual([])
    commit.release()
    await creating
    expect((await store(memory).list('Customer')).records.map((stored) => stored.record.fields.name)).toEqual(['Not yet'])
  })

  it('never shows a record whose transaction rolled back between the record listing and the intent listing', async () => {
    const { memory, objects, store } = setup()
    const { stored: existing } = await store().create('Customer', { name: 'Existing' })
    const { outcome, racedPut } = createAndEditHeldAtTheEdit(store(), objects, existing)
    await racedPut.reached
    const intentsListed = objects.gate((call) => call.op === 'list' && call.key.startsWith('intents/'))
    const listing = store().list('Customer')
    await intentsListed.reached
    // Another writer changes the edited record: the transaction loses its race and undoes its create.
    await memory.put(existing.key, (await memory.get(existing.key))!.text.replace('Existing', 'Changed'), { metadata: {} })
    racedPut.release()
    expect(await outcome).toBeInstanceOf(ConflictError)
    intentsListed.release()
    const names = (await listing).records.map((stored) => stored.record.fields.name)
    expect(names).not.toContain('Never committed')
  })
})

describe('what a reader is told matches what it read', () => {
  it('a record held by an open edit reads as the text before it, with the version before it', async () => {
    const { memory, objects, store } = setup()
    const { stored } = await store().create('Customer', { name: 'Ada' })
    const commit = objects.gate(isEntryPut)
    const editing = store().edit('Customer', stored.record.id, { name: 'Grace' })
    await commit.reached
    const seen = await store(memory).read('Customer', stored.record.id)
    expect(seen?.record.fields.name).toBe('Ada')
    expect(seen?.version).toBe(stored.version)
    commit.release()
    await editing
  })
})

describe("git's order of commits is the order the writes happened in", () => {
  it('a transaction that reads a write stamped after its own start commits after it', async () => {
    const { memory, objects, clock, store } = setup()
    const { stored } = await store().create('Customer', { name: 'Ada' })
    clock.now += 1000
    const read = objects.gate((call) => call.op === 'get' && call.key === stored.key)
    const late = store().edit('Customer', stored.record.id, { email: 'ada@example.com' })
    await read.reached
    // Meanwhile, a writer whose clock is ahead edits the record and commits.
    clock.now += 5
    await store().edit('Customer', stored.record.id, { name: 'Grace' })
    clock.now -= 5
    read.release()
    await late
    const entries = (await pendingEntries(memory)).sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
    expect(entries.map((entry) => entry.message)).toEqual([expect.stringMatching(/^create/), expect.stringMatching(/name/), expect.stringMatching(/email/)])
    const last = entries.at(-1)!.files[0]!
    expect(last.op === 'put' ? last.content : '').toBe((await memory.get(stored.key))!.text)
  })
})
