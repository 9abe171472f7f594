import type { ListOptions, ListPage, ObjectStore, PutOptions, StoredObject } from './object-store.ts'

/**
 * The process "died". Deliberately not an `AccelerandoError`, so no error mapping turns it into an
 * answer: code under test must let it escape.
 */
export class SimulatedCrash extends Error {
  constructor(message = 'simulated crash: the process stopped here') {
    super(message)
    this.name = 'SimulatedCrash'
  }
}

/**
 * Wraps an `ObjectStore` to kill the caller between two storage operations. First run an
 * operation unarmed and read `mutations` to learn how many writes it makes; then, for each n, arm
 * a fresh store with `crashAfter(n)`: exactly n more puts/deletes happen, and from the next one on
 * every call, reads included, throws `SimulatedCrash` without touching the inner store, as a dead
 * process does nothing more. Recovery is then tested against the inner store.
 */
export class FaultyObjectStore implements ObjectStore {
  readonly #inner: ObjectStore
  #mutations = 0
  /** Value of `#mutations` at which the next mutation crashes; undefined while unarmed. */
  #crashAt: number | undefined
  #crashed = false

  constructor(inner: ObjectStore) {
    this.#inner = inner
  }

  /** Puts and deletes performed through this wrapper so far (a batch delete is one). */
  get mutations(): number {
    return this.#mutations
  }

  get crashed(): boolean {
    return this.#crashed
  }

  /** Allows `n` more mutations; the one after them crashes, and so does every call after it. */
  crashAfter(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`crashAfter: n must be a non-negative integer, got ${n}`)
    this.#crashAt = this.#mutations + n
  }

  async get(key: string): Promise<StoredObject | null> {
    this.#checkAlive()
    return this.#inner.get(key)
  }

  async list(options: ListOptions): Promise<ListPage> {
    this.#checkAlive()
    return this.#inner.list(options)
  }

  async put(key: string, text: string, options?: PutOptions): Promise<{ version: string } | null> {
    this.#beforeMutation()
    return this.#inner.put(key, text, options)
  }

  async delete(keys: string | readonly string[]): Promise<void> {
    this.#beforeMutation()
    return this.#inner.delete(keys)
  }

  #checkAlive(): void {
    if (this.#crashed) throw new SimulatedCrash()
  }

  /**
   * Runs synchronously at call time (before the method's first await), so parallel writes crash
   * in the order they were issued; the failure still arrives as a rejected promise.
   */
  #beforeMutation(): void {
    this.#checkAlive()
    if (this.#crashAt !== undefined && this.#mutations >= this.#crashAt) {
      this.#crashed = true
      throw new SimulatedCrash()
    }
    this.#mutations += 1
  }
}
