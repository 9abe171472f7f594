import { ThrottledError } from '../shared/errors.ts'
import { listPageSize, type ListOptions, type ListPage, type ObjectStore, type PutOptions, type StoredObject } from '../shared/object-store/object-store.ts'
import { retry, type RetryOptions } from '../shared/retry.ts'

/** R2 refuses more keys per delete call, and more keys per list page. */
const MAX_KEYS_PER_CALL = 1000

/** R2's code for "Reduce your concurrent request rate for the same object" (HTTP 429). */
const R2_TOO_MANY_REQUESTS = 10058

export type R2RetryOptions = Pick<RetryOptions, 'attempts' | 'baseMs' | 'maxMs' | 'sleep' | 'random'>

/**
 * A key is writable about once per second; waits of 0.25, 0.5, 1 and 2 s (each jittered down to
 * half) ride out a burst on one key within a request's time budget.
 */
const DEFAULT_RETRY: R2RetryOptions = { attempts: 5, baseMs: 250, maxMs: 2000 }

/** Throttling is the only failure known not to have written anything, so it alone is retried. */
export function isR2Throttled(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  return code === R2_TOO_MANY_REQUESTS || error.message.endsWith(`(${R2_TOO_MANY_REQUESTS})`)
}

/** The `ObjectStore` over the Worker's R2 binding. Versions are R2 ETags (unquoted). */
export class R2ObjectStore implements ObjectStore {
  readonly #bucket: R2Bucket
  readonly #retry: R2RetryOptions

  constructor(bucket: R2Bucket, options: { retry?: Partial<R2RetryOptions> } = {}) {
    this.#bucket = bucket
    this.#retry = { ...DEFAULT_RETRY, ...options.retry }
  }

  async get(key: string): Promise<StoredObject | null> {
    const object = await this.#call('get', key, () => this.#bucket.get(key))
    if (object === null) return null
    return { key, version: object.etag, text: await object.text(), metadata: { ...object.customMetadata } }
  }

  async put(key: string, text: string, options: PutOptions = {}): Promise<{ version: string } | null> {
    const r2Options: R2PutOptions = { customMetadata: { ...options.metadata } }
    const condition = options.condition
    if (condition !== undefined) {
      r2Options.onlyIf = 'ifAbsent' in condition ? new Headers({ 'If-None-Match': '*' }) : { etagMatches: condition.ifVersion }
    }
    // R2 answers a failed condition with null, not an error.
    const object = await this.#call('put', key, () => this.#bucket.put(key, text, r2Options))
    return object === null ? null : { version: object.etag }
  }

  async delete(keys: string | readonly string[]): Promise<void> {
    const all = typeof keys === 'string' ? [keys] : [...keys]
    for (let start = 0; start < all.length; start += MAX_KEYS_PER_CALL) {
      const chunk = all.slice(start, start + MAX_KEYS_PER_CALL)
      await this.#call('delete', chunk[0] ?? '', () => this.#bucket.delete(chunk))
    }
  }

  async list(options: ListOptions): Promise<ListPage> {
    const r2Options: R2ListOptions = { prefix: options.prefix, include: ['customMetadata'] }
    if (options.limit !== undefined) r2Options.limit = listPageSize(options.limit)
    if (options.cursor !== undefined) r2Options.cursor = options.cursor
    if (options.startAfter !== undefined) r2Options.startAfter = options.startAfter
    // A page may hold fewer keys than asked for when metadata is included: only the cursor says "more".
    const page = await this.#call('list', options.prefix, () => this.#bucket.list(r2Options))
    const objects = page.objects.map((object) => ({
      key: object.key,
      version: object.etag,
      size: object.size,
      metadata: { ...object.customMetadata },
    }))
    return page.truncated ? { objects, cursor: page.cursor } : { objects }
  }

  async #call<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await retry(fn, { ...this.#retry, isRetryable: isR2Throttled })
    } catch (error) {
      if (isR2Throttled(error)) {
        throw new ThrottledError(`R2 kept throttling ${operation} of "${key}" after ${this.#retry.attempts} attempts`)
      }
      throw error
    }
  }
}
