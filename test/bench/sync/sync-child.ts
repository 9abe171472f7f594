/**
 * One sync run, alone in its own process so its peak RSS is its own: `node sync-child.ts <config.json>`.
 * Runs the production engine (`runSync`) against the bucket named in the config — Miniflare's S3 endpoint
 * through `S3ObjectStore`, or (to see the engine without any emulator) an in-memory bucket — counting every
 * storage request and stamping the phase boundaries, and writes a JSON report to `resultFile`.
 */
import { readFile, writeFile } from 'node:fs/promises'
import type { Bucket } from '../../../action/engine/bucket.ts'
import { runSync } from '../../../action/engine/index.ts'
import { Git } from '../../../action/git.ts'
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../../action/s3-object-store.ts'
import type { ListedObject, ListOptions, ListPage, PutOptions, StoredObject } from '../../../shared/object-store/object-store.ts'
import { MemoryObjectStore } from '../../../shared/object-store/memory-store.ts'
import { cpuSnapshot, type CpuSnapshot } from '../support/cpu.ts'

export interface SyncChildConfig {
  store: 's3' | 'memory'
  repo: string
  branch: string
  s3?: S3ObjectStoreOptions
  /** For `memory`: JSON lines of `{ key, body, metadata }` to load before the clock starts. */
  pendingFile?: string
  resultFile: string
}

export type RequestKind = 'list' | 'get' | 'put' | 'delete'

export interface RequestStats {
  /** Calls of the store method. */
  calls: number
  /** HTTP requests they became (a delete of up to 1,000 keys is one DeleteObjects request). */
  requests: number
  keys: number
  /** When the first call started and the last one ended, with this process's CPU then. */
  firstStart: CpuSnapshot | null
  lastEnd: CpuSnapshot | null
}

export interface PhaseMark {
  name: string
  /** Epoch ms, and this process's and its finished children's CPU at that moment. */
  at: CpuSnapshot
}

export interface SyncChildReport {
  store: 's3' | 'memory'
  result: { pending: number; synced: number; commits: number; quarantined: number; pushAttempts: number; headSha: string | null }
  requests: Record<RequestKind, RequestStats>
  marks: PhaseMark[]
  maxRssKb: number
}

const DELETE_KEYS_PER_REQUEST = 1000

function emptyStats(): Record<RequestKind, RequestStats> {
  const one = (): RequestStats => ({ calls: 0, requests: 0, keys: 0, firstStart: null, lastEnd: null })
  return { list: one(), get: one(), put: one(), delete: one() }
}

/** Time and this process's CPU, without reading /proc (cheap enough to take at every request). */
function lightSnapshot(): CpuSnapshot {
  const usage = process.cpuUsage()
  return { ms: Date.now(), selfCpuMs: (usage.user + usage.system) / 1000, childrenCpuMs: null, childrenSystemCpuMs: null }
}

/** Counts requests by kind and when the first started and the last ended. */
class Meter {
  readonly stats = emptyStats()
  async track<T>(kind: RequestKind, keys: number, call: () => Promise<T>): Promise<T> {
    const stats = this.stats[kind]
    stats.calls += 1
    stats.keys += keys
    stats.requests += kind === 'delete' ? Math.max(1, Math.ceil(keys / DELETE_KEYS_PER_REQUEST)) : 1
    stats.firstStart ??= lightSnapshot()
    try {
      return await call()
    } finally {
      stats.lastEnd = lightSnapshot()
    }
  }
}

/**
 * `S3ObjectStore` with every request counted. `listAll` and `getMany` are the store's own (they call
 * `this.list` and `this.get`), so the engine's requests are counted exactly as it makes them.
 */
class CountingS3Store extends S3ObjectStore {
  readonly meter: Meter
  constructor(options: S3ObjectStoreOptions, meter: Meter) {
    super(options)
    this.meter = meter
  }
  override get(key: string): Promise<StoredObject | null> {
    return this.meter.track('get', 1, () => super.get(key))
  }
  override put(key: string, text: string, options?: PutOptions): Promise<{ version: string } | null> {
    return this.meter.track('put', 1, () => super.put(key, text, options))
  }
  override delete(keys: string | readonly string[]): Promise<void> {
    const count = typeof keys === 'string' ? 1 : new Set(keys).size
    return this.meter.track('delete', count, () => super.delete(keys))
  }
  override list(options: ListOptions): Promise<ListPage> {
    return this.meter.track('list', 0, () => super.list(options))
  }
}

