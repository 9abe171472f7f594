/**
 * The ledger summary: per-account totals by month, kept in the bucket so that a trial balance, or an account's balance
 * on a day, costs a few calls however long the ledger's history.
 *
 *   summary/<tenant>/ledger/state.json               { generation, through, months: { "YYYY-MM": name } }
 *   summary/<tenant>/ledger/<YYYY-MM>/<name>.json    one month's totals (`ledger-totals.ts`)
 *
 * What it holds is exactly the journal lines up to `through` in key order (line ids are UUIDv7, so creation order).
 * A balance is the month object's totals plus the lines after `through`, listed like any list, so it is exact however
 * far behind the summary is. Folding moves `through` on; it runs after a read that met many unfolded lines, never in
 * a posting, so no posting writes a shared key.
 *
 * Only settled lines are folded (`foldCutoffMs`): older than `TX_CONFIRM_WINDOW_MS`, by when the protocol has settled
 * every transaction that could still write a line with an earlier id (readers trust such records without a check for
 * the same reason), and older than that again before any transaction still open in the tenant, so a roll-forward that
 * comes late cannot put a line behind `through` either. Month objects are never replaced: a fold writes new ones
 * under fresh names and then moves the state, conditionally on the version it read, so a fold that crashes or loses a
 * race leaves only unreferenced objects. The summary is derived: `verify` recomputes it from `data/` and rebuilds it.
 */
import * as z from 'zod'
import type { GitStore, StoredRecord } from '../git-store/index.ts'
import { listAll } from '../git-store/listed-texts.ts'
import { TX_CONFIRM_WINDOW_MS } from '../git-store/time-limits.ts'
import { INTENTS_PREFIX, intentsPrefix, ledgerMonthKey, ledgerStateKey, parseIntentKey, recordKey, uuidV7Ms } from '../keys.ts'
import type { ObjectStore } from '../object-store/object-store.ts'
import { addTo, foldLines, ledgerLine, monthOf, parseMonth, serializeMonth, totalsThrough, type LedgerLine, type MonthTotals, type Totals } from './ledger-totals.ts'

export interface LedgerAccess {
  /** Bound to the tenant: lists the lines after `through` as committed. */
  store: GitStore
  objects: ObjectStore
  nowMs: () => number
  /** Lets a fold finish after the answer (`ctx.waitUntil`); without it, the fold is awaited. */
  defer?: (work: Promise<unknown>) => void
}

/** The ledger summary of a store's tenant, read and folded through the store's own bucket and clock. */
export function ledgerAccess(store: GitStore): LedgerAccess {
  return { store, ...store.derivedAccess }
}

export interface LedgerState {
  generation: number
  /** The last line folded, or null before the first fold. */
  through: string | null
  months: Record<string, string>
}

const STATE = z.strictObject({
  v: z.literal(1),
  generation: z.number().int().nonnegative(),
  through: z.string().nullable(),
  months: z.record(z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/), z.string()),
})

const EMPTY_STATE: LedgerState = { generation: 0, through: null, months: {} }

/** A read that meets at least this many settled lines after `through` folds them afterwards. */
export const FOLD_AFTER_LINES = 100
/** Most lines one fold takes, so a fold stays a bounded piece of work; the next read goes on from there. */
export const FOLD_MAX_LINES = 5_000
const PAGE = 200

export function serializeLedgerState(state: LedgerState): string {
  return `${JSON.stringify({ v: 1, generation: state.generation, through: state.through, months: state.months })}\n`
}

export function parseLedgerState(text: string): LedgerState | null {
  try {
    const parsed = STATE.safeParse(JSON.parse(text))
    return parsed.success ? { generation: parsed.data.generation, through: parsed.data.through, months: parsed.data.months } : null
  } catch {
    return null
  }
}

/** The state as stored (null: none yet) and its version; a state that does not parse is `corrupt`. */
export async function readLedgerState(objects: ObjectStore, tenant: string): Promise<{ state: LedgerState; version: string | null; corrupt: boolean }> {
  const stored = await objects.get(ledgerStateKey(tenant))
  if (stored === null) return { state: EMPTY_STATE, version: null, corrupt: false }
  const state = parseLedgerState(stored.text)
  return state === null ? { state: EMPTY_STATE, version: stored.version, corrupt: true } : { state, version: stored.version, corrupt: false }
}

/** The month object that answers for `day`: the day's own month, else the latest earlier one. */
function monthFor(state: LedgerState, day: string): string | undefined {
  const month = monthOf(day)
  return Object.keys(state.months)
    .filter((candidate) => candidate <= month)
    .sort()
    .at(-1)
}

async function readMonth(objects: ObjectStore, tenant: string, month: string, name: string): Promise<MonthTotals | null> {
  const stored = await objects.get(ledgerMonthKey(tenant, month, name))
  return stored === null ? null : parseMonth(stored.text, month)
}

export interface LedgerBalances {
  /** Per account: every committed line dated on or before the day. */
  totals: Totals
}

