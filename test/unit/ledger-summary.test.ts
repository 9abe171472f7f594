import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Bucket } from '../../action/engine/bucket.ts'
import { readBucketTree } from '../../action/engine/bucket-tree.ts'
import { checkLedgerSummaries } from '../../action/engine/ledger-check.ts'
import { ledgerTrialBalance } from '../../shared/domain/index.ts'
import { GitStore, writeIndexMarker } from '../../shared/git-store/index.ts'
import { isIndexed } from '../../shared/agi/types.ts'
import { ledgerStateKey, newId, SUMMARY_PREFIX } from '../../shared/keys.ts'
import { foldCutoffsByTenant, foldLedger, ledgerAccess, settledPrefix, ledgerBalancesThrough, readLedgerState } from '../../shared/ledger/ledger-summary.ts'
import { foldLines, totalsThrough, type LedgerLine, type MonthTotals } from '../../shared/ledger/ledger-totals.ts'
import { CountingObjectStore } from '../../shared/object-store/counting-store.ts'
import { MemoryObjectStore } from '../../shared/object-store/memory-store.ts'
import type { ListedObject, ObjectStore, StoredObject } from '../../shared/object-store/object-store.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import type { Caller } from '../../worker/auth/caller.ts'
import { findTool } from '../../worker/tools/catalogue.ts'
import { trialBalanceAnswer } from '../../worker/tools/intents/trial-balance.ts'
import { invokeTool } from '../../worker/tools/invoke-tool.ts'
import { GatedObjectStore } from '../support/gated-store.ts'
import { Dice } from '../support/seeded.ts'

const T0 = Date.parse('2026-12-01T09:00:00.000Z')
const MINUTE = 60_000
const ACCOUNTS = [
  { code: '1000', name: 'Cash', type: 'asset' },
  { code: '1200', name: 'Receivables', type: 'asset' },
  { code: '4000', name: 'Sales', type: 'income' },
  { code: '6000', name: 'Rent', type: 'expense' },
]