/** The engine's `Bucket` over the in-memory store, with the same paging and concurrency as `S3ObjectStore`. */
class MemoryBucket implements Bucket {
  readonly #inner = new MemoryObjectStore()
  readonly meter: Meter
  constructor(meter: Meter) {
    this.meter = meter
  }
  load(key: string, text: string, metadata: Record<string, string>): Promise<unknown> {
    return this.#inner.put(key, text, { metadata })
  }
  get(key: string) {
    return this.meter.track('get', 1, () => this.#inner.get(key))
  }
  put(key: string, text: string, options?: PutOptions) {
    return this.meter.track('put', 1, () => this.#inner.put(key, text, options))
  }
  delete(keys: string | readonly string[]) {
    const count = typeof keys === 'string' ? 1 : new Set(keys).size
    return this.meter.track('delete', count, () => this.#inner.delete(keys))
  }
  list(options: ListOptions) {
    return this.meter.track('list', 0, () => this.#inner.list(options))
  }
  async *listAll(prefix: string, options: { startAfter?: string } = {}): AsyncGenerator<ListedObject> {
    let cursor: string | undefined
    do {
      const page = await this.list({ prefix, cursor, startAfter: options.startAfter })
      yield* page.objects
      cursor = page.cursor
    } while (cursor !== undefined)
  }
  async listPrefixes(): Promise<string[]> {
    throw new Error('not used by sync')
  }
  async getMany(keys: readonly string[], concurrency = 16): Promise<(StoredObject | null)[]> {
    const results = new Array<StoredObject | null>(keys.length)
    let next = 0
    await Promise.all(
      Array.from({ length: Math.min(concurrency, keys.length) }, async () => {
        while (next < keys.length) {
          const index = next++
          results[index] = await this.get(keys[index] as string)
        }
      }),
    )
    return results
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(await readFile(process.argv[2] as string, 'utf8')) as SyncChildConfig
  const meter = new Meter()
  let objects: Bucket
  if (config.store === 's3') {
    if (config.s3 === undefined) throw new Error('s3 options missing')
    objects = new CountingS3Store(config.s3, meter)
  } else {
    const memory = new MemoryBucket(meter)
    const lines = (await readFile(config.pendingFile as string, 'utf8')).split('\n').filter((line) => line !== '')
    for (const line of lines) {
      const { key, body, metadata } = JSON.parse(line) as { key: string; body: string; metadata: Record<string, string> }
      await memory.load(key, body, metadata)
    }
    objects = memory
  }

  const marks: PhaseMark[] = []
  const mark = (name: string): void => {
    marks.push({ name, at: cpuSnapshot() })
  }
  mark('start')
  const result = await runSync(
    {
      objects,
      git: new Git(config.repo),
      branch: config.branch,
      repository: 'https://github.com/acme/books',
      logger: {
        info: (message) => {
          if (/^\d+ pending entr/.test(message)) mark('loaded')
        },
        warning: (message) => process.stderr.write(`warning: ${message}\n`),
        debug: () => {},
      },
      hooks: {
        afterImport: () => mark('imported'),
        beforePush: () => mark('push-start'),
        afterPush: () => mark('pushed'),
      },
    },
    {},
  )
  mark('end')
  if (objects instanceof S3ObjectStore) objects.destroy()

  const report: SyncChildReport = {
    store: config.store,
    result: {
      pending: result.pending,
      synced: result.synced,
      commits: result.commits.length,
      quarantined: result.quarantined.length,
      pushAttempts: result.pushAttempts,
      headSha: result.headSha,
    },
    requests: meter.stats,
    marks,
    maxRssKb: process.resourceUsage().maxRSS,
  }
  await writeFile(config.resultFile, JSON.stringify(report))
}

await main()
