import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { checkBooks } from '../../shared/domain/index.ts'
import { DomainRuleError, NotFoundError } from '../../shared/errors.ts'
import { createJournalEntry, reverseJournalEntry, trialBalance } from '../../worker/tools/intents/index.ts'
import { allRecords, call, entryOf, inputIssues, intentContext, keysUnder, pendingEntries, seedChart, storedText } from './intent-support.ts'

afterEach(async () => {
  await reset()
})

const NOW = '2026-06-25T10:00:00.000Z'

async function books() {
  // The chart exists before the postings: a write stamped at or after what it read would run again just after it.
  let at = '2026-06-25T09:00:00.000Z'
  const context = intentContext({ now: () => new Date(at) })
  await seedChart(context.store)
  at = NOW
  return context
}

const sale = {
  date: '2026-06-25',
  memo: 'Invoice INV-42',
  lines: [
    { account_code: '1200', debit: '1750.00', description: 'Receivable' },
    { account_code: '4000', credit: 1500 },
    { account_code: '4000', credit: '250' },
  ],
}

describe('create_journal_entry', () => {
  it('posts the entry and its lines in one entry', async () => {
    const { objects, ctx } = await books()
    const out = await call(createJournalEntry, sale, ctx)
    expect(out.journal_entry).toMatchObject({ date: '2026-06-25', memo: 'Invoice INV-42', tenant_id: 'acme' })
    expect(out.lines.map((line: any) => [line.position, line.account_code, line.debit, line.credit])).toEqual([
      [1, '1200', 1750, 0],
      [2, '4000', 0, 1500],
      [3, '4000', 0, 250],
    ])
    const entry = await entryOf(objects, out.commit.oid)
    expect(entry.message).toBe('create JournalEntry with 3 lines')
    expect(entry.files).toHaveLength(4)
    expect(await storedText(objects, 'JournalLine', out.lines[0].id)).toBe(
      `RECORD JournalLine ${out.lines[0].id} {
  tenant_id        : "acme"
  journal_entry_id : "${out.journal_entry.id}"
  position         : 1
  date             : "2026-06-25"
  account_code     : "1200"
  debit            : 1750.00
  credit           : 0.00
  description      : "Receivable"
  created_at       : "${NOW}"
  updated_at       : "${NOW}"
}
`,
    )
    expect(checkBooks(await allRecords(objects))).toEqual([])
  })

  it('refuses an unbalanced entry with both sums, writing nothing', async () => {
    const { objects, ctx } = await books()
    const before = await keysUnder(objects, '')
    const error = await call(
      createJournalEntry,
      { date: '2026-06-25', memo: 'Typo', lines: [{ account_code: '6100', debit: '1200.00' }, { account_code: '1000', credit: '1200.01' }] },
      ctx,
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DomainRuleError)
    expect(error).toMatchObject({ code: 'unbalanced', details: { debit: 1200, credit: 1200.01, difference: -0.01 } })
    expect(await keysUnder(objects, '')).toEqual(before)
    expect((await pendingEntries(objects)).filter((entry) => entry.message.startsWith('create JournalEntry'))).toEqual([])
  })

  it('adds amounts exactly: 0.10 + 0.20 balances 0.30', async () => {
    const { ctx } = await books()
    const out = await call(
      createJournalEntry,
      { date: '2026-06-25', memo: 'Cents', lines: [{ account_code: '6100', debit: 0.1 }, { account_code: '6100', debit: 0.2 }, { account_code: '1000', credit: 0.3 }] },
      ctx,
    )
    expect(out.lines).toHaveLength(3)
  })

  it('refuses unknown account codes as unknown_reference, naming all of them', async () => {
    const { objects, ctx } = await books()
    const before = await keysUnder(objects, '')
    await expect(
      call(createJournalEntry, { date: '2026-06-25', memo: 'x', lines: [{ account_code: '9999', debit: 5 }, { account_code: '8888', credit: 5 }] }, ctx),
    ).rejects.toMatchObject({ code: 'unknown_reference', details: { entity: 'Account', codes: ['9999', '8888'] } })
    expect(await keysUnder(objects, '')).toEqual(before)
  })

  it('refuses an inactive account', async () => {
    const { objects, store, ctx } = await books()
    const rent = (await store.list('Account', { where: { code: '6100' } })).records[0]!
    await store.edit('Account', rent.record.id, { active: false })
    const before = await keysUnder(objects, '')
    await expect(
      call(createJournalEntry, { date: '2026-06-25', memo: 'x', lines: [{ account_code: '6100', debit: 5 }, { account_code: '1000', credit: 5 }] }, ctx),
    ).rejects.toMatchObject({ code: 'inactive_account', details: { codes: ['6100'] } })
    expect(await keysUnder(objects, '')).toEqual(before)
  })

  it('finds accounts beyond the first page of the chart', async () => {
    const { store, ctx } = await books()
    for (let i = 0; i < 205; i++) await store.create('Account', { code: `7${String(i).padStart(3, '0')}`, name: `Expense ${i}`, type: 'expense' })
    const out = await call(createJournalEntry, { date: '2026-06-25', memo: 'x', lines: [{ account_code: '7204', debit: 5 }, { account_code: '1000', credit: 5 }] }, ctx)
    expect(out.lines[0].account_code).toBe('7204')
  })

  it.each([
    ['a line with both sides', [{ account_code: '1000', debit: 5, credit: 5 }, { account_code: '4000', credit: 0 }], ['lines', 0]],
    ['a line with neither side', [{ account_code: '1000' }, { account_code: '4000', credit: 5 }], ['lines', 0]],
    ['a negative debit', [{ account_code: '1000', debit: -5 }, { account_code: '4000', debit: 5 }], ['lines', 0, 'debit']],
    ['three decimals', [{ account_code: '1000', debit: '5.001' }, { account_code: '4000', credit: '5.001' }], ['lines', 0, 'debit']],
    ['one line', [{ account_code: '1000', debit: 5 }], ['lines']],
    ['an unknown line field', [{ account_code: '1000', debit: 5, side: 'dr' }, { account_code: '4000', credit: 5 }], ['lines', 0]],
  ])('refuses %s as invalid input', (_, lines, path) => {
    expect(inputIssues(createJournalEntry, { date: '2026-06-25', memo: 'x', lines })?.map((issue) => issue.path)).toContainEqual(path)
  })

  it('refuses a missing memo or a bad date as invalid input', () => {
    const lines = sale.lines
    expect(inputIssues(createJournalEntry, { date: '2026-06-25', lines })?.map((issue) => issue.path)).toContainEqual(['memo'])
    expect(inputIssues(createJournalEntry, { date: '2026-13-01', memo: 'x', lines })?.map((issue) => issue.path)).toContainEqual(['date'])
  })
})

