/**
 * Seeded randomness for the test suites, the simulation and the benchmark: every run draws from a fixed seed
 * (the invariant suites print theirs), so a failure replays exactly and a benchmark measures the same work
 * (Node suites also take `INVARIANT_SEED=<n>` from the environment).
 */

/** A small, fast, deterministic PRNG (mulberry32): floats in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Helpers over one PRNG. */
export class Dice {
  readonly #next: () => number

  constructor(seed: number) {
    this.#next = prng(seed)
  }

  /** A float in [0, 1). */
  float(): number {
    return this.#next()
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1))
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.#next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.#next() * items.length)] as T
  }

  /** One of `weighted`'s keys, with probability proportional to its weight. */
  weighted<K extends string>(weighted: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weighted) as [K, number][]
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0)
    let roll = this.#next() * total
    for (const [key, weight] of entries) {
      roll -= weight
      if (roll < 0) return key
    }
    return (entries.at(-1) as [K, number])[0]
  }
}

/** The suite's seed: `INVARIANT_SEED` when set (Node), else the suite's fixed default. Printed either way. */
export function suiteSeed(suite: string, fallback: number): number {
  // Read through globalThis: the same module runs in Node and inside workerd (where it is usually unset).
  const fromEnv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.INVARIANT_SEED
  const seed = fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) : fallback
  console.log(`[invariants] ${suite}: seed ${seed} (replay with INVARIANT_SEED=${seed})`)
  return seed
}
