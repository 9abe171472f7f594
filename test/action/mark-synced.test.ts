import { describe, expect, it } from 'vitest'
import type { Bucket } from '../../action/engine/bucket.ts'
import { silentLogger } from '../../action/engine/logger.ts'
import { markSynced, type SyncedMark } from '../../action/engine/mark-synced.ts'
import type { CommitEntry } from '../../shared/commit-entry.ts'
import { newId, pendingEntryKey, syncedKeyForPending } from '../../shared/keys.ts'
import { MemoryObjectStore } from '../../shared/object-store/memory-store.ts'
import type { ListOptions, PutOptions, StoredObject } from '../../shared/object-store/object-store.ts'

/** An in-memory bucket that logs every call, and can hold back or fail batch deletes. */
class LoggingBucket implements Bucket {
  readonly inner = new MemoryObjectStore()
  readonly log: string[] = []
  deletesInFlight = 0
  maxDeletesInFlight = 0
  /** Decides how each batch delete (1-based) ends: resolve after the promise, or fail. */
  onDelete: (call: number) => Promise<void> = async () => {}
  #deletes = 0

  get(key: string) {
    return this.inner.get(key)
  }
  async put(key: string, text: string, options?: PutOptions) {
    this.log.push(`put ${key}`)
    await new Promise((resolve) => setTimeout(resolve, 0))
    return this.inner.put(key, text, options)
  }
  async delete(keys: string | readonly string[]) {
    const call = ++this.#deletes
    this.log.push(`delete#${call} ${[keys].flat().length}`)
    this.deletesInFlight += 1
    this.maxDeletesInFlight = Math.max(this.maxDeletesInFlight, this.deletesInFlight)
    try {
      await this.onDelete(call)
      await this.inner.delete(keys)
    } finally {
      this.deletesInFlight -= 1
      this.log.push(`deleted#${call}`)
    }
  }
  list(options: ListOptions) {
    return this.inner.list(options)
  }
  async *listAll(prefix: string) {
    let cursor: string | undefined
    do {
      const page = await this.inner.list({ prefix, cursor })
      yield* page.objects
      cursor = page.cursor
    } while (cursor !== undefined)
  }
  async listPrefixes(): Promise<string[]> {
    return []
  }
  async getMany(keys: readonly string[]): Promise<(StoredObject | null)[]> {
    return Promise.all(keys.map((key) => this.inner.get(key)))
  }
}

async function pendingMarks(bucket: LoggingBucket, count: number): Promise<SyncedMark[]> {
  const marks: SyncedMark[] = []
  for (let i = 0; i < count; i++) {
    const at = new Date(Date.parse('2026-06-25T10:00:00.000Z') + i * 1000)
    const path = `data/acme/Customer/${newId(at)}.agi`
    const entry: CommitEntry = { v: 1, oid: newId(at), tenant: 'acme', message: `delete ${i}`, author: { name: 'Bot', email: 'bot@acme.example' }, ts: at.toISOString(), paths: [path], files: [{ path, op: 'delete' }] }
    const pendingKey = pendingEntryKey('acme', entry.ts, entry.oid)
    await bucket.inner.put(pendingKey, JSON.stringify(entry))
    marks.push({ syncedKey: syncedKeyForPending(pendingKey), pendingKey, entry, commitSha: 'a'.repeat(40) })
  }
  return marks
}

describe('markSynced', () => {
  it('writes every synced copy before its pending key is deleted, deleting one chunk while writing the next', async () => {
    const bucket = new LoggingBucket()
    const marks = await pendingMarks(bucket, 2400)
    // The first batch delete finishes only once the second chunk's copies are being written.
    let secondChunkStarted!: () => void
    const started = new Promise<void>((resolve) => (secondChunkStarted = resolve))
    bucket.onDelete = (call) => (call === 1 ? started : Promise.resolve())
    const watch = setInterval(() => {
      if (bucket.log.includes(`put ${marks[1000]?.syncedKey}`)) secondChunkStarted()
    }, 1)
    await markSynced(bucket, marks, { now: () => new Date('2026-06-26T00:00:00Z'), logger: silentLogger })
    clearInterval(watch)

    expect((await bucket.inner.list({ prefix: 'commits/' })).objects).toEqual([])
    const synced: string[] = []
    for await (const listed of bucket.listAll('synced/')) synced.push(listed.key)
    expect(synced.sort()).toEqual(marks.map((mark) => mark.syncedKey).sort())
    expect(bucket.maxDeletesInFlight).toBe(1)
    const position = (line: string) => bucket.log.indexOf(line)
    // Chunk k's delete is issued after every copy of chunk k, and overlaps chunk k+1's copies.
    // Chunks are as large as one DeleteObjects call takes (1,000 keys), so marking costs one delete call per 1,000 entries.
    expect(position('delete#1 1000')).toBeGreaterThan(position(`put ${marks[999]?.syncedKey}`))
    expect(position('delete#1 1000')).toBeLessThan(position(`put ${marks[1000]?.syncedKey}`))
    expect(position('deleted#1')).toBeGreaterThan(position(`put ${marks[1000]?.syncedKey}`))
    expect(position('delete#2 1000')).toBeGreaterThan(position(`put ${marks[1999]?.syncedKey}`))
    expect(position('delete#3 400')).toBeGreaterThan(position(`put ${marks[2399]?.syncedKey}`))
    expect(bucket.log.filter((line) => line.startsWith('delete#'))).toEqual(['delete#1 1000', 'delete#2 1000', 'delete#3 400'])
  })

  it('fails when a batch delete fails, after the copies it overlapped', async () => {
    const bucket = new LoggingBucket()
    const marks = await pendingMarks(bucket, 1700)
    bucket.onDelete = async (call) => {
      if (call === 1) throw new Error('DeleteObjects refused')
    }
    await expect(markSynced(bucket, marks, { now: () => new Date(), logger: silentLogger })).rejects.toThrow('DeleteObjects refused')
    // The second chunk's pending keys were never deleted: the next run marks those entries again.
    expect(bucket.log.filter((line) => line.startsWith('delete#'))).toEqual(['delete#1 1000'])
    let pending = 0
    for await (const _ of bucket.listAll('commits/')) pending += 1
    expect(pending).toBe(1700)
  })
})
