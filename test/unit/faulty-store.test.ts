import { describe, expect, it } from 'vitest'
import { FaultyObjectStore, SimulatedCrash } from '../../shared/object-store/faulty-store.ts'
import { MemoryObjectStore } from '../../shared/object-store/memory-store.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'

/** A stand-in for a multi-step write: three puts, one delete, reads in between. */
async function operation(store: ObjectStore): Promise<void> {
  await store.put('intent', 'i', { condition: { ifAbsent: true } })
  await store.get('intent')
  await Promise.all([store.put('a', 'a'), store.put('b', 'b')])
  await store.list({ prefix: '' })
  await store.delete('intent')
}

describe('FaultyObjectStore', () => {
  it('counts mutations without interfering while unarmed', async () => {
    const inner = new MemoryObjectStore()
    const store = new FaultyObjectStore(inner)
    await operation(store)
    expect(store.mutations).toBe(4)
    expect(store.crashed).toBe(false)
    expect((await inner.list({ prefix: '' })).objects.map((o) => o.key)).toEqual(['a', 'b'])
  })

  it('crashAfter(n) lets exactly n mutations happen, then everything throws', async () => {
    for (let n = 0; n <= 4; n++) {
      const inner = new MemoryObjectStore()
      const store = new FaultyObjectStore(inner)
      store.crashAfter(n)
      const outcome = operation(store)
      if (n < 4) {
        await expect(outcome).rejects.toBeInstanceOf(SimulatedCrash)
        expect(store.crashed).toBe(true)
        expect(store.mutations).toBe(n)
      } else {
        await outcome
        expect(store.crashed).toBe(false)
      }
      const keys = (await inner.list({ prefix: '' })).objects.map((o) => o.key)
      const expected = [[], ['intent'], ['a', 'intent'], ['a', 'b', 'intent'], ['a', 'b']][n]
      expect(keys).toEqual(expected)
    }
  })

  it('after the crash, reads throw too and the inner store is untouched', async () => {
    const inner = new MemoryObjectStore()
    const store = new FaultyObjectStore(inner)
    await store.put('x', '1')
    store.crashAfter(0)
    await expect(store.put('y', '2')).rejects.toBeInstanceOf(SimulatedCrash)
    await expect(store.get('x')).rejects.toBeInstanceOf(SimulatedCrash)
    await expect(store.list({ prefix: '' })).rejects.toBeInstanceOf(SimulatedCrash)
    await expect(store.delete('x')).rejects.toBeInstanceOf(SimulatedCrash)
    expect(await inner.get('y')).toBeNull()
    expect(await inner.get('x')).not.toBeNull()
  })

  it('counts from the moment it is armed', async () => {
    const store = new FaultyObjectStore(new MemoryObjectStore())
    await store.put('fixture', 'f')
    store.crashAfter(1)
    await store.put('one', '1')
    await expect(store.put('two', '2')).rejects.toBeInstanceOf(SimulatedCrash)
    expect(store.mutations).toBe(2)
  })

  it('crashes parallel writes in the order they were issued', async () => {
    const inner = new MemoryObjectStore()
    const store = new FaultyObjectStore(inner)
    store.crashAfter(2)
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((key) => store.put(key, key)))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected'])
    expect((await inner.list({ prefix: '' })).objects.map((o) => o.key)).toEqual(['a', 'b'])
  })

  it('a crash is a rejected promise, not a synchronous throw', () => {
    const store = new FaultyObjectStore(new MemoryObjectStore())
    store.crashAfter(0)
    const pending = store.put('k', 'v')
    expect(pending).toBeInstanceOf(Promise)
    return expect(pending).rejects.toThrow(SimulatedCrash)
  })

  it('refuses a negative crash point', () => {
    expect(() => new FaultyObjectStore(new MemoryObjectStore()).crashAfter(-1)).toThrow(RangeError)
  })
})
