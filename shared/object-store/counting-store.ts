import type { ListOptions, ListPage, ObjectStore, PutOptions, StoredObject } from './object-store.ts'

export interface OperationCounts {
  get: number
  put: number
  delete: number
  list: number
  /** Billed as R2 Class A: writes and lists. */
  classA: number
  /** Billed as R2 Class B: reads. Deletes are free. */
  classB: number
  /**
   * Sequential round trips: the length of the longest chain of calls in which each call started
   * only after the previous one had finished. Calls issued together (e.g. under `Promise.all`)
   * share a round trip; a call that starts after another finished is counted one deeper, since it
   * may have waited for that answer.
   */
  roundTrips: number
  /**
   * The same, counting only calls that have finished: what a caller that returns now has waited for. Work
   * left running in the background (a deferred clean-up) is in `roundTrips` but not here.
   */
  finishedRoundTrips: number
}

export interface CountingObjectStoreOptions {
  /**
   * Simulated time each call takes. With an in-memory store calls finish within a microtask, so
   * calls meant to be parallel but separated by other async work (hashing, say) would look
   * sequential; a few milliseconds of latency makes them overlap as they would over the network.
   */
  latencyMs?: number
}

/** Wraps an `ObjectStore` to measure what an operation costs: calls by kind, and round trips. */
export class CountingObjectStore implements ObjectStore {
  readonly #inner: ObjectStore
  readonly #latencyMs: number
  #counts: OperationCounts = emptyCounts()
  /** Deepest round trip among calls that have finished; a call starting now is one deeper. */
  #finishedDepth = 0

  constructor(inner: ObjectStore, options: CountingObjectStoreOptions = {}) {
    this.#inner = inner
    this.#latencyMs = options.latencyMs ?? 0
  }

  counts(): OperationCounts {
    return { ...this.#counts, finishedRoundTrips: this.#finishedDepth }
  }

  /** Starts counting afresh; call it while no call is in flight. */
  reset(): void {
    this.#counts = emptyCounts()
    this.#finishedDepth = 0
  }

  get(key: string): Promise<StoredObject | null> {
    return this.#track('get', () => this.#inner.get(key))
  }

  put(key: string, text: string, options?: PutOptions): Promise<{ version: string } | null> {
    return this.#track('put', () => this.#inner.put(key, text, options))
  }

  delete(keys: string | readonly string[]): Promise<void> {
    return this.#track('delete', () => this.#inner.delete(keys))
  }

  list(options: ListOptions): Promise<ListPage> {
    return this.#track('list', () => this.#inner.list(options))
  }

  async #track<T>(kind: 'get' | 'put' | 'delete' | 'list', call: () => Promise<T>): Promise<T> {
    const counts = this.#counts
    counts[kind] += 1
    if (kind === 'put' || kind === 'list') counts.classA += 1
    if (kind === 'get') counts.classB += 1
    const depth = this.#finishedDepth + 1
    counts.roundTrips = Math.max(counts.roundTrips, depth)
    try {
      if (this.#latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#latencyMs))
      return await call()
    } finally {
      this.#finishedDepth = Math.max(this.#finishedDepth, depth)
    }
  }
}

function emptyCounts(): OperationCounts {
  return { get: 0, put: 0, delete: 0, list: 0, classA: 0, classB: 0, roundTrips: 0, finishedRoundTrips: 0 }
}
