import { describe, expect, it } from 'vitest'
import { backoffDelay, retry } from '../../shared/retry.ts'

class Transient extends Error {}

function recorder() {
  const waits: number[] = []
  return { waits, sleep: async (ms: number) => void waits.push(ms) }
}

describe('retry', () => {
  it('returns the first success without waiting', async () => {
    const { waits, sleep } = recorder()
    expect(await retry(async () => 'ok', { attempts: 3, baseMs: 10, maxMs: 100, isRetryable: () => true, sleep })).toBe('ok')
    expect(waits).toEqual([])
  })

  it('retries retryable errors with growing, capped, jittered waits', async () => {
    const { waits, sleep } = recorder()
    let calls = 0
    const result = await retry(
      async (attempt) => {
        calls += 1
        expect(attempt).toBe(calls)
        if (attempt < 5) throw new Transient()
        return attempt
      },
      { attempts: 5, baseMs: 100, maxMs: 300, isRetryable: (e) => e instanceof Transient, sleep, random: () => 0.5 },
    )
    expect(result).toBe(5)
    // Steps 100, 200, 300 (capped), 300; each wait is 3/4 of its step with random() = 0.5.
    expect(waits).toEqual([75, 150, 225, 225])
  })

  it('rethrows the last error after the last attempt', async () => {
    const { waits, sleep } = recorder()
    let calls = 0
    const failure = retry(
      async () => {
        calls += 1
        throw new Transient(`try ${calls}`)
      },
      { attempts: 3, baseMs: 1, maxMs: 1, isRetryable: () => true, sleep },
    )
    await expect(failure).rejects.toThrow('try 3')
    expect(calls).toBe(3)
    expect(waits).toHaveLength(2)
  })

  it('rethrows a non-retryable error at once', async () => {
    let calls = 0
    const failure = retry(
      async () => {
        calls += 1
        throw new Error('fatal')
      },
      { attempts: 5, baseMs: 1, maxMs: 1, isRetryable: (e) => e instanceof Transient },
    )
    await expect(failure).rejects.toThrow('fatal')
    expect(calls).toBe(1)
  })

  it('keeps every delay between half and all of its step', () => {
    for (let retryNumber = 1; retryNumber < 12; retryNumber++) {
      const step = Math.min(2000, 250 * 2 ** (retryNumber - 1))
      expect(backoffDelay(retryNumber, 250, 2000, () => 0)).toBe(step / 2)
      expect(backoffDelay(retryNumber, 250, 2000, () => 0.999999)).toBeLessThan(step)
    }
  })

  it('refuses nonsensical options', async () => {
    await expect(retry(async () => 1, { attempts: 0, baseMs: 1, maxMs: 1, isRetryable: () => true })).rejects.toThrow(RangeError)
  })

  it('waits for real when no sleep is injected', async () => {
    let calls = 0
    const started = Date.now()
    await retry(
      async () => {
        if (++calls < 2) throw new Transient()
      },
      { attempts: 2, baseMs: 20, maxMs: 20, isRetryable: () => true, random: () => 0 },
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(9)
  })
})
