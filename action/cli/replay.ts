import type { Command } from './command.ts'
import { COMMON_USAGE, processEnvironment, runReconcileCommand, timeOption, type CliEnvironment } from './reconcile-command.ts'

export function runReplayCommand(args: string[], environment: CliEnvironment = processEnvironment()): Promise<number> {
  return runReconcileCommand(args, environment, {
    extra: { since: { type: 'string' }, until: { type: 'string' } },
    settings: (values) => {
      const since = timeOption(values, 'since')
      const until = timeOption(values, 'until')
      return { mode: 'replay', ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) }
    },
  })
}

export const replayCommand: Command = {
  summary: 're-apply synced entries that the branch lost (after a history rewrite, or into a new repository)',
  usage: `accelerando replay [options] [--since <ISO time>] [--until <ISO time>]\n${COMMON_USAGE}`,
  run: (args) => runReplayCommand(args),
}
