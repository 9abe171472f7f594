/**
 * The whole write path under a deterministic, seeded simulation: clients calling tools through the real
 * pipeline, the recovery pass and the sync run interleaved with them, storage calls that fail before or after
 * applying, overtake each other or never return, and processes that die at any await. After each schedule the
 * faults stop, recovery and sync run to the end, and a checker judges the recorded history (see support/checks).
 * `INVARIANT_SEED=<n>` runs just schedule n; `npm run simulate` runs many more.
 */
import { describe, expect, it } from 'vitest'
import { withDeterministicRuntime } from './support/runtime.ts'
import { runSchedule } from './support/schedule.ts'
import { BASE_SEED, describeFailures, runSuite, seedFromEnvironment, summaryLine } from './support/suite.ts'

const SCHEDULES = 5000

describe('simulation of the write path', () => {
  it(`keeps every invariant over ${SCHEDULES} seeded schedules`, async () => {
    const replay = seedFromEnvironment()
    const result = await runSuite(replay === undefined ? { seed: BASE_SEED, schedules: SCHEDULES } : { seed: replay, schedules: 1 })
    console.log(summaryLine(result))
    expect(result.violations, describeFailures(result)).toBe(0)
  }, 600_000)

  it('replays a seed exactly: the same schedule, step for step', async () => {
    const seeds = [BASE_SEED, BASE_SEED + 7, BASE_SEED + 4242]
    for (const seed of seeds) {
      const first = await withDeterministicRuntime(() => runSchedule(seed))
      const second = await withDeterministicRuntime(() => runSchedule(seed))
      expect(second.trace.lines).toEqual(first.trace.lines)
      expect(second.violations).toEqual(first.violations)
    }
  })
})
