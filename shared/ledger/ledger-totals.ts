/**
 * The ledger's totals by month, as plain values: what one month object of the summary holds, how posted lines fold
 * into it, and what it says about balances on a day. No storage here (see `ledger-summary.ts`).
 *
 * A month object holds the totals of every line dated before the month (`opening`), and the month's own lines summed
 * per day, so a trial balance on any day of the month is the opening plus the days up to it: exact to the cent,
 * without reading a line.
 */
import * as z from 'zod'
import type { AgiRecord } from '../agi/types.ts'
import { requireMoneyField, requireTextField } from '../domain/record-fields.ts'

export interface Sums {
  debit: bigint
  credit: bigint
}

/** Sums per account code. */
export type Totals = Map<string, Sums>

export interface MonthTotals {
  /** `YYYY-MM`. */
  month: string
  /** Every folded line dated before the month. */
  opening: Totals
  /** The month's folded lines, per day (`YYYY-MM-DD`). */
  days: Map<string, Totals>
}

/** What the summary needs of a journal line. */
export interface LedgerLine extends Sums {
  id: string
  date: string
  accountCode: string
}

export function ledgerLine(record: AgiRecord): LedgerLine {
  return {
    id: record.id,
    date: requireTextField(record, 'date'),
    accountCode: requireTextField(record, 'account_code'),
    debit: requireMoneyField(record, 'debit'),
    credit: requireMoneyField(record, 'credit'),
  }
}

export function monthOf(date: string): string {
  return date.slice(0, 7)
}

export function addTo(totals: Totals, code: string, sums: Sums): void {
  const held = totals.get(code)
  if (held === undefined) totals.set(code, { debit: sums.debit, credit: sums.credit })
  else {
    held.debit += sums.debit
    held.credit += sums.credit
  }
}

export function addAll(into: Totals, from: Totals): void {
  for (const [code, sums] of from) addTo(into, code, sums)
}

export function copyTotals(totals: Totals): Totals {
  const copy: Totals = new Map()
  addAll(copy, totals)
  return copy
}

/** Everything a month object says was dated on or before `day` (which may lie after the month). */
export function totalsThrough(month: MonthTotals, day: string): Totals {
  const totals = copyTotals(month.opening)
  for (const [date, sums] of month.days) if (date <= day) addAll(totals, sums)
  return totals
}

/**
 * Folds lines into the month objects from the first month they touch on: each line is added to its day, and every
 * later month's opening moves with it. `months` holds the current objects of those months, and `before` the
 * nearest one earlier (whose opening and days give a new first month its opening). Returns the objects to write:
 * one for each month from the first touched to the last month there is, in order.
 */
export function foldLines(lines: readonly LedgerLine[], months: ReadonlyMap<string, MonthTotals>, before: MonthTotals | undefined): MonthTotals[] {
  if (lines.length === 0) return []
  const byMonth = new Map<string, LedgerLine[]>()
  for (const line of lines) {
    const month = monthOf(line.date)
    const held = byMonth.get(month)
    if (held === undefined) byMonth.set(month, [line])
    else held.push(line)
  }
  const first = [...byMonth.keys()].sort()[0] as string
  const names = [...new Set([...byMonth.keys(), ...[...months.keys()].filter((month) => month >= first)])].sort()
  const written: MonthTotals[] = []
  let carried: Totals = before === undefined ? new Map() : totalsThrough(before, '9999-12-31')
  for (const name of names) {
    const current = months.get(name)
    const days = new Map<string, Totals>()
    for (const [day, sums] of current?.days ?? []) days.set(day, copyTotals(sums))
    for (const line of byMonth.get(name) ?? []) {
      let day = days.get(line.date)
      if (day === undefined) days.set(line.date, (day = new Map()))
      addTo(day, line.accountCode, line)
    }
    const month: MonthTotals = { month: name, opening: carried, days: new Map([...days.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) }
    written.push(month)
    carried = totalsThrough(month, '9999-12-31')
  }
  return written
}

// ---------------------------------------------------------------- stored form

const CENTS = z.string().regex(/^-?\d{1,20}$/)
const TOTALS = z.record(z.string().min(1).max(256), z.tuple([CENTS, CENTS]))
const MONTH_OBJECT = z.strictObject({
  v: z.literal(1),
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  opening: TOTALS,
  days: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), TOTALS),
})

function totalsToJson(totals: Totals): Record<string, [string, string]> {
  const sorted = [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Object.fromEntries(sorted.map(([code, sums]) => [code, [String(sums.debit), String(sums.credit)]]))
}

function totalsFromJson(json: Record<string, [string, string]>): Totals {
  return new Map(Object.entries(json).map(([code, [debit, credit]]) => [code, { debit: BigInt(debit), credit: BigInt(credit) }]))
}

export function serializeMonth(month: MonthTotals): string {
  const days = Object.fromEntries([...month.days.entries()].map(([day, totals]) => [day, totalsToJson(totals)]))
  return `${JSON.stringify({ v: 1, month: month.month, opening: totalsToJson(month.opening), days })}\n`
}

/** Parses a month object; anything else (bad JSON, wrong shape, another month's days) is null, never empty totals. */
export function parseMonth(text: string, month: string): MonthTotals | null {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return null
  }
  const parsed = MONTH_OBJECT.safeParse(json)
  if (!parsed.success || parsed.data.month !== month) return null
  if (Object.keys(parsed.data.days).some((day) => monthOf(day) !== month)) return null
  const days = new Map(Object.entries(parsed.data.days).map(([day, totals]) => [day, totalsFromJson(totals)]))
  return { month, opening: totalsFromJson(parsed.data.opening), days }
}

/** Whether two month objects hold the same totals (an account at zero counts as absent). */
export function sameMonth(a: MonthTotals, b: MonthTotals): boolean {
  return serializeMonth(withoutZeros(a)) === serializeMonth(withoutZeros(b))
}

function withoutZeros(month: MonthTotals): MonthTotals {
  const strip = (totals: Totals): Totals => new Map([...totals].filter(([, sums]) => sums.debit !== 0n || sums.credit !== 0n))
  const days = new Map([...month.days].map(([day, totals]) => [day, strip(totals)] as const).filter(([, totals]) => totals.size > 0))
  return { month: month.month, opening: strip(month.opening), days }
}
