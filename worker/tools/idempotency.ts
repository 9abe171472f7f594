import * as z from 'zod'
import { canonicalJson } from '../../shared/agi/index.ts'
import type { JsonValue } from '../../shared/agi/types.ts'
import { CorruptObjectError, DomainRuleError } from '../../shared/errors.ts'
import { isCommitted, parseIntent, recoverTransaction, TX_ABANDONED_MS } from '../../shared/git-store/index.ts'
import { idempotencyRecordKey, intentKey } from '../../shared/keys.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'
import { IdempotencyInProgressError } from '../http/http-errors.ts'

/** How long a first answer is replayed. */
export const ANSWER_TTL_MS = 24 * 60 * 60_000
/**
 * How long a claim holds a key while its call runs. A live call ends its transaction within the writer's
 * deadline; past the recovery margin the claimant is surely gone and the key may be claimed again.
 */
export const CLAIM_TTL_MS = TX_ABANDONED_MS

export interface ToolAnswer {
  status: number
  body: Record<string, unknown>
}

const storedSchema = z.object({
  v: z.literal(1),
  tool: z.string(),
  /** SHA-256 of the tool name and the canonical arguments: the same key must come with the same call. */
  fingerprint: z.string(),
  /**
   * `claimed`: the call runs and has committed nothing. `committing`: its answer is stored and its transaction is
   * at (or past) its commit point, so the transaction's outcome decides. `answered`: it committed (or wrote nothing).
   */
  state: z.enum(['claimed', 'committing', 'answered']),
  /** When the claim was made or the answer stored. */
  at_ms: z.number(),
  answer: z.object({ status: z.number().int(), body: z.record(z.string(), z.unknown()) }).optional(),
  /** The transaction a `committing` call is committing: its id and timestamp name its entry's keys. */
  commit: z.object({ oid: z.string(), ms: z.number().int() }).optional(),
})
type StoredIdempotency = z.infer<typeof storedSchema>

export interface IdempotentCall {
  objects: ObjectStore
  tenant: string
  /** The `Idempotency-Key` header as sent. */
  key: string
  tool: string
  /** The validated arguments, tenant filled in. */
  args: unknown
  nowMs?: () => number
  /** Work that may finish after the answer (`ctx.waitUntil`). */
  defer?: (work: Promise<unknown>) => void
}

/** A call that ran up to its commit point: its answer, and the held transaction to commit or undo. */
export interface PreparedCall {
  answer: ToolAnswer
  /** The held transaction, if the call wrote anything. */
  commit?: { oid: string; ms: number }
  finish(): Promise<void>
  abort(): Promise<void>
}

/**
 * Runs a write tool at most once per `Idempotency-Key` and tenant, whatever fails and is retried.
 * - The key is *claimed* (create-only) before the call runs, so two concurrent first calls cannot both write: the
 *   second gets 409 `idempotency_in_progress`.
 * - The call runs up to its commit point; its answer and its transaction's id are stored over the claim
 *   (`committing`), and only then is the transaction committed. So a call that committed always has its answer.
 * - A retry of a `committing` call asks the one rule (`isCommitted`): committed, its answer is replayed; still open,
 *   409 `idempotency_in_progress` with Retry-After until the recovery pass settles it; known not to have committed,
 *   the key is free and the call runs again. A key whose call may have committed is never released.
 * - A call that fails before its commit point releases its claim; a claim left by a call that died before it
 *   expires after `CLAIM_TTL_MS` (the conditional puts keep a late claimant from committing over a new one).
 */
