import type { Command } from './command.ts'
import { COMMON_USAGE, processEnvironment, runReconcileCommand, type CliEnvironment } from './reconcile-command.ts'

export function runVerifyCommand(args: string[], environment: CliEnvironment = processEnvironment()): Promise<number> {
  return runReconcileCommand(args, environment, {
    extra: { repair: { type: 'boolean' } },
    settings: (values) => ({ mode: 'verify', repair: values.repair === true }),
    // Scripts can rely on the exit code: 1 while the bucket and the branch disagree or the books do not hold.
    exitCode: (result) =>
      result.mode === 'verify' && ((result.drift.length > 0 && result.repaired === null) || result.integrity.length > 0 || result.indexes.problems.length > result.indexes.repaired ||
        (result.ledger.problems.length > 0 && result.ledger.rebuilt.length === 0))
        ? 1
        : 0,
  })
}

export const verifyCommand: Command = {
  summary: "compare the bucket's data/ with the branch and the indexes, finish interrupted transactions, check the books",
  usage:
    `accelerando verify [options] [--repair]\n${COMMON_USAGE}\n` +
    '--repair commits the bucket\'s state of drifted files, and rebuilds index entries from data/ (then marks each\n' +
    'index with nothing left to fix complete, so filtered lists and reference checks read it); entries of transactions\n' +
    'in flight are never touched. Run it once after deploying a schema that adds an INDEX. It also rebuilds the ledger\n' +
    'summaries (per-account monthly totals) that disagree with the journal lines, and builds any not yet there.\n' +
    'Exits with 1 when files drifted (and were not repaired), index entries or ledger summaries disagree with\n' +
    'data/ (and were not all rebuilt) or the books have problems.',
  run: (args) => runVerifyCommand(args),
}
