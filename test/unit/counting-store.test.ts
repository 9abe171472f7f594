import { describe, expect, it } from 'vitest'
import { CountingObjectStore } from '../../shared/object-store/counting-store.ts'
import { MemoryObjectStore } from '../../shared/object-store/memory-store.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'

function setup(latencyMs = 0) {
  const store = new CountingObjectStore(new MemoryObjectStore(), { latencyMs })
  return store
}

describe('CountingObjectStore', () => {
  it('counts calls by kind and by R2 billing class', async () => {
    const store = setup()
    await store.put('a', '1')
    await store.put('b', '2')
    await store.get('a')
    await store.list({ prefix: '' })
    await store.delete(['a', 'b'])
    expect(store.counts()).toEqual({ get: 1, put: 2, delete: 1, list: 1, classA: 3, classB: 1, roundTrips: 5, finishedRoundTrips: 5 })
  })

  it('tells the round trips a caller waited for from those still running behind it', async () => {
    const store = new CountingObjectStore(new MemoryObjectStore(), { latencyMs: 5 })
    await store.put('a', '1')
    const background = store.delete('a')
    expect(store.counts()).toMatchObject({ roundTrips: 2, finishedRoundTrips: 1 })
    await background
    expect(store.counts()).toMatchObject({ roundTrips: 2, finishedRoundTrips: 2 })
  })

  it('counts sequential calls as separate round trips', async () => {
    const store = setup()
    const read = await store.get('k')
    expect(read).toBeNull()
    await store.put('k', 'v')
    await store.get('k')
    expect(store.counts().roundTrips).toBe(3)
  })

  it('counts calls issued together as one round trip', async () => {
    const store = setup()
    await Promise.all([store.put('a', '1'), store.put('b', '2'), store.put('c', '3'), store.get('d')])
    expect(store.counts().roundTrips).toBe(1)
    await Promise.all([store.get('a'), store.get('b')])
    expect(store.counts().roundTrips).toBe(2)
  })

  it('counts the longest dependent chain across parallel tasks', async () => {
    const store = setup()
    // Each task reads then writes: two round trips however many tasks run side by side.
    await Promise.all(
      ['a', 'b', 'c'].map(async (key) => {
        await store.get(key)
        await store.put(key, 'x')
      }),
    )
    expect(store.counts().roundTrips).toBe(2)
    expect(store.counts()).toMatchObject({ get: 3, put: 3 })
  })

  it('counts a call made after another finished one deeper, even while a third is in flight', async () => {
    const memory = new MemoryObjectStore()
    const slowGets: ObjectStore = {
      get: async (key) => {
        if (key === 'slow') await new Promise((resolve) => setTimeout(resolve, 30))
        return memory.get(key)
      },
      put: (key, text, options) => memory.put(key, text, options),
      delete: (keys) => memory.delete(keys),
      list: (options) => memory.list(options),
    }
    const store = new CountingObjectStore(slowGets)
    const slow = store.get('slow')
    await store.get('fast')
    // `slow` (round trip 1) is still in flight, yet this put waited for `fast`: round trip 2.
    await store.put('dependent', 'x')
    await slow
    expect(store.counts().roundTrips).toBe(2)
  })

  it('with latency, parallel calls separated by local async work still share a round trip', async () => {
    const store = setup(15)
    await Promise.all(
      ['a', 'b', 'c'].map(async (key, i) => {
        await new Promise((resolve) => setTimeout(resolve, i)) // e.g. hashing before the write
        await store.put(key, 'x')
      }),
    )
    expect(store.counts().roundTrips).toBe(1)
  })

  it('counts failed calls too', async () => {
    const store = setup()
    await expect(store.list({ prefix: '', limit: 0 })).rejects.toThrow()
    await store.get('x')
    expect(store.counts()).toMatchObject({ list: 1, get: 1, roundTrips: 2 })
  })

  it('reset starts from zero', async () => {
    const store = setup()
    await store.put('a', '1')
    await store.get('a')
    store.reset()
    expect(store.counts()).toEqual({ get: 0, put: 0, delete: 0, list: 0, classA: 0, classB: 0, roundTrips: 0, finishedRoundTrips: 0 })
    await store.get('a')
    expect(store.counts()).toMatchObject({ get: 1, roundTrips: 1 })
  })

  it('passes results and conditions through unchanged', async () => {
    const store = setup()
    const created = await store.put('k', 'v', { condition: { ifAbsent: true }, metadata: { m: '1' } })
    expect(await store.put('k', 'w', { condition: { ifAbsent: true } })).toBeNull()
    expect(await store.get('k')).toEqual({ key: 'k', version: created!.version, text: 'v', metadata: { m: '1' } })
  })
})