/**
 * Every committed line's totals through `day`, per account (only `account`'s, when given): the summary's month
 * object plus the lines after `through`. A summary that is missing or unreadable is ignored (every line is then read:
 * correct, at the old cost) and the next fold rebuilds it. Folds afterwards when many settled lines were unfolded.
 */
export async function ledgerBalancesThrough(access: LedgerAccess, day: string, options: { account?: string } = {}): Promise<LedgerBalances> {
  const { objects, store } = access
  const tenant = store.tenant
  let base: { state: LedgerState; totals: Totals } | undefined
  for (let attempt = 1; attempt <= 2 && base === undefined; attempt++) {
    const { state, corrupt } = await readLedgerState(objects, tenant)
    const month = corrupt ? undefined : monthFor(state, day)
    if (corrupt) base = { state: EMPTY_STATE, totals: new Map() }
    else if (month === undefined) base = { state, totals: new Map() }
    else {
      const held = await readMonth(objects, tenant, month, state.months[month] as string)
      // Gone: a fold replaced it after the state was read; read the state again. Unreadable: ignore the summary.
      if (held !== null) base = { state, totals: totalsThrough(held, day) }
      else if (attempt === 2) base = { state: EMPTY_STATE, totals: new Map() }
    }
  }
  const { state, totals } = base as { state: LedgerState; totals: Totals }
  if (options.account !== undefined) for (const code of [...totals.keys()]) if (code !== options.account) totals.delete(code)

  // Only a hint of whether to fold: the fold itself decides what is settled (`foldCutoffMs`).
  let settled = 0
  const settledBefore = access.nowMs() - TX_CONFIRM_WINDOW_MS
  for await (const line of linesAfter(store, state.through)) {
    if (isSettled(line.id, settledBefore)) settled++
    if (line.date > day || (options.account !== undefined && line.accountCode !== options.account)) continue
    addTo(totals, line.accountCode, line)
  }
  if (settled >= FOLD_AFTER_LINES) {
    const fold = foldLedger(access).catch((error: unknown) => console.error(JSON.stringify({ event: 'ledger-fold-failed', tenant, error: String(error) })))
    if (access.defer !== undefined) access.defer(fold)
    else await fold
  }
  return { totals }
}

/**
 * Lines with ids older than this are settled: no transaction can still make one appear. The tenant's intents are
 * listed before the lines are (an intent is written before its records and removed only after they are all applied
 * or undone), and each open one moves the bound a whole window before its own id: its records' ids were made before
 * it, and a roll-forward may write them at any later time.
 */
export async function foldCutoffMs(objects: ObjectStore, tenant: string, nowMs: number): Promise<number> {
  return cutoffAmong((await listAll(objects, intentsPrefix(tenant))).map((listed) => parseIntentKey(listed.key).oid), nowMs)
}

/** `foldCutoffMs` for every tenant at once, from one listing of every intent (verify's, before it reads `data/`). */
export async function foldCutoffsByTenant(objects: ObjectStore, nowMs: number): Promise<(tenant: string) => number> {
  const byTenant = new Map<string, string[]>()
  const legacy: string[] = []
  for (const listed of await listAll(objects, INTENTS_PREFIX)) {
    const { tenant, oid } = parseIntentKey(listed.key)
    if (tenant === undefined) legacy.push(oid)
    else byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), oid])
  }
  return (tenant) => cutoffAmong([...(byTenant.get(tenant) ?? []), ...legacy], nowMs)
}

function cutoffAmong(openOids: readonly string[], nowMs: number): number {
  let cutoff = nowMs - TX_CONFIRM_WINDOW_MS
  // An oid that carries no time says nothing about when its records' ids were made: nothing is settled then.
  for (const oid of openOids) cutoff = Math.min(cutoff, (uuidV7Ms(oid) ?? Number.NEGATIVE_INFINITY) - TX_CONFIRM_WINDOW_MS)
  return cutoff
}

function isSettled(id: string, settledBefore: number): boolean {
  const ms = uuidV7Ms(id)
  // A line whose id carries no time was not written by a posting tool; it counts as settled once seen.
  return ms === null || ms < settledBefore
}

/**
 * The lines a fold may take: the settled ones from the first on, up to the first that is not (the summary holds every
 * line up to `through`, so none after an unsettled one), at most `maxLines`.
 */
export function settledPrefix(lines: Iterable<LedgerLine>, settledBefore: number, maxLines = Number.POSITIVE_INFINITY): LedgerLine[] {
  const taken: LedgerLine[] = []
  for (const line of lines) {
    if (!isSettled(line.id, settledBefore) || taken.length >= maxLines) break
    taken.push(line)
  }
  return taken
}

/** `settledPrefix` of the committed lines after `through`, listed page by page until it ends. */
async function settledLinesAfter(store: GitStore, through: string | null, settledBefore: number, maxLines: number): Promise<LedgerLine[]> {
  const taken: LedgerLine[] = []
  for await (const line of linesAfter(store, through)) {
    if (!isSettled(line.id, settledBefore) || taken.length >= maxLines) break
    taken.push(line)
  }
  return taken
}

