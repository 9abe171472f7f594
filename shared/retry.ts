/**
 * Bounded retries with exponential backoff and jitter, for transient refusals such as a storage
 * backend's "slow down" answer. Runtime-neutral: only `setTimeout` and `Math.random`.
 */

export interface RetryOptions {
  /** Total tries, the first one included (>= 1). */
  attempts: number
  /** Delay cap before the second try; doubles for each later try. */
  baseMs: number
  /** No single delay exceeds this. */
  maxMs: number
  /** Only errors for which this is true are retried; anything else is rethrown at once. */
  isRetryable: (error: unknown) => boolean
  /** Injected in tests so they need not wait. */
  sleep?: (ms: number) => Promise<void>
  /** Injected in tests for deterministic jitter; must return a number in [0, 1). */
  random?: () => number
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * The delay before retry number `retry` (1 for the first retry). Half of the capped exponential
 * step is fixed and half is random: the fixed half guarantees the wait is long enough for a
 * per-key rate limit to clear, the random half spreads out writers that collided.
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** (retry - 1))
  return step / 2 + random() * (step / 2)
}

/**
 * Runs `fn` until it resolves, it throws a non-retryable error, or `attempts` tries were made.
 * After the last try the last error is rethrown unchanged, so the caller decides what exhaustion
 * means (for example a `ThrottledError`).
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { attempts, baseMs, maxMs, isRetryable } = options
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`retry: attempts must be a positive integer, got ${attempts}`)
  if (!(baseMs >= 0) || !(maxMs >= 0)) throw new RangeError('retry: baseMs and maxMs must be non-negative')
  const wait = options.sleep ?? sleep
  const random = options.random ?? Math.random

  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error
      await wait(backoffDelay(attempt, baseMs, maxMs, random))
    }
  }
}
