import { canonicalJson, parseRecord, recordToJson } from '../../../../shared/agi/index.ts'
import type { EntitySpec, JsonValue } from '../../../../shared/agi/types.ts'
import { recordKey } from '../../../../shared/keys.ts'
import { MemoryObjectStore } from '../../../../shared/object-store/memory-store.ts'
import { ERP_SCHEMA } from '../../../../shared/schema/index.ts'
import { entityNames } from '../../../../worker/tools/generic/entity-names.ts'
import type { CommittedHistory } from '../committed.ts'
import type { CallRecord, History } from '../history.ts'
import { describeCall, type Violation } from './violation.ts'

const NAMES = [...ERP_SCHEMA.entities.values()].map((spec) => ({ spec, ...entityNames(spec.name) }))

/**
 * Invariant 8: a read or list answers committed states only. Each record it returns must be a state that record
 * was in at some moment of the call (the committed state when it began, or one committed while it ran), with
 * that state's version; a "not found" must likewise have been true at some moment.
 */
export async function checkReads(history: History, committed: CommittedHistory): Promise<Violation[]> {
  const judge = new ReadJudge(committed)
  const violations: Violation[] = []
  for (const call of history.calls) {
    if (call.access !== 'read' || call.endStep === undefined || call.died === true) continue
    if (call.outcome === 'acknowledged') {
      for (const { spec, json } of returnedRecords(call.body ?? {})) {
        const found = await judge.record(call, spec, json)
        if (found !== null) violations.push(found)
      }
    } else if (call.code === 'not_found' && call.readEntity !== undefined && typeof call.args.id === 'string') {
      const key = recordKey(ERP_SCHEMA, call.caller.tenant, call.readEntity, call.args.id)
      if (!committed.during(key, call.startStep, call.endStep).includes(null)) {
        violations.push({ category: 'stale-read', message: `${describeCall(call)} answered not found, but ${key} existed, committed, throughout the call`, subjects: [`#${call.n}`, key] })
      }
    }
  }
  return violations
}

class ReadJudge {
  readonly #committed: CommittedHistory
  readonly #json = new Map<string, string>()
  readonly #versions = new Map<string, string>()
  readonly #scratch = new MemoryObjectStore()

  constructor(committed: CommittedHistory) {
    this.#committed = committed
  }

  async record(call: CallRecord, spec: EntitySpec, returned: Record<string, JsonValue>): Promise<Violation | null> {
    const { version, ...fields } = returned
    const id = String(returned.id)
    const key = recordKey(ERP_SCHEMA, call.caller.tenant, spec.name, id)
    const shown = canonicalJson(fields)
    const during = this.#committed.during(key, call.startStep, call.endStep as number).filter((text): text is string => text !== null)
    const matching = during.filter((text) => this.#jsonOf(spec, key, text) === shown)
    const subjects = [`#${call.n}`, key]
    if (matching.length > 0) {
      for (const text of matching) if ((await this.#versionOf(text)) === version) return null
      return { category: 'read-version-mismatch', message: `${describeCall(call)} returned a committed state of ${key} with version ${String(version)}, which is not that state's version`, subjects }
    }
    // Committed once, but superseded before the call began: stale. Committed only later, or never: the call read
    // an open transaction's write.
    const before = this.#committed.states(key).some((state) => state.step < call.startStep && state.text !== null && this.#jsonOf(spec, key, state.text) === shown)
    return before
      ? { category: 'stale-read', message: `${describeCall(call)} returned a committed state of ${key} that was no longer current when the call began`, subjects }
      : { category: 'uncommitted-read', message: `${describeCall(call)} returned a state of ${key} that was not committed at any moment of the call: ${shown.slice(0, 160)}`, subjects }
  }

  #jsonOf(spec: EntitySpec, key: string, text: string): string {
    let json = this.#json.get(text)
    if (json === undefined) {
      const id = key.slice(key.lastIndexOf('/') + 1, -'.agi'.length)
      json = canonicalJson(recordToJson(spec, parseRecord(text, ERP_SCHEMA, { file: key, expect: { entity: spec.name, id } }).record))
      this.#json.set(text, json)
    }
    return json
  }

  /** The version R2 (and the memory store) gives these bytes. */
  async #versionOf(text: string): Promise<string> {
    let version = this.#versions.get(text)
    if (version === undefined) {
      version = ((await this.#scratch.put('version-of', text)) as { version: string }).version
      this.#versions.set(text, version)
    }
    return version
  }
}

/** The records an answer returns, under the tools' response names (`customer`, `invoices`, ...). */
function returnedRecords(body: Record<string, any>): { spec: EntitySpec; json: Record<string, JsonValue> }[] {
  const found: { spec: EntitySpec; json: Record<string, JsonValue> }[] = []
  for (const { spec, singular, plural } of NAMES) {
    const one = body[singular]
    if (one !== null && typeof one === 'object' && !Array.isArray(one)) found.push({ spec, json: one })
    const many = body[plural]
    if (Array.isArray(many)) for (const item of many) found.push({ spec, json: item })
  }
  return found
}
