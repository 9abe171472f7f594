import { ValidationError } from '../../shared/errors.ts'

/**
 * The `_meta` entry of a `tools/call` request that plays the `Idempotency-Key` header's part. A header would not
 * do over MCP: one HTTP request may carry several calls, and clients set headers once per connection.
 */
export const IDEMPOTENCY_KEY_META = 'accelerando/idempotency-key'

/** The `_meta` entry of a result that was answered from an earlier call with the same key (`Idempotent-Replay`). */
export const IDEMPOTENT_REPLAY_META = 'accelerando/idempotent-replay'

/** The idempotency key a `tools/call` request carries, if any; its format is checked where the key is used. */
export function idempotencyKeyFromMeta(meta: Record<string, unknown> | undefined): string | undefined {
  const key = meta?.[IDEMPOTENCY_KEY_META]
  if (key === undefined) return undefined
  if (typeof key !== 'string') {
    throw new ValidationError(`_meta["${IDEMPOTENCY_KEY_META}"] must be a string`, [
      { path: ['_meta', IDEMPOTENCY_KEY_META], message: 'expected a string' },
    ])
  }
  return key
}