describe('reverse_journal_entry', () => {
  it('posts the mirrored entry, linked both ways, and the pair nets to zero in the trial balance', async () => {
    const { objects, store, ctx } = await books()
    const original = await call(createJournalEntry, sale, ctx)
    const out = await call(reverseJournalEntry, { journal_entry_id: original.journal_entry.id, date: '2026-06-30' }, ctx)
    expect(out.journal_entry).toMatchObject({ date: '2026-06-30', memo: 'Reversal: Invoice INV-42', reverses: original.journal_entry.id })
    expect(out.reversed_journal_entry).toMatchObject({ id: original.journal_entry.id, reversed_by: out.journal_entry.id })
    expect(out.lines.map((line: any) => [line.position, line.account_code, line.debit, line.credit, line.description])).toEqual([
      [1, '1200', 0, 1750, 'Receivable'],
      [2, '4000', 1500, 0, undefined],
      [3, '4000', 250, 0, undefined],
    ])
    const entry = await entryOf(objects, out.commit.oid)
    expect(entry.message).toBe(`reverse JournalEntry ${original.journal_entry.id.slice(0, 8)}`)
    expect(entry.files).toHaveLength(5)
    expect(await storedText(objects, 'JournalEntry', original.journal_entry.id)).toContain(`  reversed_by : "${out.journal_entry.id}"\n`)
    expect((await store.read('JournalEntry', original.journal_entry.id))?.version).toBe(out.reversed_journal_entry.version)

    const after = await call(trialBalance, { as_of: '2026-06-30' }, ctx)
    expect(after.accounts).toEqual([
      { code: '1200', name: 'Accounts receivable', type: 'asset', debit: 1750, credit: 1750, balance: 0 },
      { code: '4000', name: 'Sales', type: 'income', debit: 1750, credit: 1750, balance: 0 },
    ])
    expect(after.totals).toEqual({ debit: 3500, credit: 3500 })
    // Before the reversal's date only the original counts.
    const between = await call(trialBalance, { as_of: '2026-06-29' }, ctx)
    expect(between.accounts.map((row: any) => [row.code, row.balance])).toEqual([['1200', 1750], ['4000', -1750]])
    expect(checkBooks(await allRecords(objects))).toEqual([])
  })

  it('dates the reversal today and refuses to reverse it again, or to reverse the reversal', async () => {
    const { objects, ctx } = await books()
    const original = await call(createJournalEntry, sale, ctx)
    const out = await call(reverseJournalEntry, { journal_entry_id: original.journal_entry.id, memo: 'Wrong customer' }, ctx)
    expect(out.journal_entry).toMatchObject({ date: NOW.slice(0, 10), memo: 'Wrong customer' })
    const before = await keysUnder(objects, '')
    await expect(call(reverseJournalEntry, { journal_entry_id: original.journal_entry.id }, ctx)).rejects.toMatchObject({
      code: 'already_reversed',
      details: { reversed_by: out.journal_entry.id },
    })
    await expect(call(reverseJournalEntry, { journal_entry_id: out.journal_entry.id }, ctx)).rejects.toMatchObject({
      code: 'is_reversal',
      details: { reverses: original.journal_entry.id },
    })
    expect(await keysUnder(objects, '')).toEqual(before)
  })

  it('of two racing reversals exactly one lands', async () => {
    const { objects, store, ctx } = intentContext()
    await seedChart(store)
    const original = await call(createJournalEntry, sale, ctx)
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => call(reverseJournalEntry, { journal_entry_id: original.journal_entry.id }, ctx)))
    const landed = outcomes.filter((outcome) => outcome.status === 'fulfilled')
    expect(landed).toHaveLength(1)
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect((outcome.reason as { code: string }).code).toMatch(/^(already_reversed|conflict)$/)
    }
    expect(checkBooks(await allRecords(objects))).toEqual([])
    expect((await store.list('JournalEntry')).records).toHaveLength(2)
  })

  it('refuses a reversal dated before the original', async () => {
    const { ctx } = await books()
    const original = await call(createJournalEntry, sale, ctx)
    await expect(call(reverseJournalEntry, { journal_entry_id: original.journal_entry.id, date: '2026-06-24' }, ctx)).rejects.toMatchObject({
      code: 'invalid_date',
    })
  })

  it('answers not found for a missing entry', async () => {
    const { ctx } = await books()
    await expect(call(reverseJournalEntry, { journal_entry_id: '0193f6c1-0000-7000-8000-000000000001' }, ctx)).rejects.toBeInstanceOf(NotFoundError)
  })
})

