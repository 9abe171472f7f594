import { CorruptObjectError } from '../errors.ts'
import { INTENTS_PREFIX, intentKey, isoUtcMillis } from '../keys.ts'
import type { ObjectStore } from '../object-store/object-store.ts'
import { isCommitted } from './committed.ts'
import { parseIntent, type Intent } from './intent.ts'
import { META_TX } from './record-metadata.ts'
import { TX_ABANDONED_MS } from './time-limits.ts'

export type RecoveryOutcome = 'rolled-forward' | 'rolled-back'

/**
 * Finishes or undoes one interrupted transaction. The entry decides, by the one rule (`isCommitted`: pending,
 * synced or quarantined): if it was written, every record write had landed, so only clean-up remains (roll
 * forward); if not, nothing was acknowledged, so every write that still carries this transaction's tag is undone
 * (roll back). Idempotent: running it twice, or concurrently, converges on the same state. `key` is where the
 * intent was found (a legacy intent lives outside its tenant's prefix).
 */
export async function recoverTransaction(objects: ObjectStore, intent: Intent, key = intentKey(intent.tenant, intent.oid)): Promise<RecoveryOutcome> {
  const ms = isoUtcMillis(intent.entry.ts)
  if (ms === undefined) throw new CorruptObjectError(key, `unreadable entry time ${JSON.stringify(intent.entry.ts)}`)
  const committed = await isCommitted(objects, { oid: intent.oid, tenant: intent.tenant, ms })
  if (committed) {
    await Promise.all(
      intent.ops
        .filter((op) => op.kind === 'delete')
        .map(async (op) => {
          const current = await objects.get(op.key)
          if (current !== null && current.metadata[META_TX] === intent.oid) await objects.delete(op.key)
        }),
    )
  } else {
    await Promise.all(
      intent.ops.map(async (op) => {
        const current = await objects.get(op.key)
        // Only undo what this transaction wrote; anything else is another writer's and stays.
        if (current === null || current.metadata[META_TX] !== intent.oid) return
        if (op.previous === null) {
          await objects.delete(op.key)
          return
        }
        await objects.put(op.key, op.previous.text, {
          condition: { ifVersion: current.version },
          metadata: op.previous.metadata,
        })
      }),
    )
  }
  await objects.delete(key)
  return committed ? 'rolled-forward' : 'rolled-back'
}

export interface RecoveryReport {
  examined: number
  rolledForward: string[]
  rolledBack: string[]
  /** Intents still within their writer's time: left alone. */
  inFlight: string[]
  /** Intents that cannot be parsed: reported, never guessed at. */
  corrupt: { key: string; reason: string }[]
}

/**
 * The recovery pass (the Worker's scheduled handler, and `verify` in the Action): resolves every intent
 * older than `olderThanMs`, which no live writer can still be working on.
 */
export async function recoverAbandonedTransactions(
  objects: ObjectStore,
  options: { nowMs?: number; olderThanMs?: number } = {},
): Promise<RecoveryReport> {
  const nowMs = options.nowMs ?? Date.now()
  const olderThanMs = options.olderThanMs ?? TX_ABANDONED_MS
  const report: RecoveryReport = { examined: 0, rolledForward: [], rolledBack: [], inFlight: [], corrupt: [] }
  let cursor: string | undefined
  do {
    const page = await objects.list({ prefix: INTENTS_PREFIX, cursor })
    for (const listed of page.objects) {
      report.examined += 1
      const stored = await objects.get(listed.key)
      if (stored === null) continue
      const parsed = parseIntent(stored.text)
      if (!parsed.ok) {
        report.corrupt.push({ key: listed.key, reason: new CorruptObjectError(listed.key, parsed.reason).message })
        continue
      }
      const { intent } = parsed
      if (nowMs - intent.started_ms < olderThanMs) {
        report.inFlight.push(intent.oid)
        continue
      }
      const outcome = await recoverTransaction(objects, intent, listed.key)
      ;(outcome === 'rolled-forward' ? report.rolledForward : report.rolledBack).push(intent.oid)
    }
    cursor = page.cursor
  } while (cursor !== undefined)
  return report
}