/** The engine's `Bucket` over any store, for `verify`'s checks. */
function bucketOver(objects: ObjectStore): Bucket {
  return {
    get: (key) => objects.get(key),
    put: (key, text, options) => objects.put(key, text, options),
    delete: (keys) => objects.delete(keys),
    list: (options) => objects.list(options),
    async *listAll(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<ListedObject> {
      let cursor: string | undefined
      do {
        const page = await objects.list({ prefix, cursor, startAfter: cursor === undefined ? options.startAfter : undefined })
        yield* page.objects
        cursor = page.cursor
      } while (cursor !== undefined)
    },
    async listPrefixes(): Promise<string[]> {
      throw new Error('not needed here')
    },
    getMany: (keys): Promise<(StoredObject | null)[]> => Promise.all(keys.map((key) => objects.get(key))),
  }
}

/** verify's ledger check over the bucket as it stands, the way `runVerify` calls it. */
async function verifyLedger(objects: ObjectStore, nowMs: number, repair: boolean) {
  const bucket = bucketOver(objects)
  const settledBefore = await foldCutoffsByTenant(objects, nowMs)
  return checkLedgerSummaries(bucket, ERP_SCHEMA, await readBucketTree(bucket, nowMs), { nowMs, repair, settledBefore })
}

/** A ledger behind the tool pipeline, on a clock the test moves; folds run when the test says (`settle`). */
async function ledger(options: { markers?: boolean } = {}) {
  const memory = new MemoryObjectStore({ maxPageSize: 100 })
  const gated = new GatedObjectStore(memory)
  const counting = new CountingObjectStore(gated)
  const clock = { now: T0 }
  const deferred: Promise<unknown>[] = []
  const caller: Caller = { sub: 'books', name: 'Books Bot', email: 'books@acme.example', tenant: 'acme', scope: 'write' }
  if (options.markers !== false) {
    for (const spec of ERP_SCHEMA.entities.values()) for (const field of spec.fields) if (isIndexed(field)) await writeIndexMarker(memory, ERP_SCHEMA, spec.name, field.name, new Date(T0))
  }
  const call = async (name: string, args: unknown): Promise<any> => {
    const answer = await invokeTool({ tool: findTool(name), args, caller, objects: counting, now: () => new Date(clock.now), defer: (work) => deferred.push(work) })
    return answer.body
  }
  const settle = async () => {
    while (deferred.length > 0) await deferred.shift()
  }
  const store = (objects: ObjectStore = memory) => new GitStore({ objects, schema: ERP_SCHEMA, tenant: 'acme', author: caller, now: () => new Date(clock.now) })
  /** The trial balance the records themselves give, joined on their entries' dates. */
  const reference = async (asOf: string) => {
    const records = []
    for (const entity of ['JournalEntry', 'JournalLine', 'Account']) {
      let cursor: string | undefined
      do {
        const page = await store().list(entity, { limit: 200, cursor })
        records.push(...page.records.map((stored) => stored.record))
        cursor = page.cursor
      } while (cursor !== undefined)
    }
    return trialBalanceAnswer(ledgerTrialBalance(records, asOf))
  }
  for (const account of ACCOUNTS) await call('create_account', account)
  await settle()
  return { memory, gated, counting, clock, call, settle, store, reference }
}

function post(dice: Dice, date: string) {
  const amount = dice.int(1, 500_000) / 100
  const [debit, credit] = [dice.pick(ACCOUNTS).code, dice.pick(ACCOUNTS).code]
  return { date, memo: `posting on ${date}`, lines: [{ account_code: debit, debit: amount }, { account_code: credit, credit: amount }] }
}

function dateIn(dice: Dice): string {
  const month = dice.pick(['2025-11', '2025-12', '2026-01', '2026-02', '2026-03'])
  return `${month}-${String(dice.int(1, 28)).padStart(2, '0')}`
}

describe('ledger totals by month', () => {
  const line = fc.record({
    date: fc.constantFrom('2025-12-31', '2026-01-01', '2026-01-15', '2026-02-28', '2026-03-01', '2026-05-09'),
    accountCode: fc.constantFrom('1000', '4000', '6000'),
    debit: fc.bigInt({ min: 0n, max: 10_000_00n }),
    credit: fc.bigInt({ min: 0n, max: 10_000_00n }),
  })

  it('folding lines in any batches gives the totals of folding them at once, and each day adds up exactly', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.array(fc.nat(40), { maxLength: 5 }), fc.constantFrom('2025-12-30', '2026-01-01', '2026-02-10', '2026-04-01', '2027-01-01'), (drawn, cuts, day) => {
        const lines: LedgerLine[] = drawn.map((item, index) => ({ ...item, id: String(index).padStart(4, '0') }))
        const bounds = [...new Set([0, ...cuts.map((cut) => Math.min(cut, lines.length)), lines.length])].sort((a, b) => a - b)
        let months = new Map<string, MonthTotals>()
        for (let index = 1; index < bounds.length; index++) {
          const batch = lines.slice(bounds[index - 1], bounds[index])
          const first = batch.map((item) => item.date.slice(0, 7)).sort()[0]
          if (first === undefined) continue
          const before = [...months.keys()].filter((month) => month < first).sort().at(-1)
          const touched = new Map([...months].filter(([month]) => month >= first))
          for (const written of foldLines(batch, touched, before === undefined ? undefined : months.get(before))) months.set(written.month, written)
          months = new Map([...months].sort(([a], [b]) => (a < b ? -1 : 1)))
        }
        const month = [...months.keys()].filter((candidate) => candidate <= day.slice(0, 7)).at(-1)
        const folded = month === undefined ? new Map() : totalsThrough(months.get(month) as MonthTotals, day)
        const direct = new Map<string, { debit: bigint; credit: bigint }>()
        for (const item of lines.filter((candidate) => candidate.date <= day)) {
          const sums = direct.get(item.accountCode) ?? { debit: 0n, credit: 0n }
          direct.set(item.accountCode, { debit: sums.debit + item.debit, credit: sums.credit + item.credit })
        }
        expect(folded).toEqual(direct)
      }),
      { numRuns: 300 },
    )
  })
})

