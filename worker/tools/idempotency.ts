import { z } from 'zod'
import { canonicalJson } from '../../shared/agi/index.ts'
import type { JsonValue } from '../../shared/agi/types.ts'
import { CorruptObjectError, DomainRuleError } from '../../shared/errors.ts'
import { TX_ABANDONED_MS } from '../../shared/git-store/index.ts'
import { idempotencyRecordKey } from '../../shared/keys.ts'
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
  state: z.enum(['claimed', 'answered']),
  /** When the claim was made or the answer stored. */
  at_ms: z.number(),
  answer: z.object({ status: z.number().int(), body: z.record(z.string(), z.unknown()) }).optional(),
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
}

/**
 * Runs a write tool at most once per `Idempotency-Key` and tenant. The key is *claimed* (create-only) before
 * the call runs and the answer stored over the claim after it, so two concurrent first calls cannot both write:
 * the second sees the claim and gets 409 `idempotency_in_progress` (retry shortly and it is replayed). A failed
 * call releases its claim (nothing was written, so a retry may run). A claim left by a call that died expires
 * after `CLAIM_TTL_MS`; if that call had committed before dying, its retry runs again — the one window left.
 */
export async function runIdempotently(call: IdempotentCall, run: () => Promise<ToolAnswer>): Promise<ToolAnswer & { replayed: boolean }> {
  const now = call.nowMs ?? Date.now
  const recordKey = await idempotencyRecordKey(call.tenant, call.key)
  const fingerprint = await sha256Hex(`${call.tool}\n${canonicalJson(call.args as JsonValue)}`)
  // Two looks are enough: a lost claim race means someone else's claim is now there to be read.
  for (let attempt = 1; attempt <= 2; attempt++) {
    const existing = await call.objects.get(recordKey)
    const stored = existing === null ? null : parseStored(recordKey, existing.text)
    if (stored !== null && isLive(stored, now())) {
      if (stored.fingerprint !== fingerprint) {
        throw new DomainRuleError(
          'idempotency_mismatch',
          `Idempotency-Key ${JSON.stringify(call.key)} was first used for a different call (${stored.tool} with other arguments); use a new key`,
        )
      }
      if (stored.state === 'answered' && stored.answer !== undefined) return { ...stored.answer, replayed: true }
      throw new IdempotencyInProgressError(`a call with Idempotency-Key ${JSON.stringify(call.key)} is still running; retry shortly for its answer`)
    }
    const claim: StoredIdempotency = { v: 1, tool: call.tool, fingerprint, state: 'claimed', at_ms: now() }
    const condition = existing === null ? { ifAbsent: true as const } : { ifVersion: existing.version }
    const claimed = await call.objects.put(recordKey, JSON.stringify(claim), { condition })
    if (claimed === null) continue

    let answer: ToolAnswer
    try {
      answer = await run()
    } catch (error) {
      // Expire the claim rather than delete it: the put is conditional, so it can only ever release our own.
      await call.objects.put(recordKey, JSON.stringify({ ...claim, at_ms: 0 }), { condition: { ifVersion: claimed.version } }).catch(() => null)
      throw error
    }
    const answered: StoredIdempotency = { ...claim, state: 'answered', at_ms: now(), answer }
    try {
      await call.objects.put(recordKey, JSON.stringify(answered), { condition: { ifVersion: claimed.version } })
    } catch (error) {
      // The write is done and acknowledged regardless; only a replay of it is lost.
      console.error(`could not store the answer for ${recordKey}`, error)
    }
    return { ...answer, replayed: false }
  }
  throw new IdempotencyInProgressError(`a call with Idempotency-Key ${JSON.stringify(call.key)} is still running; retry shortly for its answer`)
}

function isLive(stored: StoredIdempotency, nowMs: number): boolean {
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
