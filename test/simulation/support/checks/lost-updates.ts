import type { History } from '../history.ts'
import { describeCall, type Violation } from './violation.ts'

/**
 * Invariant 3 (no lost updates) in commit order: every committed transaction wrote each record on top of the
 * committed state its intent says it read. A write based on anything else overwrote, or re-deleted, a state it
 * never saw — as two deletes that both commit, or an edit accepted over a delete's claim.
 */
export function checkLostUpdates(history: History): Violation[] {
  const violations: Violation[] = []
  const state = new Map<string, { text: string | null; oid: string }>()
  for (const { oid, entry } of history.entries) {
    const intent = history.intents.get(oid)
    // Records only: guards of unique values are not in entries (the books checks judge uniqueness).
    for (const op of (intent?.ops ?? []).filter((candidate) => candidate.key.startsWith('data/'))) {
      const current = state.get(op.key) ?? { text: null, oid: 'nothing' }
      const based = op.kind === 'create' ? null : (op.previous?.text ?? null)
      if (current.text === based) continue
      const by = history.callOf(oid)
      violations.push({
        category: 'lost-update',
        message:
          `${oid}${by === undefined ? '' : ` (${describeCall(by)})`} committed a ${op.kind} of ${op.key} based on ${based === null ? 'its absence' : 'a version'}, ` +
          `but the committed state was ${current.text === null ? `absent (${current.oid})` : `the version written by ${current.oid}`}`,
        subjects: [oid, op.key, current.oid, ...(by === undefined ? [] : [`#${by.n}`])],
      })
    }
    for (const file of entry.files) state.set(file.path, { text: file.op === 'put' ? file.content : null, oid })
  }
  return violations
}
