import type { Bucket } from '../../../action/engine/bucket.ts'
import type { ListedObject, ListOptions, ListPage, ObjectStore, PutOptions, StoredObject } from '../../../shared/object-store/object-store.ts'
import type { Process, Scheduler } from './scheduler.ts'

/** Told of every put that lands, at the moment it lands (whatever its caller later hears). */
export type PutObserver = (key: string, text: string) => void

/**
 * One process's view of the shared bucket: every call waits for the scheduler, which decides when it runs
 * and whether it fails before or after applying. The inner store is the in-memory one with R2's semantics.
 */
export class SimStore implements ObjectStore {
  protected readonly scheduler: Scheduler
  protected readonly process: Process
  readonly #inner: ObjectStore
  readonly #observe: PutObserver

  constructor(scheduler: Scheduler, process: Process, inner: ObjectStore, observe: PutObserver) {
    this.scheduler = scheduler
    this.process = process
    this.#inner = inner
    this.#observe = observe
  }

  get(key: string): Promise<StoredObject | null> {
    return this.scheduler.call(this.process, `get ${key}`, () => this.#inner.get(key))
  }

  put(key: string, text: string, options?: PutOptions): Promise<{ version: string } | null> {
    const condition = options?.condition === undefined ? '' : 'ifAbsent' in options.condition ? ' if-absent' : ' if-version'
    return this.scheduler.call(this.process, `put ${key}${condition}`, async () => {
      const written = await this.#inner.put(key, text, options)
      if (written !== null) this.#observe(key, text)
      return written
    })
  }

  delete(keys: string | readonly string[]): Promise<void> {
    const list = typeof keys === 'string' ? [keys] : keys
    return this.scheduler.call(this.process, `delete ${list.join(' ')}`, () => this.#inner.delete(keys))
  }

  list(options: ListOptions): Promise<ListPage> {
    const from = options.cursor !== undefined ? ' (next page)' : options.startAfter !== undefined ? ` after ${options.startAfter}` : ''
    return this.scheduler.call(this.process, `list ${options.prefix}${from}`, () => this.#inner.list(options))
  }
}

/** The Action's `Bucket` over the same scheduled store: whole listings page by page, reads in parallel. */
export class SimBucket extends SimStore implements Bucket {
  async *listAll(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<ListedObject> {
    let cursor: string | undefined
    do {
      const page = await this.list({ prefix, cursor, startAfter: cursor === undefined ? options.startAfter : undefined })
      yield* page.objects
      cursor = page.cursor
    } while (cursor !== undefined)
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    const prefixes = new Set<string>()
    for await (const listed of this.listAll(prefix)) {
      const rest = listed.key.slice(prefix.length)
      const slash = rest.indexOf('/')
      if (slash >= 0) prefixes.add(prefix + rest.slice(0, slash + 1))
    }
    return [...prefixes]
  }

  getMany(keys: readonly string[]): Promise<(StoredObject | null)[]> {
    return Promise.all(keys.map((key) => this.get(key)))
  }
}
