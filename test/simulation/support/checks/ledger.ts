import { parseRecord, type AgiRecord } from '../../../../shared/agi/index.ts'
import { ledgerTrialBalance } from '../../../../shared/domain/index.ts'
import { ledgerMonthKey, parseRecordKey } from '../../../../shared/keys.ts'
import { parseLedgerState } from '../../../../shared/ledger/ledger-summary.ts'
import { parseMonth, type Totals } from '../../../../shared/ledger/ledger-totals.ts'
import type { MemoryObjectStore } from '../../../../shared/object-store/memory-store.ts'
import type { StoredObject } from '../../../../shared/object-store/object-store.ts'
import { ERP_SCHEMA } from '../../../../shared/schema/index.ts'
import { findTool } from '../../../../worker/tools/catalogue.ts'
import { trialBalanceAnswer } from '../../../../worker/tools/intents/trial-balance.ts'
import { invokeTool } from '../../../../worker/tools/invoke-tool.ts'
import type { Violation } from './violation.ts'

const AS_OF = ['2026-04-29', '2026-04-30', '2026-05-31', '2026-06-15', '2026-12-31']

/**
 * Invariant 10 for the ledger summary, judged without its own code: each month object the state names holds, as its
 * opening, the sums of the lines up to `through` dated before the month, and per day the sums of that day's lines
 * (`ledger-summary-wrong`); and a trial balance read through it equals the one the records give, joined on their
 * entries' dates (`trial-balance-wrong`).
 */
export async function checkLedger(data: Map<string, StoredObject>, memory: MemoryObjectStore, tenants: readonly string[], nowMs: number): Promise<Violation[]> {
  const violations: Violation[] = []
  for (const tenant of tenants) {
    const records = recordsOf(data, tenant)
    const stateKey = `summary/${tenant}/ledger/state.json`
    const stored = await memory.get(stateKey)
    if (stored !== null) {
      const state = parseLedgerState(stored.text)
      if (state === null) violations.push({ category: 'ledger-summary-wrong', message: `${stateKey} does not parse`, subjects: [stateKey] })
      else {
        const folded = records.filter((record) => record.entity === 'JournalLine' && state.through !== null && record.id <= state.through)
        for (const [month, name] of Object.entries(state.months)) {
          const key = ledgerMonthKey(tenant, month, name)
          const object = await memory.get(key)
          const held = object === null ? null : parseMonth(object.text, month)
          if (held === null) {
            violations.push({ category: 'ledger-summary-wrong', message: `${key}, named by the state, is ${object === null ? 'missing' : 'unreadable'}`, subjects: [key] })
            continue
          }
          const opening = sums(folded.filter((line) => (line.fields.date as string) < `${month}-01`))
          if (!sameTotals(held.opening, opening)) violations.push({ category: 'ledger-summary-wrong', message: `${key}: opening is not the sum of the lines before ${month}`, subjects: [key] })
          const days = new Set([...held.days.keys(), ...folded.map((line) => line.fields.date as string).filter((date) => date.startsWith(month))])
          for (const day of days) {
            if (!sameTotals(held.days.get(day) ?? new Map(), sums(folded.filter((line) => line.fields.date === day)))) {
              violations.push({ category: 'ledger-summary-wrong', message: `${key}: ${day} is not the sum of that day's lines`, subjects: [key] })
            }
          }
        }
      }
    }
    for (const asOf of AS_OF) {
      const caller = { sub: 'checker', name: 'Checker', email: 'checker@accelerando.example', tenant, scope: 'read' as const }
      const deferred: Promise<unknown>[] = []
      const answer = await invokeTool({ tool: findTool('trial_balance'), args: { as_of: asOf }, caller, objects: memory, now: () => new Date(nowMs), defer: (work) => deferred.push(work) })
      await Promise.all(deferred)
      const expected = trialBalanceAnswer(ledgerTrialBalance(records, asOf))
      if (JSON.stringify(answer.body) !== JSON.stringify(expected)) {
        violations.push({ category: 'trial-balance-wrong', message: `${tenant} as of ${asOf}: answered ${JSON.stringify(answer.body)}, the records give ${JSON.stringify(expected)}`, subjects: [tenant] })
      }
    }
  }
  return violations
}

function recordsOf(data: Map<string, StoredObject>, tenant: string): AgiRecord[] {
  const records: AgiRecord[] = []
  for (const [key, object] of data) {
    try {
      const parsed = parseRecordKey(ERP_SCHEMA, key)
      if (parsed.tenant !== tenant) continue
      records.push(parseRecord(object.text, ERP_SCHEMA, { file: key, expect: { entity: parsed.entity, id: parsed.id } }).record)
    } catch {
      // A record that does not parse is reported by the references check.
    }
  }
  return records
}

function sums(lines: readonly AgiRecord[]): Totals {
  const totals: Totals = new Map()
  for (const line of lines) {
    const code = line.fields.account_code as string
    const held = totals.get(code) ?? { debit: 0n, credit: 0n }
    totals.set(code, { debit: held.debit + (line.fields.debit as bigint), credit: held.credit + (line.fields.credit as bigint) })
  }
  return totals
}

function sameTotals(a: Totals, b: Totals): boolean {
  const codes = new Set([...a.keys(), ...b.keys()])
  for (const code of codes) {
    const [x, y] = [a.get(code) ?? { debit: 0n, credit: 0n }, b.get(code) ?? { debit: 0n, credit: 0n }]
    if (x.debit !== y.debit || x.credit !== y.credit) return false
  }
  return true
}
