import { UUID_SOURCE } from '../../../shared/patterns.ts'
import type { SimClock } from './clock.ts'

const UUID = new RegExp(UUID_SOURCE, 'g')

/** A text with every UUID cut to its last six hex digits (v7 ids share their leading, time, digits). */
export function short(text: string): string {
  return text.replace(UUID, (id) => `…${id.slice(-6)}`)
}

/** What happened, step by step: the replay a failing seed prints. Lines are formatted only when read. */
export class Trace {
  readonly #events: { step: number; ms: number; text: string }[] = []
  readonly #clock: SimClock
  readonly #step: () => number

  constructor(clock: SimClock, step: () => number) {
    this.#clock = clock
    this.#step = step
  }

  add(text: string): void {
    this.#events.push({ step: this.#step(), ms: this.#clock.ms, text })
  }

  get lines(): string[] {
    return this.#events.map(({ step, ms, text }) => `${String(step).padStart(5)} ${`${((ms - this.#clock.startMs) / 1000).toFixed(3)}s`.padStart(9)}  ${short(text)}`)
  }

  /** The last `count` lines that mention any of `subjects` (short forms), or the last lines when none do. */
  around(subjects: readonly string[], count: number): string[] {
    const tokens = subjects.map(short).filter((token) => token.length > 0)
    const lines = this.lines
    const related = tokens.length === 0 ? [] : lines.filter((line) => tokens.some((token) => line.includes(token)))
    return (related.length > 0 ? related : lines).slice(-count)
  }
}