export async function runIdempotently(call: IdempotentCall, run: () => Promise<PreparedCall>): Promise<ToolAnswer & { replayed: boolean }> {
  const now = call.nowMs ?? Date.now
  const recordKey = await idempotencyRecordKey(call.tenant, call.key)
  const fingerprint = await sha256Hex(`${call.tool}\n${canonicalJson(call.args as JsonValue)}`)
  const inProgress = () => new IdempotencyInProgressError(`a call with Idempotency-Key ${JSON.stringify(call.key)} is still running; retry shortly for its answer`)
  // Two looks are enough: a lost claim race means someone else's claim is now there to be read.
  for (let attempt = 1; attempt <= 2; attempt++) {
    const existing = await call.objects.get(recordKey)
    const stored = existing === null ? null : parseStored(recordKey, existing.text)
    if (stored !== null && stored.fingerprint !== fingerprint && isLive(stored, now())) {
      throw new DomainRuleError(
        'idempotency_mismatch',
        `Idempotency-Key ${JSON.stringify(call.key)} was first used for a different call (${stored.tool} with other arguments); use a new key`,
      )
    }
    if (stored !== null && stored.state === 'answered' && isLive(stored, now()) && stored.answer !== undefined) return { ...stored.answer, replayed: true }
    if (stored !== null && stored.state === 'claimed' && isLive(stored, now())) throw inProgress()
    if (stored !== null && stored.state === 'committing' && stored.answer !== undefined && stored.commit !== undefined) {
      const outcome = await transactionOutcome(call.objects, call.tenant, stored.commit, now())
      if (outcome === 'committed') return { ...stored.answer, replayed: true }
      if (outcome === 'open') throw inProgress()
    }
    const claim: StoredIdempotency = { v: 1, tool: call.tool, fingerprint, state: 'claimed', at_ms: now() }
    const condition = existing === null ? { ifAbsent: true as const } : { ifVersion: existing.version }
    const claimed = await call.objects.put(recordKey, JSON.stringify(claim), { condition })
    if (claimed === null) continue

    let prepared: PreparedCall
    try {
      prepared = await run()
    } catch (error) {
      // Nothing was committed. Expire the claim rather than delete it: the put is conditional, so it can only ever
      // release our own.
      await call.objects.put(recordKey, JSON.stringify({ ...claim, at_ms: 0 }), { condition: { ifVersion: claimed.version } }).catch(() => null)
      throw error
    }
    const { answer } = prepared
    if (prepared.commit === undefined) {
      await call.objects.put(recordKey, JSON.stringify({ ...claim, state: 'answered', at_ms: now(), answer }), { condition: { ifVersion: claimed.version } }).catch(() => null)
      return { ...answer, replayed: false }
    }
    const committing: StoredIdempotency = { ...claim, state: 'committing', at_ms: now(), answer, commit: prepared.commit }
    let recorded: { version: string } | null
    try {
      recorded = await call.objects.put(recordKey, JSON.stringify(committing), { condition: { ifVersion: claimed.version } })
    } catch (error) {
      // The answer may not be stored: this call must not commit. (If it was stored, its transaction's outcome — undone — decides.)
      await prepared.abort()
      throw error
    }
    if (recorded === null) {
      // Another call took the key over (ours had expired): it runs instead.
      await prepared.abort()
      throw inProgress()
    }
    await prepared.finish()
    const answered: StoredIdempotency = { ...committing, state: 'answered', at_ms: now() }
    // Saves later replays the look at the entry; the answer is already safe if this never lands.
    const upgrade = call.objects.put(recordKey, JSON.stringify(answered), { condition: { ifVersion: recorded.version } }).catch(() => null)
    if (call.defer !== undefined) call.defer(upgrade)
    else await upgrade
    return { ...answer, replayed: false }
  }
  throw inProgress()
}

/**
 * Where a `committing` call's transaction stands, by the one rule. An intent past the writer's time is recovered
 * here rather than waited for: its writer is surely gone.
 */
async function transactionOutcome(objects: ObjectStore, tenant: string, commit: { oid: string; ms: number }, nowMs: number): Promise<'committed' | 'open' | 'not-committed'> {
  const writer = { oid: commit.oid, tenant, ms: commit.ms }
  const intentObject = await objects.get(intentKey(tenant, commit.oid))
  if (await isCommitted(objects, writer)) return 'committed'
  if (intentObject === null) return 'not-committed'
  const parsed = parseIntent(intentObject.text)
  if (!parsed.ok) throw new CorruptObjectError(intentObject.key, parsed.reason)
  if (nowMs - parsed.intent.started_ms < TX_ABANDONED_MS) return 'open'
  return (await recoverTransaction(objects, parsed.intent)) === 'rolled-forward' ? 'committed' : 'not-committed'
}

function isLive(stored: StoredIdempotency, nowMs: number): boolean {
  if (stored.state === 'committing') return true
  return nowMs - stored.at_ms < (stored.state === 'answered' ? ANSWER_TTL_MS : CLAIM_TTL_MS)
}

function parseStored(key: string, text: string): StoredIdempotency {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new CorruptObjectError(key, 'not JSON')
  }
  const parsed = storedSchema.safeParse(json)
  if (!parsed.success) throw new CorruptObjectError(key, z.prettifyError(parsed.error))
  return parsed.data
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