describe('what a fold or a rebuild may take', () => {
  it('the settled lines from the first on, never one after a line that is not settled', () => {
    const line = (id: string): LedgerLine => ({ id, date: '2026-01-01', accountCode: '1000', debit: 1n, credit: 0n })
    const at = (ms: number) => newId(new Date(ms))
    const [old, older, recent] = [at(T0 - 20 * MINUTE), at(T0 - 19 * MINUTE), at(T0 - MINUTE)]
    // A v4 id carries no time and counts as settled, but it comes after a line that is not: `through` would pass that line.
    const lines = [line(old), line(older), line(recent), line('4b0c6f3e-1f2a-4c3d-9e8f-0a1b2c3d4e5f')]
    expect(settledPrefix(lines, T0 - 10 * MINUTE).map((taken) => taken.id)).toEqual([old, older])
    expect(settledPrefix(lines, T0 - 10 * MINUTE, 1).map((taken) => taken.id)).toEqual([old])
  })
})

describe('trial_balance over the ledger summary', () => {
  it('answers what the records add up to, on any day, before, during and after folds, with postings in any order of dates', async () => {
    const books = await ledger()
    const dice = new Dice(20261201)
    for (let round = 0; round < 8; round++) {
      for (let index = 0; index < 40; index++) await books.call('create_journal_entry', post(dice, dateIn(dice)))
      books.clock.now += dice.int(0, 15) * MINUTE
      for (const asOf of ['2025-10-31', '2025-12-01', '2026-01-31', '2026-02-14', dateIn(dice), '2026-12-31']) {
        expect(await books.call('trial_balance', { as_of: asOf }), `round ${round}, as of ${asOf}`).toEqual(await books.reference(asOf))
      }
      await books.settle()
    }
    const { state } = await readLedgerState(books.memory, 'acme')
    expect(state.through, 'the reads folded the settled lines').not.toBeNull()
    const check = await verifyLedger(books.memory, books.clock.now, false)
    expect(check).toMatchObject({ checked: 1, problems: [] })
  })

  it('costs the same few calls with 300 lines as with 3,000 once they are folded', async () => {
    const measure = async (entries: number) => {
      const books = await ledger()
      const dice = new Dice(entries)
      for (let index = 0; index < entries; index++) await books.call('create_journal_entry', post(dice, dateIn(dice)))
      books.clock.now += 11 * MINUTE
      for (let folded = 1; folded > 0; ) folded = (await foldLedger(ledgerAccess(books.store()))).folded
      // Two fresh postings the summary does not hold yet, read one by one.
      for (let index = 0; index < 2; index++) await books.call('create_journal_entry', post(dice, '2026-02-20'))
      await books.settle()
      books.counting.reset()
      const answer = await books.call('trial_balance', { as_of: '2026-02-20' })
      expect(answer).toEqual(await books.reference('2026-02-20'))
      return books.counting.counts()
    }
    const small = await measure(150)
    const large = await measure(1_500)
    // The state, its month, one page of unfolded lines (and its open transactions), one page of the chart (and its).
    expect(large.get + large.list).toBeLessThanOrEqual(8)
    expect(large).toMatchObject({ get: small.get, list: small.list, put: 0 })
  })

  it('a fold that lost its answer, failed half way, or raced another, never makes an answer wrong', async () => {
    const books = await ledger()
    const dice = new Dice(7)
    const postSome = async (count: number) => {
      for (let index = 0; index < count; index++) await books.call('create_journal_entry', post(dice, dateIn(dice)))
      books.clock.now += 11 * MINUTE
    }
    const agrees = async (label: string) => {
      for (const asOf of ['2025-12-15', '2026-02-28', '2026-12-31']) expect(await books.call('trial_balance', { as_of: asOf }), label).toEqual(await books.reference(asOf))
    }
    // Folds go through the gated store, where the faults are.
    const access = () => ledgerAccess(books.store(books.gated))

    await postSome(30)
    // The state's put lands and its answer is lost: the fold fails, its month objects stay, and they are the state's.
    books.gated.landThenFail((call) => call.op === 'put' && call.key === ledgerStateKey('acme'))
    await expect(foldLedger(access())).rejects.toThrow(/landed/)
    await agrees('after a state put whose answer was lost')

    await postSome(30)
    // A month object's put fails before it lands: the state does not move.
    const before = await readLedgerState(books.memory, 'acme')
    books.gated.failBefore((call) => call.op === 'put' && call.key.startsWith(SUMMARY_PREFIX) && call.key !== ledgerStateKey('acme'))
    await expect(foldLedger(access())).rejects.toThrow(/injected/)
    expect((await readLedgerState(books.memory, 'acme')).version).toBe(before.version)
    await agrees('after a fold that failed half way')

    await postSome(30)
    // Two folds at once: the one held at its state put loses, and removes the month objects it wrote.
    const held = books.gated.gate((call) => call.op === 'put' && call.key === ledgerStateKey('acme'))
    const first = foldLedger(access())
    await held.reached
    const second = await foldLedger(access())
    held.release()
    expect([await first, second].map((result) => result.moved)).toEqual([false, true])
    await agrees('after two folds raced')
    const { state } = await readLedgerState(books.memory, 'acme')
    const monthObjects = (await books.memory.list({ prefix: `${SUMMARY_PREFIX}acme/ledger/` })).objects.map((object) => object.key).filter((key) => !key.endsWith('state.json'))
    expect(monthObjects.sort(), 'only the state’s month objects are left').toEqual(Object.entries(state.months).map(([month, name]) => `${SUMMARY_PREFIX}acme/ledger/${month}/${name}.json`).sort())

    const check = await verifyLedger(books.memory, books.clock.now, false)
    expect(check.problems).toEqual([])
  })

  it('a fold whose month objects another fold replaced stands back, and does not rebuild', async () => {
    const books = await ledger()
    const dice = new Dice(17)
    const postSome = async () => {
      for (let index = 0; index < 20; index++) await books.call('create_journal_entry', post(dice, dateIn(dice)))
      books.clock.now += 11 * MINUTE
    }
    await postSome()
    await foldLedger(ledgerAccess(books.store()))
    await postSome()
    // The first fold has read the state and waits to read a month object; the second replaces that object meanwhile.
    const held = books.gated.gate((call) => call.op === 'get' && call.key.startsWith(`${SUMMARY_PREFIX}acme/ledger/`) && !call.key.endsWith('state.json'))
    const first = foldLedger(ledgerAccess(books.store(books.counting)))
    await held.reached
    const second = await foldLedger(ledgerAccess(books.store()))
    books.counting.reset()
    held.release()
    expect([second.moved, await first]).toEqual([true, { folded: 0, moved: false }])
    expect(books.counting.counts().put, 'the first fold wrote nothing').toBe(0)
    expect(await books.call('trial_balance', { as_of: '2026-12-31' })).toEqual(await books.reference('2026-12-31'))
  })

  it('an open transaction holds folds back, however old, until it is settled', async () => {
    const books = await ledger()
    const dice = new Dice(13)
    // Prepared (intent and records written) but not committed: hidden from every list, and a roll-forward or a late
    // commit could make its lines appear at any time while its intent is there.
    const held = new GitStore({ objects: books.memory, schema: ERP_SCHEMA, tenant: 'acme', author: { name: 'Slow Bot', email: 'slow@acme.example' }, now: () => new Date(books.clock.now), holdCommit: true })
    await held.transaction(
      'create JournalEntry with 2 lines',
      async (tx) => {
        const entry = tx.create('JournalEntry', { date: '2026-01-10', memo: 'slow' })
        for (const [position, side] of [[1, { debit: 12_345n }], [2, { credit: 12_345n }]] as const) {
          tx.create('JournalLine', { journal_entry_id: entry.id, position, date: '2026-01-10', account_code: position === 1 ? '1000' : '4000', ...side })
        }
      },
      { enforceCrud: false },
    )
    books.clock.now += MINUTE
    // On other accounts: the open transaction holds the codes it uses.
    for (let index = 0; index < 20; index++) {
      const amount = dice.int(1, 99_999) / 100
      await books.call('create_journal_entry', { date: dateIn(dice), memo: 'rent', lines: [{ account_code: '6000', debit: amount }, { account_code: '1200', credit: amount }] })
    }
    books.clock.now += 15 * MINUTE
    const folded = await foldLedger(ledgerAccess(books.store()))
    expect(folded.folded, 'nothing made after a window before the open transaction is settled').toBe(0)

    // Undone: its lines never existed, and everything after it can be folded.
    await held.abortHeld()
    for (let more = 1; more > 0; ) more = (await foldLedger(ledgerAccess(books.store()))).folded
    expect((await readLedgerState(books.memory, 'acme')).state.through).not.toBeNull()
    expect(await books.call('trial_balance', { as_of: '2026-12-31' })).toEqual(await books.reference('2026-12-31'))
    expect((await verifyLedger(books.memory, books.clock.now, false)).problems).toEqual([])
  })

  it('a month object that is corrupt is never read as zero: answers stay exact, verify reports it and rebuilds', async () => {
    const books = await ledger()
    const dice = new Dice(11)
    for (let index = 0; index < 40; index++) await books.call('create_journal_entry', post(dice, dateIn(dice)))
    books.clock.now += 11 * MINUTE
    await foldLedger(ledgerAccess(books.store()))
    const { state } = await readLedgerState(books.memory, 'acme')
    const [month, name] = Object.entries(state.months).find(([candidate]) => candidate === '2026-01') as [string, string]
    await books.memory.put(`${SUMMARY_PREFIX}acme/ledger/${month}/${name}.json`, '{"v":1,"month":"2026-01","opening":{},"days":{"2026-01-0')
    expect(await books.call('trial_balance', { as_of: '2026-01-20' })).toEqual(await books.reference('2026-01-20'))

    const found = await verifyLedger(books.memory, books.clock.now, true)
    expect(found.problems).toEqual([{ tenant: 'acme', kind: 'unreadable', month: '2026-01' }])
    expect(found.rebuilt).toEqual(['acme'])
    expect((await verifyLedger(books.memory, books.clock.now, false)).problems).toEqual([])
    expect(await books.call('trial_balance', { as_of: '2026-01-20' })).toEqual(await books.reference('2026-01-20'))
  })

  it('verify finds a month whose totals were altered, and builds the summary of a ledger that has none', async () => {
    const books = await ledger()
    const dice = new Dice(12)
    for (let index = 0; index < 20; index++) await books.call('create_journal_entry', post(dice, dateIn(dice)))
    books.clock.now += 11 * MINUTE
    expect(await verifyLedger(books.memory, books.clock.now, true)).toMatchObject({ checked: 0, problems: [], rebuilt: ['acme'] })

    const { state } = await readLedgerState(books.memory, 'acme')
    const [month, name] = Object.entries(state.months)[1] as [string, string]
    const key = `${SUMMARY_PREFIX}acme/ledger/${month}/${name}.json`
    const text = (await books.memory.get(key))?.text as string
    await books.memory.put(key, text.replace(/"(\d+)"/, (_, cents: string) => `"${BigInt(cents) + 1n}"`))
    expect((await verifyLedger(books.memory, books.clock.now, false)).problems).toEqual([{ tenant: 'acme', kind: 'different', month }])
  })
})

