import { COMMIT_MODES, type CommitMode } from '../engine/index.ts'
import { UsageError, type Command } from './command.ts'
import { COMMON_USAGE, processEnvironment, runReconcileCommand, type CliEnvironment } from './reconcile-command.ts'

export function runSyncCommand(args: string[], environment: CliEnvironment = processEnvironment()): Promise<number> {
  return runReconcileCommand(args, environment, {
    extra: { 'max-entries': { type: 'string' }, 'commit-mode': { type: 'string' } },
    settings: (values) => {
      const commitMode = (values['commit-mode'] ?? 'per-entry') as string
      if (!(COMMIT_MODES as readonly string[]).includes(commitMode)) throw new UsageError(`--commit-mode must be one of ${COMMIT_MODES.join(', ')}`)
      const max = values['max-entries'] as string | undefined
      if (max !== undefined && !/^[1-9][0-9]*$/.test(max)) throw new UsageError('--max-entries must be a positive whole number')
      return { mode: 'sync', commitMode: commitMode as CommitMode, ...(max === undefined ? {} : { maxEntries: Number(max) }) }
    },
  })
}

export const syncCommand: Command = {
  summary: 'commit pending entries to the data repository, one commit per entry',
  usage: `accelerando sync [options] [--max-entries <n>] [--commit-mode per-entry|batch]\n${COMMON_USAGE}`,
  run: (args) => runSyncCommand(args),
}
