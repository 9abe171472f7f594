import { checkSchedule, type Violation } from './checks/index.ts'
import { Simulation } from './simulation.ts'
import type { Trace } from './trace.ts'

export interface ScheduleReport {
  seed: number
  /** Tool calls, sync runs and recovery passes. */
  operations: number
  faults: number
  violations: Violation[]
  trace: Trace
}

/** Runs one schedule to quiescence and judges it. A failure of the simulation itself is reported, never hidden. */
export async function runSchedule(seed: number): Promise<ScheduleReport> {
  const simulation = new Simulation(seed)
  let violations: Violation[]
  try {
    await simulation.run()
    violations = await checkSchedule(simulation.history, simulation.memory, simulation.branch, { tenants: simulation.tenants, nowMs: simulation.clock.ms })
  } catch (error) {
    violations = [{ category: 'simulation-error', message: (error as Error).stack ?? String(error), subjects: [] }]
  }
  return { seed, operations: simulation.operations, faults: simulation.faults, violations, trace: simulation.trace }
}
