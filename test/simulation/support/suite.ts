import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Violation } from './checks/index.ts'
import { withDeterministicRuntime } from './runtime.ts'
import { runSchedule } from './schedule.ts'

/** The fixed base seed of `npm test`'s schedules; schedule i runs with seed BASE_SEED + i. */
export const BASE_SEED = 20_261_201

/** A failing schedule as reports show it: its violations and the trace lines leading to the first one. */
export interface FailingSchedule {
  seed: number
  violations: Violation[]
  excerpt: string[]
}

export interface SuiteResult {
  /** The base seed (or the one seed replayed). */
  seed: number
  schedules: number
  operations: number
  faults: number
  violations: number
  /** category → how many violations, and the first seeds that showed one. */
  categories: Record<string, { count: number; seeds: number[] }>
  /** The first failing schedules. */
  failing: FailingSchedule[]
}

export interface SuiteOptions {
  seed: number
  schedules: number
  /** Worker threads to spread the schedules over; 1 runs them here. Default: one per core. */
  threads?: number
}

const KEPT_FAILURES = 5
const SEEDS_PER_CATEGORY = 5
const EXCERPT_LINES = 30
/** Below this many schedules a thread costs more to start than it saves. */
const SCHEDULES_PER_THREAD = 250

/** `INVARIANT_SEED=<n>`: replay that one schedule. */
export function seedFromEnvironment(): number | undefined {
  const value = process.env.INVARIANT_SEED
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined
}

/** Runs schedules with seeds `seed`, `seed + 1`, ... `seed + schedules - 1`, over worker threads when that pays. */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const wanted = options.threads ?? availableParallelism()
  const threads = Math.max(1, Math.min(wanted, Math.floor(options.schedules / SCHEDULES_PER_THREAD)))
  if (threads === 1) return runShare({ ...options, offset: 0, stride: 1 })
  const shares = await Promise.all(
    Array.from({ length: threads }, (_, offset) => {
      const worker = new Worker(new URL('./suite-worker.ts', import.meta.url), { workerData: { ...options, offset, stride: threads } })
      return new Promise<SuiteResult>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
        worker.once('exit', (code) => reject(new Error(`simulation worker ${offset} exited (${code}) before reporting`)))
      })
    }),
  )
  return merge(options.seed, shares)
}

/** The schedules `seed + offset`, `seed + offset + stride`, ...: one thread's share. */
export async function runShare(options: SuiteOptions & { offset: number; stride: number }): Promise<SuiteResult> {
  const result: SuiteResult = { seed: options.seed, schedules: 0, operations: 0, faults: 0, violations: 0, categories: {}, failing: [] }
  await withDeterministicRuntime(async () => {
    for (let index = options.offset; index < options.schedules; index += options.stride) {
      const report = await runSchedule(options.seed + index)
      result.schedules += 1
      result.operations += report.operations
      result.faults += report.faults
      result.violations += report.violations.length
      for (const violation of report.violations) {
        const category = (result.categories[violation.category] ??= { count: 0, seeds: [] })
        category.count += 1
        if (category.seeds.length < SEEDS_PER_CATEGORY && !category.seeds.includes(report.seed)) category.seeds.push(report.seed)
      }
      if (report.violations.length > 0 && result.failing.length < KEPT_FAILURES) {
        result.failing.push({ seed: report.seed, violations: report.violations, excerpt: report.trace.around(report.violations[0]?.subjects ?? [], EXCERPT_LINES) })
      }
    }
  })
  return result
}

/** One result from the threads' shares, as if one thread had run them all in seed order. */
function merge(seed: number, shares: readonly SuiteResult[]): SuiteResult {
  const merged: SuiteResult = { seed, schedules: 0, operations: 0, faults: 0, violations: 0, categories: {}, failing: [] }
  for (const share of shares) {
    merged.schedules += share.schedules
    merged.operations += share.operations
    merged.faults += share.faults
    merged.violations += share.violations
    for (const [name, { count, seeds }] of Object.entries(share.categories)) {
      const category = (merged.categories[name] ??= { count: 0, seeds: [] })
      category.count += count
      category.seeds = [...category.seeds, ...seeds].sort((a, b) => a - b).slice(0, SEEDS_PER_CATEGORY)
    }
    merged.failing.push(...share.failing)
  }
  merged.failing = merged.failing.sort((a, b) => a.seed - b.seed).slice(0, KEPT_FAILURES)
  return merged
}

export function summaryLine(result: SuiteResult): string {
  return `[simulation] ${result.schedules} schedules, ${result.operations} operations, ${result.faults} faults injected, ${result.violations} violations (seed ${result.seed})`
}

/** Violations by category with seeds to replay, then the first failing schedules with their traces. */
export function describeFailures(result: SuiteResult): string {
  const lines: string[] = ['violations by category (replay a seed with INVARIANT_SEED=<seed>):']
  for (const [category, { count, seeds }] of Object.entries(result.categories).sort((a, b) => b[1].count - a[1].count)) {
    lines.push(`  ${category}: ${count} (seeds ${seeds.join(', ')})`)
  }
  for (const failing of result.failing) {
    lines.push('', `seed ${failing.seed}: ${failing.violations.length} violation(s) — INVARIANT_SEED=${failing.seed}`)
    for (const violation of failing.violations.slice(0, 5)) lines.push(`  [${violation.category}] ${violation.message}`)
    if (failing.violations.length > 5) lines.push(`  … and ${failing.violations.length - 5} more`)
    lines.push(`  trace (the last steps about the first one):`)
    for (const line of failing.excerpt) lines.push(`    ${line}`)
  }
  return lines.join('\n')
}
