import * as z from 'zod'
import type { AgiRecord } from '../../../shared/agi/index.ts'
import { numberField, requireMoneyField, requireTextField, textField } from '../../../shared/domain/index.ts'
import { NotFoundError, ValidationError } from '../../../shared/errors.ts'
import { indexMarkersOf } from '../../../shared/git-store/index-markers.ts'
import { INDEX_PREFIX } from '../../../shared/keys.ts'
import { ledgerAccess, ledgerBalancesThrough } from '../../../shared/ledger/ledger-summary.ts'
import { moneyToNumber } from '../../../shared/money.ts'
import { defineTool } from '../tool.ts'
import { dateInput, tenantIdInput, textInput } from '../tool-inputs.ts'
import { listAllRecords } from './list-all-records.ts'

const LEDGER_MAX_LIMIT = 200

/** The page's place and the balance carried to it: opaque to the caller. */
const CURSOR = z.strictObject({ after: z.string().min(1), balance: z.string().regex(/^-?\d{1,20}$/) })

function encodeCursor(after: string, balance: bigint): string {
  return btoa(JSON.stringify({ after, balance: String(balance) }))
}

function decodeCursor(cursor: string): { after: string; balance: bigint } {
  try {
    const parsed = CURSOR.parse(JSON.parse(atob(cursor)))
    return { after: parsed.after, balance: BigInt(parsed.balance) }
  } catch {
    throw new ValidationError('cursor is not a next_cursor of account_ledger', [{ path: ['cursor'], message: 'not a next_cursor of this tool' }])
  }
}

function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
}

export const accountLedger = defineTool({
  name: 'account_ledger',
  title: 'Account ledger',
  description:
    "One account's journal lines between two dates (both inclusive), in date order, each with the running balance after it (debit − credit: " +
    'positive is a debit balance). opening_balance is the balance of every line dated before from. Pages of `limit` lines (default 100, at most ' +
    `${LEDGER_MAX_LIMIT}); pass next_cursor back as cursor, with the same account_code, from and to, for the next page (null when there is none). ` +
    'A page costs a few storage calls whatever the history: lines come from the account index kept in date order, and the opening balance from the ' +
    'ledger summary. Reads only.',
  input: z.strictObject({
    tenant_id: tenantIdInput,
    account_code: textInput('Code of the account, e.g. "1000".', 64),
    from: dateInput('First day, YYYY-MM-DD; default: the first posting.').optional(),
    to: dateInput('Last day, YYYY-MM-DD; default: today (UTC).').optional(),
    limit: z.number().int().min(1).max(LEDGER_MAX_LIMIT).meta({ description: 'Lines per page, default 100.' }).optional(),
    cursor: z.string().min(1).max(2048).meta({ description: 'next_cursor of the previous page.' }).optional(),
  }),
  output: z.object({
    account: z.object({ code: z.string(), name: z.string().nullable(), type: z.string().nullable() }),
    from: z.string().nullable().meta({ description: 'The first day, YYYY-MM-DD; null: from the first posting.' }),
    to: z.string().meta({ description: 'The last day, YYYY-MM-DD.' }),
    opening_balance: z.number().meta({ description: 'Every line dated before from: debit − credit.' }),
    lines: z.array(
      z.object({
        id: z.string(),
        journal_entry_id: z.string(),
        date: z.string(),
        position: z.number().nullable(),
        description: z.string().nullable(),
        debit: z.number(),
        credit: z.number(),
        balance: z.number().meta({ description: 'The running balance after this line: debit − credit.' }),
      }),
    ),
    closing_balance: z.number().meta({ description: "The balance after the page's last line; the range's closing balance on its last page." }),
    next_cursor: z.string().nullable(),
  }),
  access: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(input, { store }) {
    const to = input.to ?? new Date().toISOString().slice(0, 10)
    const from = input.from
    if (from !== undefined && from > to) throw new ValidationError(`from ${from} is after to ${to}`, [{ path: ['from'], message: 'after to' }])
    const code = input.account_code
    const limit = input.limit ?? 100
    const carried = input.cursor === undefined ? undefined : decodeCursor(input.cursor)
    const { objects } = store.derivedAccess
    const [accounts, ordered] = await Promise.all([
      store.list('Account', { where: { code }, limit: 1 }),
      indexMarkersOf(objects).isComplete(objects, store.schema, 'JournalLine', 'account_code'),
    ])
    const account = accounts.records[0]?.record
    if (account === undefined) throw new NotFoundError(`no account with code ${JSON.stringify(code)}`)

    let lines: AgiRecord[]
    let opening: bigint
    let next: string | undefined
    if (ordered) {
      opening =
        carried?.balance ??
        (from === undefined ? 0n : sums((await ledgerBalancesThrough(ledgerAccess(store), dayBefore(from), { account: code })).totals.get(code)))
      if (carried !== undefined && !carried.after.startsWith(INDEX_PREFIX)) throw new ValidationError('cursor is not a next_cursor of account_ledger', [{ path: ['cursor'], message: 'stale cursor' }])
      const page = await store.list('JournalLine', { where: { account_code: code }, ranges: { date: { ...(from === undefined ? {} : { from }), to } }, limit, cursor: carried?.after })
      lines = page.records.map((stored) => stored.record)
      next = page.cursor
    } else {
      // The index is not complete yet (records older than it): read every line of the account, in date order.
      const all = (await listAllRecords(store, 'JournalLine', { account_code: code })).map((stored) => stored.record).sort(byDateThenId)
      const before = all.filter((line) => from !== undefined && requireTextField(line, 'date') < from)
      const inRange = all.filter((line) => (from === undefined || requireTextField(line, 'date') >= from) && requireTextField(line, 'date') <= to)
      const start = carried === undefined ? 0 : inRange.findIndex((line) => line.id === carried.after) + 1
      if (carried !== undefined && start === 0) throw new ValidationError('cursor is not a next_cursor of account_ledger', [{ path: ['cursor'], message: 'stale cursor' }])
      opening = carried?.balance ?? before.reduce((balance, line) => balance + amount(line), 0n)
      lines = inRange.slice(start, start + limit)
      next = start + limit < inRange.length ? (lines.at(-1) as AgiRecord).id : undefined
    }

    let balance = opening
    const rows = lines.map((line) => {
      balance += amount(line)
      return {
        id: line.id,
        journal_entry_id: requireTextField(line, 'journal_entry_id'),
        date: requireTextField(line, 'date'),
        position: numberField(line, 'position') ?? null,
        description: textField(line, 'description') ?? null,
        debit: moneyToNumber(requireMoneyField(line, 'debit')),
        credit: moneyToNumber(requireMoneyField(line, 'credit')),
        balance: moneyToNumber(balance),
      }
    })
    return {
      account: { code, name: textField(account, 'name') ?? null, type: textField(account, 'type') ?? null },
      from: from ?? null,
      to,
      opening_balance: moneyToNumber(opening),
      lines: rows,
      // After the page's last line: the closing balance of the range on its last page.
      closing_balance: moneyToNumber(balance),
      next_cursor: next === undefined ? null : encodeCursor(next, balance),
    }
  },
})

function sums(held: { debit: bigint; credit: bigint } | undefined): bigint {
  return held === undefined ? 0n : held.debit - held.credit
}

function amount(line: AgiRecord): bigint {
  return requireMoneyField(line, 'debit') - requireMoneyField(line, 'credit')
}

function byDateThenId(a: AgiRecord, b: AgiRecord): number {
  const [da, db] = [requireTextField(a, 'date'), requireTextField(b, 'date')]
  return da < db ? -1 : da > db ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
