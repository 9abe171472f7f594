import type { ListOptions, ObjectStore, PutOptions } from '../../shared/object-store/object-store.ts'

/**
 * Runs a hook just before selected puts reach the store: the way tests stage "another writer got there
 * first" at an exact point of the protocol, deterministically.
 */
export class HookedObjectStore implements ObjectStore {
  readonly #inner: ObjectStore
  readonly #hooks: { when: (key: string, options?: PutOptions) => boolean; run: () => Promise<void>; times: number }[] = []

  #hooking = false

  constructor(inner: ObjectStore) {
    this.#inner = inner
  }

  /** Before the next `times` puts matching `when`, run `run` (once per matching put). */
  beforePut(when: (key: string, options?: PutOptions) => boolean, run: () => Promise<void>, times = 1): void {
    this.#hooks.push({ when, run, times })
  }

  get(key: string) {
    return this.#inner.get(key)
  }

  async put(key: string, text: string, options?: PutOptions) {
    // Puts made by a running hook (the rival writer's own) do not trigger hooks again.
    const hook = this.#hooking ? undefined : this.#hooks.find((candidate) => candidate.times > 0 && candidate.when(key, options))
    if (hook !== undefined) {
      hook.times -= 1
      this.#hooking = true
      try {
        await hook.run()
      } finally {
        this.#hooking = false
      }
    }
    return this.#inner.put(key, text, options)
  }

  delete(keys: string | readonly string[]) {
    return this.#inner.delete(keys)
  }

  list(options: ListOptions) {
    return this.#inner.list(options)
  }
}
