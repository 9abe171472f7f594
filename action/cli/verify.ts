import type { Command } from './command.ts'
import { COMMON_USAGE, processEnvironment, runReconcileCommand, type CliEnvironment } from './reconcile-command.ts'

export function runVerifyCommand(args: string[], environment: CliEnvironment = processEnvironment()): Promise<number> {
  return runReconcileCommand(args, environment, {
    extra: { repair: { type: 'boolean' } },
    settings: (values) => ({ mode: 'verify', repair: values.repair === true }),
    // Scripts can rely on the exit code: 1 while the bucket and the branch disagree or the books do not hold.
    exitCode: (result) => (result.mode === 'verify' && ((result.drift.length > 0 && result.repaired === null) || result.integrity.length > 0) ? 1 : 0),
  })
}

export const verifyCommand: Command = {
  summary: "compare the bucket's data/ with the branch, finish interrupted transactions, check the books",
  usage: `accelerando verify [options] [--repair]\n${COMMON_USAGE}\nExits with 1 when files drifted (and were not repaired) or the books have problems.`,
  run: (args) => runVerifyCommand(args),
}
