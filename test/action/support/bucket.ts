/**
 * The engine's `Bucket` over Miniflare's S3 endpoint, with a switch to make it die at a chosen
 * operation: the "process killed here" of the crash tests.
 */
import type { S3ObjectStore } from '../../../action/s3-object-store.ts'
import type { Bucket } from '../../../action/engine/bucket.ts'
import { SimulatedCrash } from '../../../shared/object-store/faulty-store.ts'
import type { ListOptions, PutOptions } from '../../../shared/object-store/object-store.ts'

export type Operation = { op: 'put'; key: string } | { op: 'delete'; keys: readonly string[] }

export class CrashingBucket implements Bucket {
  readonly #inner: S3ObjectStore
  #crashWhen: ((operation: Operation) => boolean) | undefined
  #crashed = false

  constructor(inner: S3ObjectStore) {
    this.#inner = inner
  }

  /** From the first mutation for which `when` is true on, every call throws `SimulatedCrash`. */
  crashWhen(when: (operation: Operation) => boolean): void {
    this.#crashWhen = when
  }

  get crashed(): boolean {
    return this.#crashed
  }

  #alive(): void {
    if (this.#crashed) throw new SimulatedCrash()
  }

  #mutation(operation: Operation): void {
    this.#alive()
    if (this.#crashWhen?.(operation)) {
      this.#crashed = true
      throw new SimulatedCrash()
    }
  }

  async get(key: string) {
    this.#alive()
    return this.#inner.get(key)
  }

  async put(key: string, text: string, options?: PutOptions) {
    this.#mutation({ op: 'put', key })
    return this.#inner.put(key, text, options)
  }

  async delete(keys: string | readonly string[]) {
    this.#mutation({ op: 'delete', keys: typeof keys === 'string' ? [keys] : keys })
    return this.#inner.delete(keys)
  }

  async list(options: ListOptions) {
    this.#alive()
    return this.#inner.list(options)
  }

  async *listAll(prefix: string, options?: { startAfter?: string }) {
    this.#alive()
    yield* this.#inner.listAll(prefix, options)
  }

  async listPrefixes(prefix: string) {
    this.#alive()
    return this.#inner.listPrefixes(prefix)
  }

  async getMany(keys: readonly string[], concurrency?: number, onRead?: () => void) {
    this.#alive()
    return this.#inner.getMany(keys, concurrency, onRead)
  }
}

/** Deletes every object: tests in one file share a Miniflare bucket. */
export async function emptyBucket(store: S3ObjectStore): Promise<void> {
  const keys: string[] = []
  for await (const listed of store.listAll('')) keys.push(listed.key)
  if (keys.length > 0) await store.delete(keys)
}
