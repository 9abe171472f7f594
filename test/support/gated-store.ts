import type { ListOptions, ObjectStore, PutOptions } from '../../shared/object-store/object-store.ts'

type Call = { op: 'get' | 'put' | 'delete' | 'list'; key: string; options?: PutOptions }

/** A call held at a gate: `reached` settles when a matching call arrives; `release` lets it go on. */
export interface Gate {
  reached: Promise<void>
  release(): void
}

/**
 * Holds selected calls until the test releases them, and can make selected calls land and then fail: the way tests
 * stage an exact interleaving of two writers, or an answer lost after the write landed.
 */
export class GatedObjectStore implements ObjectStore {
  readonly #inner: ObjectStore
  readonly #gates: { when: (call: Call) => boolean; arrived: () => void; released: Promise<void> }[] = []
  readonly #landThenFail: { when: (call: Call) => boolean; times: number }[] = []
  readonly #failBefore: { when: (call: Call) => boolean; times: number }[] = []

  constructor(inner: ObjectStore) {
    this.#inner = inner
  }

  /** Holds the next call matching `when` until `release()`. */
  gate(when: (call: Call) => boolean): Gate {
    let arrived!: () => void
    let release!: () => void
    const reached = new Promise<void>((resolve) => (arrived = resolve))
    const released = new Promise<void>((resolve) => (release = resolve))
    this.#gates.push({ when, arrived, released })
    return { reached, release }
  }

  /** The next `times` calls matching `when` are applied, then answer with an error. */
  landThenFail(when: (call: Call) => boolean, times = 1): void {
    this.#landThenFail.push({ when, times })
  }

  /** The next `times` calls matching `when` fail without being applied. */
  failBefore(when: (call: Call) => boolean, times = 1): void {
    this.#failBefore.push({ when, times })
  }

  async #through<T>(call: Call, apply: () => Promise<T>): Promise<T> {
    const gateIndex = this.#gates.findIndex((gate) => gate.when(call))
    if (gateIndex >= 0) {
      const [gate] = this.#gates.splice(gateIndex, 1)
      gate!.arrived()
      await gate!.released
    }
    const before = this.#failBefore.find((fault) => fault.times > 0 && fault.when(call))
    if (before !== undefined) {
      before.times -= 1
      throw new Error(`injected: ${call.op} ${call.key} failed before it was applied`)
    }
    const result = await apply()
    const after = this.#landThenFail.find((fault) => fault.times > 0 && fault.when(call))
    if (after !== undefined) {
      after.times -= 1
      throw new Error(`injected: ${call.op} ${call.key} landed, then its answer was lost`)
    }
    return result
  }

  get(key: string) {
    return this.#through({ op: 'get', key }, () => this.#inner.get(key))
  }

  put(key: string, text: string, options?: PutOptions) {
    return this.#through({ op: 'put', key, options }, () => this.#inner.put(key, text, options))
  }

  delete(keys: string | readonly string[]) {
    const first = typeof keys === 'string' ? keys : (keys[0] ?? '')
    return this.#through({ op: 'delete', key: first }, () => this.#inner.delete(keys))
  }

  list(options: ListOptions) {
    return this.#through({ op: 'list', key: options.prefix }, () => this.#inner.list(options))
  }
}