describe('account_ledger', () => {
  async function booksWithHistory(markers: boolean) {
    const books = await ledger({ markers })
    const dice = new Dice(3)
    // Posted out of date order: the ledger lists by date all the same.
    for (const date of ['2026-02-10', '2026-01-05', '2026-03-01', '2026-01-20', '2025-12-31', '2026-02-10', '2026-01-05']) {
      const amount = dice.int(1, 9999) / 100
      await books.call('create_journal_entry', { date, memo: `on ${date}`, lines: [{ account_code: '1000', debit: amount }, { account_code: '4000', credit: amount }] })
    }
    return books
  }

  it('lists an account’s lines in date order with a running balance, page after page, from the summary’s opening balance', async () => {
    const books = await ledger()
    const dice = new Dice(5)
    const dates = ['2026-02-10', '2026-01-05', '2026-03-01', '2026-01-20', '2025-12-31', '2026-02-10', '2026-01-05', '2026-02-28', '2026-01-31']
    for (const date of dates) {
      const amount = dice.int(1, 99_999) / 100
      const cashSide = dice.chance(0.5) ? { debit: amount } : { credit: amount }
      const otherSide = 'debit' in cashSide ? { credit: amount } : { debit: amount }
      await books.call('create_journal_entry', { date, memo: `on ${date}`, lines: [{ account_code: '1000', ...cashSide }, { account_code: '4000', ...otherSide }] })
    }
    books.clock.now += 11 * MINUTE
    await foldLedger(ledgerAccess(books.store()))

    const whole = await books.call('account_ledger', { account_code: '1000', from: '2026-01-05', to: '2026-02-28', limit: 200 })
    const lines = (await books.store().list('JournalLine', { where: { account_code: '1000' }, limit: 200 })).records.map((stored) => stored.record)
    const expected = lines
      .map((line) => ({ id: line.id, date: line.fields.date as string, amount: (line.fields.debit as bigint) - (line.fields.credit as bigint) }))
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : 1))
    const opening = expected.filter((line) => line.date < '2026-01-05').reduce((sum, line) => sum + line.amount, 0n)
    let running = opening
    const inRange = expected.filter((line) => line.date >= '2026-01-05' && line.date <= '2026-02-28')
    expect(whole.opening_balance).toBe(Number(opening) / 100)
    expect(whole.lines.map((line: any) => [line.id, line.date, line.balance])).toEqual(
      inRange.map((line) => {
        running += line.amount
        return [line.id, line.date, Number(running) / 100]
      }),
    )
    expect(whole.next_cursor).toBeNull()
    expect(whole.account).toEqual({ code: '1000', name: 'Cash', type: 'asset' })

    const paged: any[] = []
    let cursor: string | undefined
    do {
      const page = await books.call('account_ledger', { account_code: '1000', from: '2026-01-05', to: '2026-02-28', limit: 2, ...(cursor === undefined ? {} : { cursor }) })
      paged.push(...page.lines)
      cursor = page.next_cursor ?? undefined
    } while (cursor !== undefined)
    expect(paged).toEqual(whole.lines)
  })

  it('answers the same before its index is complete (reading every line of the account)', async () => {
    const indexed = await booksWithHistory(true)
    const unindexed = await booksWithHistory(false)
    const strip = (answer: any) => ({ ...answer, lines: answer.lines.map(({ id, journal_entry_id, ...rest }: any) => rest) })
    const args = { account_code: '1000', from: '2026-01-05', to: '2026-02-28', limit: 2 }
    expect(strip(await unindexed.call('account_ledger', args))).toEqual({ ...strip(await indexed.call('account_ledger', args)), next_cursor: expect.any(String) })
  })

  it('refuses an unknown account, a foreign cursor and a range that ends before it starts', async () => {
    const books = await ledger()
    await expect(books.call('account_ledger', { account_code: '9999' })).rejects.toMatchObject({ code: 'not_found' })
    await expect(books.call('account_ledger', { account_code: '1000', cursor: 'bm90IGEgY3Vyc29y' })).rejects.toMatchObject({ code: 'invalid_input' })
    await expect(books.call('account_ledger', { account_code: '1000', from: '2026-02-01', to: '2026-01-01' })).rejects.toMatchObject({ code: 'invalid_input' })
  })
})
