import { env } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SyncedEntry } from '../../shared/commit-entry.ts'
import { entrySummaryMetadata } from '../../shared/entry-metadata.ts'
import { pendingEntryKey } from '../../shared/keys.ts'
import { CountingObjectStore } from '../../shared/object-store/counting-store.ts'
import { createApp } from '../../worker/app.ts'
import { R2ObjectStore } from '../../worker/r2-object-store.ts'
import { syncedCustomerEntry } from '../support/synced-entry.ts'
import { get, ok, settle } from './support/api.ts'

const SYNCED = 5000
const BASE_MS = Date.parse('2026-01-01T00:00:00.000Z')
const author = { name: 'Sync Bot', email: 'sync@acme.example' }
const syncedEntry = (tenant: string, ms: number) => syncedCustomerEntry(tenant, ms, { author })

async function plantSynced(tenant: string, count: number): Promise<SyncedEntry[]> {
  const entries: SyncedEntry[] = []
  for (let start = 0; start < count; start += 250) {
    const batch = await Promise.all(Array.from({ length: Math.min(250, count - start) }, (_, i) => syncedEntry(tenant, BASE_MS + (start + i) * 1000)))
    await Promise.all(
      batch.map(({ key, entry }) =>
        env.BUCKET.put(key, JSON.stringify(entry), { customMetadata: entrySummaryMetadata(entry, { commit_sha: entry.commit_sha, repository: entry.repository }) }),
      ),
    )
    entries.push(...batch.map(({ entry }) => entry))
  }
  return entries
}

function countingApp() {
  const counting = new CountingObjectStore(new R2ObjectStore(env.BUCKET))
  const app = createApp({ objects: () => counting })
  return { counting, fetcher: (request: Request) => app.fetch(request, env) }
}

describe('GET /activity over a long history', () => {
  let planted: SyncedEntry[]

  beforeAll(async () => {
    planted = await plantSynced('acme', SYNCED)
    await plantSynced('globex', 30)
  }, 120_000)

  afterAll(async () => {
    await settle()
    await reset()
  })

  it(`serves the first page of ${SYNCED} synced entries with at most 2 list calls and no GET`, async () => {
    const { counting, fetcher } = countingApp()
    const response = await get('/activity', { fetcher })
    expect(response.status).toBe(200)
    const page = (await response.json()) as any
    const counts = counting.counts()
    expect(counts.list).toBeLessThanOrEqual(2)
    expect(counts.get).toBe(0)
    expect(page.entries).toHaveLength(50)
    const newest = planted.at(-1)!
    expect(page.entries[0]).toEqual({
      oid: newest.oid,
      message: newest.message,
      author,
      ts: newest.ts,
      paths: newest.paths,
      status: 'synced',
      commit_sha: newest.commit_sha,
      repository: 'https://github.com/acme/books',
    })
    expect(page.next_cursor).toEqual(expect.any(String))
  })

  it('pages through the whole history newest first, each entry once, each page at most 2 list calls', async () => {
    const { counting, fetcher } = countingApp()
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      counting.reset()
      const page = (await (await get(`/activity?limit=100${cursor === null ? '' : `&cursor=${cursor}`}`, { fetcher })).json()) as any
      expect(counting.counts().list).toBeLessThanOrEqual(2)
      seen.push(...page.entries.map((entry: any) => entry.oid))
      cursor = page.next_cursor
      pages += 1
    } while (cursor !== null && pages < 100)
    expect(seen).toEqual(planted.map((entry) => entry.oid).reverse())
  })

  it('puts new pending entries first, and shows an entry in both folders once, as synced', async () => {
    await ok('create_customer', { name: 'Fresh' })
    await settle()
    const newest = planted.at(-1)!
    // The moment between the Action writing the synced copy and deleting the pending one.
    await env.BUCKET.put(pendingEntryKey('acme', newest.ts, newest.oid), '{}', { customMetadata: entrySummaryMetadata(newest) })
    const page = (await (await get('/activity?limit=3')).json()) as any
    expect(page.entries.map((entry: any) => entry.status)).toEqual(['pending', 'synced', 'synced'])
    expect(page.entries[0].message).toMatch(/^create Customer /)
    expect(page.entries[1]).toMatchObject({ oid: newest.oid, status: 'synced' })
    expect(page.entries[2].oid).toBe(planted.at(-2)!.oid)
  })
})

describe('GET /activity details', () => {
  afterAll(async () => {
    await settle()
    await reset()
  })

  it('fetches an entry whose metadata is incomplete', async () => {
    const { key, entry } = await syncedEntry('acme', BASE_MS)
    const metadata = entrySummaryMetadata(entry, { commit_sha: entry.commit_sha })
    delete metadata.paths
    await env.BUCKET.put(key, JSON.stringify(entry), { customMetadata: metadata })
    const { counting, fetcher } = countingApp()
    const page = (await (await get('/activity', { fetcher })).json()) as any
    expect(page.entries).toEqual([expect.objectContaining({ oid: entry.oid, paths: entry.paths, status: 'synced', commit_sha: entry.commit_sha })])
    expect(counting.counts().get).toBe(1)
  })

  it('refuses a malformed cursor or limit with 400', async () => {
    for (const query of ['cursor=nonsense', 'cursor=Li4vZ2xvYmV4', 'limit=0', 'limit=101', 'limit=ten', 'limit=-1']) {
      const response = await get(`/activity?${query}`)
      expect(response.status, query).toBe(400)
      expect(((await response.json()) as any).error.code).toBe('invalid_input')
    }
  })
})