/** The committed lines after `through` (all of them when null), in key order. */
async function* linesAfter(store: GitStore, through: string | null): AsyncGenerator<LedgerLine> {
  let cursor = through === null ? undefined : recordKey(store.schema, store.tenant, 'JournalLine', through)
  do {
    const page: { records: StoredRecord[]; cursor?: string } = await store.list('JournalLine', { limit: PAGE, cursor })
    for (const stored of page.records) yield ledgerLine(stored.record)
    cursor = page.cursor
  } while (cursor !== undefined)
}

export interface FoldResult {
  folded: number
  /** The state was moved (false: nothing to fold, or another fold moved it first). */
  moved: boolean
}

/**
 * Folds settled lines after `through` (at most `maxLines`) into new month objects and moves the state to them, only
 * if it is still the version read. A corrupt state is replaced by a rebuild from the first line.
 */
export async function foldLedger(access: LedgerAccess, options: { maxLines?: number } = {}): Promise<FoldResult> {
  const { objects, store } = access
  const tenant = store.tenant
  const maxLines = options.maxLines ?? FOLD_MAX_LINES
  const [read, settledBefore] = await Promise.all([readLedgerState(objects, tenant), foldCutoffMs(objects, tenant, access.nowMs())])
  const state = read.corrupt ? EMPTY_STATE : read.state
  const lines = await settledLinesAfter(store, state.through, settledBefore, maxLines)
  if (lines.length === 0) return { folded: 0, moved: false }

  const first = lines.map((line) => monthOf(line.date)).sort()[0] as string
  const names = Object.keys(state.months).sort()
  const touched = names.filter((month) => month >= first)
  const previous = names.filter((month) => month < first).at(-1)
  const loaded = await Promise.all([...touched, ...(previous === undefined ? [] : [previous])].map((month) => readMonth(objects, tenant, month, state.months[month] as string)))
  if (loaded.some((month) => month === null)) {
    // Gone because another fold moved the state meanwhile (and removed what it replaced): that fold did this work.
    if ((await readLedgerState(objects, tenant)).version !== read.version) return { folded: 0, moved: false }
    // Missing or unreadable under the state that names it: the summary cannot be folded into; it is rebuilt.
    return foldFromScratch(access, read, maxLines, settledBefore)
  }
  const months = new Map(touched.map((month, index) => [month, loaded[index] as MonthTotals]))
  const before = previous === undefined ? undefined : (loaded.at(-1) as MonthTotals)
  return writeFold(objects, tenant, { version: read.version, state, written: foldLines(lines, months, before), through: (lines.at(-1) as LedgerLine).id, folded: lines.length })
}

/** Rebuilds the summary from the first line, replacing every month of the state `read` (conditionally on its version). */
async function foldFromScratch(access: LedgerAccess, read: { state: LedgerState; version: string | null }, maxLines: number, settledBefore: number): Promise<FoldResult> {
  const lines = await settledLinesAfter(access.store, null, settledBefore, maxLines)
  if (lines.length === 0) return { folded: 0, moved: false }
  const written = foldLines(lines, new Map(), undefined)
  return writeFold(access.objects, access.store.tenant, { version: read.version, state: read.state, written, through: (lines.at(-1) as LedgerLine).id, folded: lines.length, replaceAll: true })
}

export interface FoldWrite {
  /** The state's version as read (null: there was none); the state moves only if it is still this one. */
  version: string | null
  state: LedgerState
  /** The month objects to write (`foldLines`). */
  written: readonly MonthTotals[]
  /** The last line they hold. */
  through: string
  folded: number
  /** A rebuild: the written months are the whole summary, every month of `state` goes. */
  replaceAll?: boolean
}

/**
 * Writes month objects under fresh names, then the state that points at them (conditional on `version`). Only a
 * state put that was refused removes the new objects: one whose outcome is unknown may have landed.
 */
export async function writeFold(objects: ObjectStore, tenant: string, fold: FoldWrite): Promise<FoldResult> {
  const { state, written } = fold
  const generation = state.generation + 1
  const name = `${generation}-${randomHex()}`
  const created: string[] = []
  for (const month of written) {
    const key = ledgerMonthKey(tenant, month.month, name)
    if ((await objects.put(key, serializeMonth(month), { condition: { ifAbsent: true } })) === null) throw new Error(`ledger summary: ${key} exists`)
    created.push(key)
  }
  const months: Record<string, string> = fold.replaceAll === true ? {} : { ...state.months }
  const superseded = Object.entries(state.months)
    .filter(([month]) => fold.replaceAll === true || written.some((item) => item.month === month))
    .map(([month, old]) => ledgerMonthKey(tenant, month, old))
  for (const month of written) months[month.month] = name
  const next: LedgerState = { generation, through: fold.through, months: Object.fromEntries(Object.entries(months).sort(([a], [b]) => (a < b ? -1 : 1))) }
  const moved = await objects.put(ledgerStateKey(tenant), serializeLedgerState(next), { condition: fold.version === null ? { ifAbsent: true } : { ifVersion: fold.version } })
  if (moved === null) {
    await objects.delete(created)
    return { folded: 0, moved: false }
  }
  // Readers that read the old state retry once when its object is gone.
  await objects.delete(superseded)
  return { folded: fold.folded, moved: true }
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}
