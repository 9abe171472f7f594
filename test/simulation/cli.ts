/**
 * `npm run simulate -- [--schedules N] [--seed S] [--trace]`: runs N seeded schedules of the whole write path
 * (seeds S, S+1, ...), prints the violations found with their seeds, then one summary line; exits 1 if any.
 * `INVARIANT_SEED=<n>` replays that one schedule; `--trace` then prints its whole trace.
 */
import { parseArgs } from 'node:util'
import { withDeterministicRuntime } from './support/runtime.ts'
import { runSchedule } from './support/schedule.ts'
import { BASE_SEED, describeFailures, runSuite, seedFromEnvironment, summaryLine } from './support/suite.ts'

const { values } = parseArgs({
  options: {
    schedules: { type: 'string', default: '5000' },
    seed: { type: 'string' },
    trace: { type: 'boolean', default: false },
  },
})
const replay = seedFromEnvironment()
const seed = replay ?? (values.seed === undefined ? BASE_SEED : Number(values.seed))
const schedules = replay === undefined ? Number(values.schedules) : 1
if (!Number.isSafeInteger(seed) || seed < 0 || !Number.isSafeInteger(schedules) || schedules < 1) {
  console.error('--seed takes a non-negative integer and --schedules a positive one')
  process.exit(2)
}

if (values.trace) {
  const report = await withDeterministicRuntime(() => runSchedule(seed))
  for (const line of report.trace.lines) console.log(line)
  for (const violation of report.violations) console.log(`[${violation.category}] ${violation.message}`)
}
const result = await runSuite({ seed, schedules })
if (result.violations > 0) console.log(describeFailures(result))
console.log(summaryLine(result))
process.exitCode = result.violations > 0 ? 1 : 0
