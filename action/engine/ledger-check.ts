import { parseRecord } from '../../shared/agi/index.ts'
import type { Schema } from '../../shared/agi/types.ts'
import { DATA_PREFIX, ledgerMonthKey, parseRecordKey, SUMMARY_PREFIX } from '../../shared/keys.ts'
import { readLedgerState, settledPrefix, writeFold } from '../../shared/ledger/ledger-summary.ts'
import { foldLines, ledgerLine, parseMonth, sameMonth, type LedgerLine, type MonthTotals } from '../../shared/ledger/ledger-totals.ts'
import type { Bucket } from './bucket.ts'
import type { BucketTree } from './bucket-tree.ts'
import type { Logger } from './logger.ts'

/**
 * `unreadable`: the state or a month object it names does not parse (or is gone); `different`: a month's totals are
 * not what the lines up to the state's `through` add up to (or the state names a month without lines, or misses one).
 */
export interface LedgerProblem {
  tenant: string
  kind: 'unreadable' | 'different'
  /** The month, when one month is at fault. */
  month?: string
}

export interface LedgerCheckResult {
  /** Tenants whose summary was checked. */
  checked: number
  problems: LedgerProblem[]
  /** Tenants whose summary was rebuilt (`repair`): each one with a problem, and each with lines but no summary yet. */
  rebuilt: string[]
}

/**
 * The ledger summaries (shared/ledger) are derived from `data/`: each must hold exactly the journal lines up to its
 * `through`. This recomputes every tenant's from its committed lines and compares month by month. With `repair`, a
 * tenant whose summary is wrong, or that has none, gets one rebuilt from every settled line (the state moves only if
 * no fold moved it meanwhile), by the folds' own rule (`settledPrefix`).
 */
export async function checkLedgerSummaries(
  objects: Bucket,
  schema: Schema,
  tree: BucketTree,
  options: { nowMs: number; repair: boolean; /** `foldCutoffsByTenant`, taken before `tree` was read. */ settledBefore: (tenant: string) => number },
): Promise<LedgerCheckResult> {
  const lines = new Map<string, LedgerLine[]>()
  for (const [key, file] of tree.files) {
    if (!key.startsWith(DATA_PREFIX) || !key.includes('/JournalLine/')) continue
    const { tenant, entity, id } = parseRecordKey(schema, key)
    if (entity !== 'JournalLine') continue
    let line: LedgerLine
    try {
      line = ledgerLine(parseRecord(file.text, schema, { file: key, expect: { entity, id } }).record)
    } catch {
      continue // the integrity check reports a record that does not parse
    }
    const held = lines.get(tenant)
    if (held === undefined) lines.set(tenant, [line])
    else held.push(line)
  }
  for (const held of lines.values()) held.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

  const tenants = new Set(lines.keys())
  for await (const listed of objects.listAll(SUMMARY_PREFIX)) {
    const tenant = listed.key.slice(SUMMARY_PREFIX.length).split('/')[0]
    if (tenant !== undefined && listed.key.endsWith('/ledger/state.json')) tenants.add(tenant)
  }

  const result: LedgerCheckResult = { checked: 0, problems: [], rebuilt: [] }
  for (const tenant of [...tenants].sort()) {
    const held = lines.get(tenant) ?? []
    const read = await readLedgerState(objects, tenant)
    const problems = read.version === null ? [] : await compareSummary(objects, tenant, read, held)
    if (read.version !== null) result.checked++
    result.problems.push(...problems)
    if (!options.repair || (problems.length === 0 && read.version !== null)) continue
    const settled = settledPrefix(held, options.settledBefore(tenant))
    if (settled.length === 0) continue
    const written = foldLines(settled, new Map(), undefined)
    const fold = await writeFold(objects, tenant, { version: read.version, state: read.state, written, through: (settled.at(-1) as LedgerLine).id, folded: settled.length, replaceAll: true })
    if (fold.moved) result.rebuilt.push(tenant)
  }
  return result
}

async function compareSummary(objects: Bucket, tenant: string, read: Awaited<ReturnType<typeof readLedgerState>>, lines: readonly LedgerLine[]): Promise<LedgerProblem[]> {
  if (read.corrupt) return [{ tenant, kind: 'unreadable' }]
  const { through, months } = read.state
  const expected = new Map(foldLines(through === null ? [] : lines.filter((line) => line.id <= through), new Map(), undefined).map((month) => [month.month, month]))
  const problems: LedgerProblem[] = []
  for (const month of new Set([...expected.keys(), ...Object.keys(months)])) {
    const name = months[month]
    if (name === undefined) {
      problems.push({ tenant, kind: 'different', month })
      continue
    }
    const stored = await objects.get(ledgerMonthKey(tenant, month, name))
    const held: MonthTotals | null = stored === null ? null : parseMonth(stored.text, month)
    if (held === null) problems.push({ tenant, kind: 'unreadable', month })
    else if (!sameMonth(held, expected.get(month) ?? { month, opening: new Map(), days: new Map() })) problems.push({ tenant, kind: 'different', month })
  }
  return problems
}

export function logLedgerCheck(logger: Logger, result: LedgerCheckResult): void {
  logger.info(`checked ${result.checked} ledger summar${result.checked === 1 ? 'y' : 'ies'}: ${result.problems.length} problem(s)${result.rebuilt.length > 0 ? `, rebuilt for ${result.rebuilt.join(', ')}` : ''}`)
  for (const problem of result.problems.slice(0, 100)) logger.warning(`ledger summary: ${problem.tenant}${problem.month === undefined ? '' : ` ${problem.month}`}: ${problem.kind}`)
}