describe('trial_balance', () => {
  it('sums per account up to as_of, totals equal, and writes nothing', async () => {
    const { objects, ctx } = await books()
    await call(createJournalEntry, sale, ctx)
    await call(createJournalEntry, { date: '2026-07-01', memo: 'Rent', lines: [{ account_code: '6100', debit: 900 }, { account_code: '1000', credit: 900 }] }, ctx)
    await call(createJournalEntry, { date: '2026-07-02', memo: 'Collected', lines: [{ account_code: '1000', debit: 1000.5 }, { account_code: '1200', credit: 1000.5 }] }, ctx)
    const before = await keysUnder(objects, '')
    const july = await call(trialBalance, { as_of: '2026-07-31' }, ctx)
    expect(july).toEqual({
      as_of: '2026-07-31',
      accounts: [
        { code: '1000', name: 'Cash', type: 'asset', debit: 1000.5, credit: 900, balance: 100.5 },
        { code: '1200', name: 'Accounts receivable', type: 'asset', debit: 1750, credit: 1000.5, balance: 749.5 },
        { code: '4000', name: 'Sales', type: 'income', debit: 0, credit: 1750, balance: -1750 },
        { code: '6100', name: 'Rent', type: 'expense', debit: 900, credit: 0, balance: 900 },
      ],
      totals: { debit: 3650.5, credit: 3650.5 },
    })
    const june = await call(trialBalance, { as_of: '2026-06-30' }, ctx)
    expect(june.accounts.map((row: any) => row.code)).toEqual(['1200', '4000'])
    expect(june.totals).toEqual({ debit: 1750, credit: 1750 })
    expect(await keysUnder(objects, '')).toEqual(before)
  })

  it('is empty for empty books and defaults as_of to today', async () => {
    const { ctx } = await books()
    expect(await call(trialBalance, {}, ctx)).toEqual({ as_of: new Date().toISOString().slice(0, 10), accounts: [], totals: { debit: 0, credit: 0 } })
  })

  it('pages through more lines than one list call returns', async () => {
    const { ctx } = await books()
    const lines = Array.from({ length: 250 }, (_, i) => ({ account_code: '6100', debit: '0.01', description: `${i}` }))
    await call(createJournalEntry, { date: '2026-06-25', memo: 'Many', lines: [...lines, { account_code: '1000', credit: '2.50' }] }, ctx)
    const out = await call(trialBalance, { as_of: '2026-06-25' }, ctx)
    expect(out.accounts).toEqual([
      { code: '1000', name: 'Cash', type: 'asset', debit: 0, credit: 2.5, balance: -2.5 },
      { code: '6100', name: 'Rent', type: 'expense', debit: 2.5, credit: 0, balance: 2.5 },
    ])
  })

  it('refuses a bad as_of as invalid input', () => {
    expect(inputIssues(trialBalance, { as_of: 'yesterday' })?.[0]?.path).toEqual(['as_of'])
    expect(inputIssues(trialBalance, { as_of: '2026-06-30', accounts: ['1000'] })).toBeDefined()
  })
})
