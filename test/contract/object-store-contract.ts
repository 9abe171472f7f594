import { describe, expect, it } from 'vitest'
import type { ListOptions, ListedObject, ObjectStore } from '../../shared/object-store/object-store.ts'

export interface ContractOptions {
  /**
   * Whether `list` returns user metadata (default true). False for S3, whose ListObjectsV2 cannot:
   * list results must then carry `metadata: {}`, and `get` still returns the metadata.
   */
  listMetadata?: boolean
}

/**
 * The behaviour every `ObjectStore` must share, run against each backend. Keys are unique per test
 * so the suite also works on a bucket that is not emptied between tests.
 */
export function describeObjectStoreContract(name: string, makeStore: () => Promise<ObjectStore> | ObjectStore, options: ContractOptions = {}): void {
  const listMetadata = options.listMetadata ?? true
  /** What a listing shows of `metadata`. */
  const listed = (metadata: Record<string, string>) => (listMetadata ? metadata : {})
  let run = 0
  const scope = (label: string) => `contract/${label}-${Date.now()}-${run++}/`

  /** Follows cursors to the end; asserts each page respects the limit and nothing repeats. */
  async function listAll(store: ObjectStore, options: ListOptions): Promise<ListedObject[]> {
    const all: ListedObject[] = []
    let cursor: string | undefined
    for (let page = 0; page < 10_000; page++) {
      const result = await store.list({ ...options, ...(cursor === undefined ? {} : { cursor }) })
      expect(result.objects.length).toBeLessThanOrEqual(Math.min(options.limit ?? 1000, 1000))
      all.push(...result.objects)
      cursor = result.cursor
      if (cursor === undefined) return all
    }
    throw new Error('list never ended')
  }

  describe(`ObjectStore contract: ${name}`, () => {
    it('get of a missing key is null', async () => {
      const store = await makeStore()
      expect(await store.get(`${scope('missing')}nothing`)).toBeNull()
    })

    it('put then get returns the text, the version and empty metadata', async () => {
      const store = await makeStore()
      const key = `${scope('put-get')}a.agi`
      const text = 'RECORD Invoice x {\n  note : "ünïcödé 😀 \\"quoted\\""\n}\n'
      const put = await store.put(key, text)
      expect(put).not.toBeNull()
      expect(await store.get(key)).toEqual({ key, version: put!.version, text, metadata: {} })
    })

    it('stores the empty string', async () => {
      const store = await makeStore()
      const key = `${scope('empty')}e`
      expect(await store.put(key, '')).not.toBeNull()
      expect((await store.get(key))?.text).toBe('')
    })

    it('an unconditional put overwrites, and different content gets a different version', async () => {
      const store = await makeStore()
      const key = `${scope('overwrite')}k`
      const first = await store.put(key, 'one')
      const second = await store.put(key, 'two')
      expect(second!.version).not.toBe(first!.version)
      expect(await store.get(key)).toMatchObject({ text: 'two', version: second!.version })
    })

    it('create-only succeeds when absent and returns null when present, changing nothing', async () => {
      const store = await makeStore()
      const key = `${scope('if-absent')}k`
      const created = await store.put(key, 'first', { condition: { ifAbsent: true }, metadata: { tx: 'a' } })
      expect(created).not.toBeNull()
      expect(await store.put(key, 'second', { condition: { ifAbsent: true }, metadata: { tx: 'b' } })).toBeNull()
      expect(await store.get(key)).toEqual({ key, version: created!.version, text: 'first', metadata: { tx: 'a' } })
    })

    it('ifVersion succeeds with the current version', async () => {
      const store = await makeStore()
      const key = `${scope('if-version')}k`
      const first = await store.put(key, 'v1')
      const second = await store.put(key, 'v2', { condition: { ifVersion: first!.version } })
      expect(second).not.toBeNull()
      expect(await store.get(key)).toMatchObject({ text: 'v2', version: second!.version })
    })

    it('a stale ifVersion returns null and changes nothing', async () => {
      const store = await makeStore()
      const key = `${scope('stale')}k`
      const first = await store.put(key, 'v1')
      const second = await store.put(key, 'v2', { condition: { ifVersion: first!.version } })
      expect(await store.put(key, 'v3', { condition: { ifVersion: first!.version }, metadata: { x: '1' } })).toBeNull()
      expect(await store.get(key)).toEqual({ key, version: second!.version, text: 'v2', metadata: {} })
    })

    it('ifVersion on a missing key returns null and creates nothing', async () => {
      const store = await makeStore()
      const key = `${scope('if-version-missing')}k`
      const elsewhere = await store.put(`${key}-other`, 'x')
      expect(await store.put(key, 'v1', { condition: { ifVersion: elsewhere!.version } })).toBeNull()
      expect(await store.get(key)).toBeNull()
    })

    it('ifVersion on a deleted key returns null', async () => {
      const store = await makeStore()
      const key = `${scope('if-version-deleted')}k`
      const first = await store.put(key, 'v1')
      await store.delete(key)
      expect(await store.put(key, 'v2', { condition: { ifVersion: first!.version } })).toBeNull()
      expect(await store.get(key)).toBeNull()
    })

    it('of concurrent create-only puts exactly one wins', async () => {
      const store = await makeStore()
      const key = `${scope('race-create')}k`
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => store.put(key, `writer ${i}`, { condition: { ifAbsent: true } })))
      const winners = results.flatMap((result, i) => (result === null ? [] : [i]))
      expect(winners).toHaveLength(1)
      expect((await store.get(key))?.text).toBe(`writer ${winners[0]}`)
    })

    it('of concurrent ifVersion puts on one version exactly one wins', async () => {
      const store = await makeStore()
      const key = `${scope('race-edit')}k`
      const base = await store.put(key, 'base')
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => store.put(key, `edit ${i}`, { condition: { ifVersion: base!.version } })))
      const winners = results.flatMap((result, i) => (result === null ? [] : [i]))
      expect(winners).toHaveLength(1)
      expect(await store.get(key)).toMatchObject({ text: `edit ${winners[0]}`, version: results[winners[0]!]!.version })
    })

    it('round-trips metadata through get and list, and a put replaces it', async () => {
      const store = await makeStore()
      const prefix = scope('metadata')
      const key = `${prefix}k`
      const metadata = { tx: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001', note: 'ünï 😀', empty: '' }
      const put = await store.put(key, 'x', { metadata })
      expect((await store.get(key))?.metadata).toEqual(metadata)
      const page = await store.list({ prefix })
      expect(page.objects).toEqual([{ key, version: put!.version, size: 1, metadata: listed(metadata) }])
      await store.put(key, 'y', { metadata: { other: '1' } })
      expect((await store.get(key))?.metadata).toEqual({ other: '1' })
      await store.put(key, 'z')
      expect((await store.get(key))?.metadata).toEqual({})
    })

    it('does not share objects with callers', async () => {
      const store = await makeStore()
      const prefix = scope('copies')
      const key = `${prefix}k`
      const metadata: Record<string, string> = { a: '1' }
      await store.put(key, 'x', { metadata })
      metadata.a = 'changed'
      const read = await store.get(key)
      read!.metadata.a = 'changed'
      const page = await store.list({ prefix })
      page.objects[0]!.metadata.a = 'changed'
      expect((await store.get(key))?.metadata).toEqual({ a: '1' })
      expect((await store.list({ prefix })).objects[0]?.metadata).toEqual(listed({ a: '1' }))
    })

    it('reports size in UTF-8 bytes and the same version everywhere', async () => {
      const store = await makeStore()
      const prefix = scope('size')
      const put = await store.put(`${prefix}k`, 'é😀') // 2 + 4 bytes
      const [listed] = (await store.list({ prefix })).objects
      expect(listed).toMatchObject({ key: `${prefix}k`, size: 6, version: put!.version })
      expect((await store.get(`${prefix}k`))?.version).toBe(put!.version)
    })

    it('deletes one key, many keys, and missing keys without error', async () => {
      const store = await makeStore()
      const prefix = scope('delete')
      const keys = ['a', 'b', 'c', 'd'].map((k) => `${prefix}${k}`)
      await Promise.all(keys.map((key) => store.put(key, key)))
      await store.delete(keys[0]!)
      await store.delete([keys[1]!, keys[2]!, `${prefix}never-existed`])
      await store.delete(`${prefix}also-missing`)
      await store.delete([])
      expect((await store.list({ prefix })).objects.map((o) => o.key)).toEqual([keys[3]])
      expect(await store.get(keys[0]!)).toBeNull()
    })

    it('lists only the prefix, in UTF-8 byte order', async () => {
      const store = await makeStore()
      const prefix = scope('order')
      // Code-unit order would put the emoji (a surrogate pair) before U+FFFD; byte order puts it after.
      const names = ['b', 'a', 'a/b', 'a-b', 'a0', 'A', 'Z', '~', 'é', '\uFFFD', '😀', 'aa']
      await Promise.all(names.map((n) => store.put(`${prefix}${n}`, n)))
      await store.put(`${prefix.slice(0, -1)}x`, 'outside the prefix')
      const expected = ['A', 'Z', 'a', 'a-b', 'a/b', 'a0', 'aa', 'b', '~', 'é', '\uFFFD', '😀']
      expect((await store.list({ prefix })).objects.map((o) => o.key.slice(prefix.length))).toEqual(expected)
      expect((await store.list({ prefix: `${prefix}a` })).objects.map((o) => o.key.slice(prefix.length))).toEqual(['a', 'a-b', 'a/b', 'a0', 'aa'])
      expect((await store.list({ prefix: `${prefix}nothing` })).objects).toEqual([])
    })

    it('startAfter lists strictly after a key, also one that does not exist', async () => {
      const store = await makeStore()
      const prefix = scope('start-after')
      const names = ['01', '02', '03', '04', '05']
      await Promise.all(names.map((n) => store.put(`${prefix}${n}`, n)))
      const after = async (startAfter: string, limit?: number) =>
        (await listAll(store, { prefix, startAfter, ...(limit === undefined ? {} : { limit }) })).map((o) => o.key.slice(prefix.length))
      expect(await after(`${prefix}02`)).toEqual(['03', '04', '05'])
      expect(await after(`${prefix}025`)).toEqual(['03', '04', '05'])
      expect(await after(`${prefix}05`)).toEqual([])
      // Before the prefix: the prefix still bounds the listing.
      expect(await after('contract/')).toEqual(names)
      expect(await after(`${prefix}01`, 2)).toEqual(['02', '03', '04', '05'])
    })

    it('pages through more than 1000 keys with limit and cursor', async () => {
      const store = await makeStore()
      const prefix = scope('paging')
      const keys = Array.from({ length: 1100 }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`)
      for (let i = 0; i < keys.length; i += 100) {
        await Promise.all(keys.slice(i, i + 100).map((key) => store.put(key, 'x', { metadata: { n: key.slice(-5) } })))
      }

      // No limit: at most 1000 per page, the rest behind a cursor.
      const first = await store.list({ prefix })
      expect(first.objects.length).toBeGreaterThan(0)
      expect(first.objects.length).toBeLessThanOrEqual(1000)
      expect(first.cursor).toBeDefined()

      const everything = await listAll(store, { prefix })
      expect(everything.map((o) => o.key)).toEqual(keys)
      expect(everything.every((o) => (listMetadata ? o.metadata.n === o.key.slice(-5) : Object.keys(o.metadata).length === 0))).toBe(true)

      // A limit above 1000 is capped, not refused.
      const big = await store.list({ prefix, limit: 5000 })
      expect(big.objects.length).toBeLessThanOrEqual(1000)

      const small = await listAll(store, { prefix, limit: 7 })
      expect(small.map((o) => o.key)).toEqual(keys)

      // startAfter combined with a cursor continues after the later of the two.
      const page = await store.list({ prefix, limit: 3, startAfter: keys[1049] })
      expect(page.objects.map((o) => o.key)).toEqual(keys.slice(1050, 1050 + page.objects.length))
      const rest = await listAll(store, { prefix, startAfter: keys[1049], ...(page.cursor === undefined ? {} : { cursor: page.cursor }) })
      expect([...page.objects, ...rest].map((o) => o.key)).toEqual(keys.slice(1050))

      // Exactly at the end: no cursor.
      const tail = await store.list({ prefix, startAfter: keys[1094], limit: 5 })
      expect(tail.objects.map((o) => o.key)).toEqual(keys.slice(1095))
      expect(tail.cursor).toBeUndefined()

      await store.delete(keys)
      expect((await store.list({ prefix })).objects).toEqual([])
    })

    it('refuses a limit below 1', async () => {
      const store = await makeStore()
      await expect(store.list({ prefix: scope('limit'), limit: 0 })).rejects.toThrow()
    })
  })
}
