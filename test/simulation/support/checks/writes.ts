import type { ModelBranch } from '../branch.ts'
import type { CallRecord, History } from '../history.ts'
import { describeCall, type Violation } from './violation.ts'

/**
 * Invariants 1, 2 and 9 against the branch: every entry that landed is committed exactly once; an acknowledged
 * write's commit is there with its author and its records; a refused call committed nothing; a call whose
 * outcome was unknown committed at most once; an Idempotency-Key produced at most one commit.
 */
export function checkWrites(history: History, branch: ModelBranch): Violation[] {
  const violations: Violation[] = []
  const commitsOf = new Map<string, number>()
  for (const commit of branch.commits) for (const oid of commit.oids) commitsOf.set(oid, (commitsOf.get(oid) ?? 0) + 1)
  const landed = new Set(history.entries.map(({ oid }) => oid))

  for (const { oid } of history.entries) {
    const count = commitsOf.get(oid) ?? 0
    const by = history.callOf(oid)
    const who = by === undefined ? '' : ` (${describeCall(by)})`
    if (count === 0) violations.push({ category: 'lost-entry', message: `entry ${oid}${who} landed but never reached the branch`, subjects: [oid] })
    if (count > 1) violations.push({ category: 'duplicate-commit', message: `entry ${oid}${who} is on the branch ${count} times`, subjects: [oid] })
  }

  for (const call of history.calls) {
    if (call.access !== 'write') continue
    const committed = call.minted.filter((id) => landed.has(id))
    if (call.outcome === 'refused' && committed.length > 0) {
      violations.push({ category: 'refused-call-committed', message: `${describeCall(call)} was refused, yet committed ${committed.join(', ')}`, subjects: [`#${call.n}`, ...committed] })
    }
    if (committed.length > 1) {
      violations.push({ category: 'call-committed-twice', message: `${describeCall(call)} committed ${committed.length} transactions: ${committed.join(', ')}`, subjects: [`#${call.n}`, ...committed] })
    }
    if (call.outcome === 'acknowledged') violations.push(...checkAcknowledged(call, branch, commitsOf))
  }

  const byKey = new Map<string, CallRecord[]>()
  for (const call of history.calls) {
    if (call.idempotencyKey === undefined) continue
    const key = `${call.caller.tenant} ${call.idempotencyKey}`
    byKey.set(key, [...(byKey.get(key) ?? []), call])
  }
  for (const [key, calls] of byKey) {
    const committed = calls.flatMap((call) => call.minted.filter((id) => landed.has(id)).map((oid) => ({ call, oid })))
    if (committed.length < 2) continue
    violations.push({
      category: 'idempotency-double-commit',
      message: `Idempotency-Key ${key.split(' ')[1]} produced ${committed.length} commits: ${committed.map(({ call, oid }) => `${oid} by ${describeCall(call)}`).join('; ')} (calls with the key: ${calls.map(describeCall).join(', ')})`,
      subjects: [...calls.map((call) => `#${call.n}`), ...committed.map(({ oid }) => oid)],
    })
  }
  return violations
}

/** The acknowledged commit is on the branch once, by the caller, touching every record the answer names. */
function checkAcknowledged(call: CallRecord, branch: ModelBranch, commitsOf: Map<string, number>): Violation[] {
  const oid: unknown = call.body?.commit?.oid
  if (typeof oid !== 'string') return []
  const subjects = [`#${call.n}`, oid]
  const count = commitsOf.get(oid) ?? 0
  if (count === 0) return [{ category: 'lost-acknowledged-write', message: `${describeCall(call)} acknowledged commit ${oid}, which never reached the branch`, subjects }]
  const commit = branch.commits.find((candidate) => candidate.oids.includes(oid))
  if (commit === undefined) return []
  const problems: string[] = []
  if (commit.author.name !== call.caller.name || commit.author.email !== call.caller.email) problems.push(`its author is ${commit.author.name} <${commit.author.email}>`)
  const paths = commit.files.map((file) => file.path)
  for (const id of answeredIds(call.body)) if (!paths.some((path) => path.endsWith(`/${id}.agi`))) problems.push(`it does not touch ${id}`)
  return problems.length === 0 ? [] : [{ category: 'acknowledged-commit-mismatch', message: `${describeCall(call)}: commit ${oid} ${problems.join('; ')}`, subjects }]
}

/** Ids of the records an answer names (written records and `deleted`), at any depth. */
function answeredIds(body: unknown): string[] {
  if (Array.isArray(body)) return body.flatMap(answeredIds)
  if (body === null || typeof body !== 'object') return []
  const record = body as Record<string, unknown>
  const own = typeof record.id === 'string' && (typeof record.version === 'string' || typeof record.entity === 'string') ? [record.id] : []
  return [...own, ...Object.entries(record).flatMap(([name, value]) => (name === 'commit' ? [] : answeredIds(value)))]
}
