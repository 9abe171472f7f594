import type { Dice } from '../../support/seeded.ts'

/** Simulated time: it moves only when the schedule moves it, so a seed always sees the same clock. */
export class SimClock {
  readonly startMs: number
  #ms: number

  constructor(startMs: number) {
    this.startMs = startMs
    this.#ms = startMs
  }

  get ms(): number {
    return this.#ms
  }

  readonly now = (): Date => new Date(this.#ms)
  readonly nowMs = (): number => this.#ms

  advance(ms: number): void {
    this.#ms += Math.max(0, Math.round(ms))
  }
}

/**
 * UUIDv7 ids (RFC 9562) from the simulated clock and the schedule's dice, in place of `newId`'s
 * `crypto.getRandomValues`: same layout (ms, version, 12-bit counter, variant, random), same seed, same ids.
 */
export function seededIds(dice: Dice, nowMs: () => number): () => string {
  let lastMs = -1
  let counter = 0
  const hex = (value: number, digits: number) => value.toString(16).padStart(digits, '0')
  return () => {
    let ms = nowMs()
    if (ms <= lastMs) {
      ms = lastMs
      counter += 1
      if (counter > 0xfff) {
        ms += 1
        counter = 0
      }
    } else {
      counter = dice.int(0, 0x7ff)
    }
    lastMs = ms
    const time = hex(ms, 12)
    const variant = hex(0x8 | dice.int(0, 3), 1)
    return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(counter, 3)}-${variant}${hex(dice.int(0, 0xfff), 3)}-${hex(dice.int(0, 0xffffff), 6)}${hex(dice.int(0, 0xffffff), 6)}`
  }
}
