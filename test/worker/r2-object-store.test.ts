import { reset } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { ThrottledError } from '../../shared/errors.ts'
import { R2ObjectStore, isR2Throttled } from '../../worker/r2-object-store.ts'
import { describeObjectStoreContract } from '../contract/object-store-contract.ts'

afterEach(() => reset())

describeObjectStoreContract('R2ObjectStore (workerd, local R2)', () => new R2ObjectStore(env.BUCKET))

/** The error R2's binding throws when one key is written too often. */
function throttledError(): Error {
  return Object.assign(new Error('put: Reduce your concurrent request rate for the same object. (10058)'), { code: 10058 })
}

/** Delegates to the real bucket but answers the first `failures` calls of `method` with a 429. */
function throttlingBucket(method: 'put' | 'get' | 'delete' | 'list', failures: number): { bucket: R2Bucket; calls: () => number } {
  let calls = 0
  const bucket = new Proxy(env.BUCKET, {
    get(target, property) {
      const value = Reflect.get(target, property, target)
      if (property !== method) return typeof value === 'function' ? value.bind(target) : value
      return async (...args: unknown[]) => {
        calls += 1
        if (calls <= failures) throw throttledError()
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { bucket, calls: () => calls }
}

const noWait = { sleep: async () => {}, attempts: 4 }

describe('R2ObjectStore specifics', () => {
  it('R2 ETags are content digests: identical bytes get the identical version', async () => {
    const store = new R2ObjectStore(env.BUCKET)
    const a = await store.put('etag/a', 'same')
    const b = await store.put('etag/a', 'same')
    expect(b!.version).toBe(a!.version)
    expect(a!.version).toMatch(/^[0-9a-f]{32}$/)
  })

  it('retries throttled calls and then succeeds', async () => {
    const throttling = throttlingBucket('put', 3)
    const store = new R2ObjectStore(throttling.bucket, { retry: noWait })
    expect(await store.put('retry/k', 'x')).not.toBeNull()
    expect(throttling.calls()).toBe(4)
    expect((await store.get('retry/k'))?.text).toBe('x')
  })

  it('a retried create-only put still honours its condition', async () => {
    await env.BUCKET.put('retry/exists', 'first')
    const throttling = throttlingBucket('put', 1)
    const store = new R2ObjectStore(throttling.bucket, { retry: noWait })
    expect(await store.put('retry/exists', 'second', { condition: { ifAbsent: true } })).toBeNull()
    expect(await (await env.BUCKET.get('retry/exists'))?.text()).toBe('first')
  })

  it('throws ThrottledError once the attempts are used up', async () => {
    const throttling = throttlingBucket('put', 100)
    const store = new R2ObjectStore(throttling.bucket, { retry: noWait })
    await expect(store.put('retry/never', 'x')).rejects.toBeInstanceOf(ThrottledError)
    expect(throttling.calls()).toBe(4)
    expect(await env.BUCKET.get('retry/never')).toBeNull()
  })

  it('does not retry other errors', async () => {
    let calls = 0
    const bucket = { ...env.BUCKET, get: async () => { calls += 1; throw new Error('get: We encountered an internal error. (10001)') } } as unknown as R2Bucket
    const store = new R2ObjectStore(bucket, { retry: noWait })
    await expect(store.get('x')).rejects.toThrow(/10001/)
    expect(calls).toBe(1)
  })

  it('recognises throttling by code or by message', () => {
    expect(isR2Throttled(throttledError())).toBe(true)
    expect(isR2Throttled(new Error('put: Reduce your concurrent request rate for the same object. (10058)'))).toBe(true)
    expect(isR2Throttled(new Error('put: Precondition Failed (10031)'))).toBe(false)
    expect(isR2Throttled('10058')).toBe(false)
  })

  it('deletes more than 1000 keys in chunks R2 accepts', async () => {
    const seen: number[] = []
    const bucket = new Proxy(env.BUCKET, {
      get(target, property) {
        const value = Reflect.get(target, property, target)
        if (property !== 'delete') return typeof value === 'function' ? value.bind(target) : value
        return (keys: string | string[]) => {
          seen.push(Array.isArray(keys) ? keys.length : 1)
          return target.delete(keys)
        }
      },
    })
    const store = new R2ObjectStore(bucket)
    const keys = Array.from({ length: 2001 }, (_, i) => `chunks/${String(i).padStart(4, '0')}`)
    for (let i = 0; i < 200; i++) await env.BUCKET.put(keys[i * 10]!, 'x')
    await store.delete(keys)
    expect(seen).toEqual([1000, 1000, 1])
    expect((await env.BUCKET.list({ prefix: 'chunks/' })).objects).toEqual([])
  })
})
