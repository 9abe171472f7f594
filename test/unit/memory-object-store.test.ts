import { describe, expect, it } from 'vitest'
import { MemoryObjectStore, compareUtf8 } from '../../shared/object-store/memory-store.ts'
import { describeObjectStoreContract } from '../contract/object-store-contract.ts'

describeObjectStoreContract('MemoryObjectStore', () => new MemoryObjectStore())
describeObjectStoreContract('MemoryObjectStore with unique versions and short pages', () => new MemoryObjectStore({ versions: 'unique', maxPageSize: 100 }))

describe('MemoryObjectStore specifics', () => {
  it('gives identical content the same version by default, as R2 ETags do', async () => {
    const store = new MemoryObjectStore()
    const a = await store.put('k', 'same')
    const b = await store.put('k', 'same')
    const c = await store.put('other', 'same')
    expect(b!.version).toBe(a!.version)
    expect(c!.version).toBe(a!.version)
    // So an ifVersion taken before an A→B→A sequence still matches, exactly as on R2.
    await store.put('k', 'changed')
    await store.put('k', 'same')
    expect(await store.put('k', 'next', { condition: { ifVersion: a!.version } })).not.toBeNull()
  })

  it('mints a fresh version on every put in unique mode', async () => {
    const store = new MemoryObjectStore({ versions: 'unique' })
    const a = await store.put('k', 'same')
    const b = await store.put('k', 'same')
    expect(b!.version).not.toBe(a!.version)
    expect(await store.put('k', 'x', { condition: { ifVersion: a!.version } })).toBeNull()
  })

  it('caps pages at maxPageSize and still reaches every key', async () => {
    const store = new MemoryObjectStore({ maxPageSize: 2 })
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => store.put(k, k)))
    const first = await store.list({ prefix: '', limit: 10 })
    expect(first.objects.map((o) => o.key)).toEqual(['a', 'b'])
    const second = await store.list({ prefix: '', limit: 10, cursor: first.cursor! })
    expect(second.objects.map((o) => o.key)).toEqual(['c', 'd'])
  })

  it('keeps cursors valid when the listed key is deleted in between', async () => {
    const store = new MemoryObjectStore()
    await Promise.all(['a', 'b', 'c', 'd'].map((k) => store.put(k, k)))
    const first = await store.list({ prefix: '', limit: 2 })
    await store.delete(['b', 'c'])
    await store.put('bb', 'new')
    const second = await store.list({ prefix: '', cursor: first.cursor! })
    expect(second.objects.map((o) => o.key)).toEqual(['bb', 'd'])
  })

  it('rejects malformed cursors, keys and limits', async () => {
    const store = new MemoryObjectStore()
    await expect(store.list({ prefix: '', cursor: 'not a cursor' })).rejects.toThrow(/cursor/)
    await expect(store.list({ prefix: '', cursor: btoa('x') })).rejects.toThrow(/cursor/)
    await expect(store.list({ prefix: '', limit: 1.5 })).rejects.toThrow(/limit/)
    await expect(store.put('', 'x')).rejects.toThrow(/key/)
    await expect(store.put('\uD800', 'x')).rejects.toThrow(/key/)
    await expect(store.put('k'.repeat(1025), 'x')).rejects.toThrow(/1024/)
    await expect(store.delete(['ok', ''])).rejects.toThrow(/key/)
    expect(() => new MemoryObjectStore({ maxPageSize: 0 })).toThrow()
  })

  it('a rejected delete batch deletes nothing', async () => {
    const store = new MemoryObjectStore()
    await store.put('a', 'a')
    await expect(store.delete(['a', ''])).rejects.toThrow()
    expect(await store.get('a')).not.toBeNull()
  })

  it('compareUtf8 orders by code point', () => {
    const sorted = ['😀', '\uFFFD', 'z', 'é', '\uE000', 'A'].sort(compareUtf8)
    expect(sorted).toEqual(['A', 'z', 'é', '\uE000', '\uFFFD', '😀'])
    const bytes = (s: string) => Array.from(new TextEncoder().encode(s))
    const byBytes = [...sorted].sort((a, b) => {
      const x = bytes(a), y = bytes(b)
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
      return x.length - y.length
    })
    expect(sorted).toEqual(byBytes)
  })
})
