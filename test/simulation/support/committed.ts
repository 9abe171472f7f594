import type { LandedEntry } from './history.ts'

/** One committed state of one record: what an entry wrote there (null: deleted), at its commit point. */
export interface CommittedState {
  step: number
  oid: string
  text: string | null
}

/**
 * Every record's history of committed states, in commit-point order (the order entries landed): the
 * linearisation every reader and writer must agree with.
 */
export class CommittedHistory {
  readonly #byKey = new Map<string, CommittedState[]>()

  constructor(entries: readonly LandedEntry[]) {
    for (const { step, oid, entry } of entries) {
      for (const file of entry.files) {
        const states = this.#byKey.get(file.path) ?? []
        states.push({ step, oid, text: file.op === 'put' ? file.content : null })
        this.#byKey.set(file.path, states)
      }
    }
  }

  states(key: string): readonly CommittedState[] {
    return this.#byKey.get(key) ?? []
  }

  /** The committed text just before `step` (null: absent). */
  before(key: string, step: number): string | null {
    let text: string | null = null
    for (const state of this.states(key)) {
      if (state.step >= step) break
      text = state.text
    }
    return text
  }

  /** Every state the record was in at some moment of [from, to]: the one before `from`, and each committed during. */
  during(key: string, from: number, to: number): (string | null)[] {
    return [this.before(key, from), ...this.states(key).filter((state) => state.step > from && state.step <= to).map((state) => state.text)]
  }

  /** Index of the last committed state with this text, or -1. */
  lastIndexOf(key: string, text: string | null): number {
    const states = this.states(key)
    for (let index = states.length - 1; index >= 0; index--) if (states[index]?.text === text) return index
    return -1
  }
}
